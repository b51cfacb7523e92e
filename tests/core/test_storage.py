"""core.storage.DatabaseStorage (files in core.StoredFile rows), and the `uploads` storage
chosen from the environment. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import transaction

from core.models import StoredFile
from core.storage import DatabaseStorage
from tests.core.test_settings import GOOD_PRODUCTION_ENV

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def storage() -> DatabaseStorage:
    return DatabaseStorage()


@pytest.mark.django_db
def test_save_open_exists_size_delete(storage):
    name = storage.save("uploads/a/statement.xlsx", ContentFile(b"PK\x03\x04 bytes"))

    assert name == "uploads/a/statement.xlsx"
    assert storage.exists(name)
    with storage.open(name) as stored:
        assert stored.read() == b"PK\x03\x04 bytes"
    assert storage.size(name) == len(b"PK\x03\x04 bytes")
    assert storage.get_created_time(name) == StoredFile.objects.get(name=name).created_at

    storage.delete(name)
    assert not storage.exists(name)
    assert not StoredFile.objects.exists()


@pytest.mark.django_db
def test_a_missing_file_is_file_not_found_and_deleting_it_is_no_error(storage):
    assert not storage.exists("nope.xlsx")
    with pytest.raises(FileNotFoundError):
        storage.open("nope.xlsx")
    with pytest.raises(FileNotFoundError):
        storage.size("nope.xlsx")
    storage.delete("nope.xlsx")


@pytest.mark.django_db
def test_a_taken_name_gets_another_and_both_files_stay_whole(storage):
    first = storage.save("uploads/s.xlsx", ContentFile(b"first"))
    second = storage.save("uploads/s.xlsx", ContentFile(b"second"))

    assert first == "uploads/s.xlsx"
    assert second != first
    assert second.startswith("uploads/s_")
    assert second.endswith(".xlsx")
    assert storage.open(first).read() == b"first"
    assert storage.open(second).read() == b"second"


@pytest.mark.django_db
def test_a_name_taken_between_the_check_and_the_insert_gets_another(storage):
    """Another process saved the same name after ours was chosen: the insert fails on the
    unique name inside a savepoint, and the save goes on under a free name, in the same
    transaction."""
    storage.save("uploads/race.xlsx", ContentFile(b"theirs"))

    with transaction.atomic():
        ours = storage._save("uploads/race.xlsx", ContentFile(b"ours"))
        assert StoredFile.objects.count() == 2  # the transaction is still usable

    assert ours != "uploads/race.xlsx"
    assert storage.open(ours).read() == b"ours"
    assert storage.open("uploads/race.xlsx").read() == b"theirs"


@pytest.mark.django_db
def test_long_names_stay_within_the_column(storage):
    long_name = "uploads/" + "x" * 240 + ".xlsx"
    first = storage.save(long_name, ContentFile(b"1"), max_length=255)
    second = storage.save(long_name, ContentFile(b"2"), max_length=255)

    assert max(len(first), len(second)) <= 255
    assert first != second
    assert storage.open(second).read() == b"2"


@pytest.mark.django_db
def test_a_file_at_the_upload_limit_comes_back_byte_for_byte(storage, settings):
    content = random.Random(16).randbytes(settings.WORKFLOWS_UPLOAD_MAX_BYTES)  # incompressible
    name = storage.save("uploads/big.xlsx", ContentFile(content))

    assert storage.size(name) == settings.WORKFLOWS_UPLOAD_MAX_BYTES
    assert storage.open(name).read() == content


@pytest.mark.django_db
def test_a_file_saved_in_a_rolled_back_transaction_is_gone_with_it(storage):
    def save_then_fail():
        with transaction.atomic():
            storage.save("uploads/rolled-back.xlsx", ContentFile(b"x"))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        save_then_fail()

    assert not storage.exists("uploads/rolled-back.xlsx")


@pytest.mark.django_db
def test_files_are_read_only_and_never_served_at_a_url(storage):
    name = storage.save("uploads/s.xlsx", ContentFile(b"x"))

    with pytest.raises(ValueError, match="reading only"):
        storage.open(name, "wb")
    with pytest.raises(NotImplementedError):
        storage.url(name)
    with pytest.raises(NotImplementedError):
        storage.path(name)


# --- the `uploads` storage comes from the environment ---------------------------------------

DEVELOPMENT = {"DJANGO_SETTINGS_MODULE": "config.settings.development"}
SHOW = (
    "from django.core.files.storage import storages; from workflows.models import Upload; "
    "print(type(storages['uploads']).__name__, type(Upload._meta.get_field('file').storage)"
    ".__name__)"
)


def uploads_backend_of(env: dict[str, str]) -> subprocess.CompletedProcess:
    ignored = {*GOOD_PRODUCTION_ENV, "UPLOADS_STORAGE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in ignored}
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=REPO, env={**clean, **env}, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        (DEVELOPMENT, "FileSystemStorage"),
        (
            {
                "DJANGO_SETTINGS_MODULE": "config.settings.development",
                "UPLOADS_STORAGE": "database",
            },
            "DatabaseStorage",
        ),
        (GOOD_PRODUCTION_ENV, "DatabaseStorage"),
        ({**GOOD_PRODUCTION_ENV, "UPLOADS_STORAGE": "filesystem"}, "FileSystemStorage"),
    ],
    ids=["development", "development+database", "production", "production+filesystem"],
)
def test_the_uploads_backend_is_chosen_by_the_environment(env, backend):
    result = uploads_backend_of(env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [backend, backend]


def test_an_unknown_uploads_backend_is_one_readable_error():
    result = uploads_backend_of({"UPLOADS_STORAGE": "s3"})

    assert result.returncode != 0
    assert "UPLOADS_STORAGE must be one of filesystem, database, got 's3'" in result.stderr
