"""Uploads go through the `uploads` storage (either backend): stored under the run's and the
upload's ids, read back by the automatic steps, deleted with their row once that commits."""

import hashlib
from pathlib import Path

import pytest
from django.db import transaction

from core.models import StoredFile
from tests.workflows.conftest import KEY, good_statement
from workflows import services
from workflows.models import RunStatus, Upload, WorkflowRun, upload_file_name

pytestmark = pytest.mark.django_db
BACKENDS = ["database", "filesystem"]


CONTENT = good_statement()  # once: a workbook carries the time it was made


def start(runner, customer_input, upload, name="statement.xlsx"):
    return services.workflow_run_start(
        key=KEY, actor=runner, data=customer_input, files={"statement": upload(CONTENT, name)}
    )


def files_under(folder) -> list[Path]:
    return [path for path in Path(folder).rglob("*") if path.is_file()]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_upload_is_stored_under_its_ids_and_the_worker_step_reads_it(
    backend, uploads_backend, runner, customer_input, upload, settings
):
    uploads_backend(backend)
    run = start(runner, customer_input, upload, name="Relevé mars.XLSX")

    stored = Upload.objects.get(run=run)
    assert stored.file.name == f"uploads/workflows/{run.id}/{stored.id}.xlsx"
    assert stored.original_name == "Relevé mars.XLSX"  # the person's name stays in the row
    assert stored.read_bytes() == CONTENT
    assert (stored.size, stored.sha256) == (
        len(CONTENT), hashlib.sha256(CONTENT).hexdigest()
    )  # fmt: skip
    if backend == "database":
        assert StoredFile.objects.get(name=stored.file.name).size == stored.size
        assert files_under(settings.MEDIA_ROOT) == []
    else:
        assert (Path(settings.MEDIA_ROOT) / stored.file.name).read_bytes() == CONTENT
        assert not StoredFile.objects.exists()

    assert services.workflow_run_execute(run_id=run.id) == RunStatus.COMPLETED


@pytest.mark.parametrize("backend", BACKENDS)
def test_deleting_a_run_deletes_its_files_once_that_commits(
    backend, uploads_backend, runner, customer_input, upload, django_capture_on_commit_callbacks
):
    storage = uploads_backend(backend)
    run = start(runner, customer_input, upload)
    name = Upload.objects.get(run=run).file.name

    with django_capture_on_commit_callbacks(execute=True):
        run.delete()  # the uploads go by cascade

    assert not storage.exists(name)
    assert not Upload.objects.exists()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_deletion_that_rolls_back_keeps_the_file(
    backend, uploads_backend, runner, customer_input, upload, django_capture_on_commit_callbacks
):
    storage = uploads_backend(backend)
    run = start(runner, customer_input, upload)
    name = Upload.objects.get(run=run).file.name

    def delete_then_fail():
        with transaction.atomic():
            WorkflowRun.objects.get(pk=run.pk).delete()
            raise RuntimeError

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        delete_then_fail()

    assert callbacks == []
    assert storage.exists(name)
    assert Upload.objects.get(run=run).read_bytes() == CONTENT


@pytest.mark.parametrize(
    ("filename", "suffix"),
    [("statement.xlsx", ".xlsx"), ("S.CSV", ".csv"), ("no suffix", ""), ("x.a b", ""),
     ("../../etc/passwd", ""), ("x." + "a" * 11, "")],
)  # fmt: skip
def test_the_stored_name_is_the_ids_and_a_plain_suffix(filename, suffix):
    upload = Upload(run_id="7f0e3a52-6c1c-4c55-9b7a-2f3c2d7f6a10")

    assert upload_file_name(upload, filename) == (
        f"uploads/workflows/7f0e3a52-6c1c-4c55-9b7a-2f3c2d7f6a10/{upload.id}{suffix}"
    )
