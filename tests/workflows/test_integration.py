"""Through a real Celery worker: the API starts a run, the worker runs the automatic steps
(parsing, charting) from the broker, the run completes with its chart. The worker reads the
uploaded workbook through the uploads storage: it shares no folder with the tests."""

from datetime import timedelta
from pathlib import Path

import pytest

from core.models import StoredFile
from core.roles import Role
from tests.harness.waiting import wait_until
from tests.harness.worker import subprocess_env
from tests.workflows.conftest import KEY, good_statement
from workflows.models import RunStatus, Upload, WorkflowRun

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def start(api, customer_input, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api.post(
        "/api/workflows/runs/",
        {"definition": KEY, **customer_input,
         "statement": SimpleUploadedFile("statement.xlsx", content)},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_the_worker_runs_the_automatic_steps(
    live_worker, token_client, user_factory, customer_input
):
    # Staff rather than a role: transactional tests flush the groups the roles migration made.
    api = token_client(user_factory(username="wendy", roles=[Role.ANALYST]))
    run_id = start(api, customer_input, good_statement())

    run = wait_until(
        lambda: WorkflowRun.objects.filter(id=run_id, status=RunStatus.COMPLETED).first(),
        timeout=30,
        message="the worker completed the run",
    )

    body = api.get(f"/api/workflows/runs/{run_id}/").json()
    assert [step["actor"] for step in body["steps"]] == [
        "wendy", "system: workflows.worker", "system: workflows.worker",
    ]  # fmt: skip
    assert body["chart"]["totals"] == {
        "Income": "30600.00", "Expenses": "21300.00", "Net": "9300.00",
    }  # fmt: skip
    assert run.finished_at is not None


def test_a_lost_message_is_resent_by_the_sweep_and_the_worker_finishes(
    live_worker, token_client, user_factory, customer_input, monkeypatch
):
    from workflows import services
    from workflows.services import runs

    api = token_client(user_factory(username="wendy", roles=[Role.ANALYST]))
    monkeypatch.setattr(runs, "enqueue_on_commit", lambda *args, **kwargs: None)  # "lost"
    run_id = start(api, customer_input, good_statement())
    assert WorkflowRun.objects.get(id=run_id).status == RunStatus.RUNNING

    assert services.workflow_runs_resume_stalled(older_than=timedelta(seconds=-1)) == 1

    wait_until(
        lambda: WorkflowRun.objects.filter(id=run_id, status=RunStatus.COMPLETED).exists(),
        timeout=30,
        message="the worker completed the re-sent run",
    )


def files_under(folder) -> list[Path]:
    return [path for path in Path(folder).rglob("*") if path.is_file()]


def test_a_worker_with_none_of_the_webs_files_reads_the_upload_from_the_database(
    live_worker, token_client, user_factory, customer_input, settings
):
    """As on two machines: the worker has a MEDIA_ROOT of its own (tests/harness/worker.py),
    and UPLOADS_STORAGE=database on both sides."""
    worker_env = subprocess_env()  # what every worker subprocess is given
    assert (settings.UPLOADS_STORAGE, worker_env["UPLOADS_STORAGE"]) == ("database", "database")
    assert Path(worker_env["MEDIA_ROOT"]).resolve() != Path(settings.MEDIA_ROOT).resolve()
    api = token_client(user_factory(username="wendy", roles=[Role.ANALYST]))
    content = good_statement()

    run_id = start(api, customer_input, content)

    upload = Upload.objects.get(run_id=run_id)
    assert bytes(StoredFile.objects.get(name=upload.file.name).content) == content
    assert files_under(settings.MEDIA_ROOT) == []  # nothing on the web's disk
    wait_until(
        lambda: WorkflowRun.objects.filter(id=run_id, status=RunStatus.COMPLETED).exists(),
        timeout=30,
        message="the worker read the upload and completed the run",
    )
    assert files_under(worker_env["MEDIA_ROOT"]) == []


def test_with_the_files_on_the_webs_disk_a_worker_elsewhere_cannot_read_them(
    live_worker, token_client, user_factory, customer_input, settings, uploads_backend
):
    """The control, what the database backend avoids: the web keeps the file in its own
    folder (UPLOADS_STORAGE=filesystem); the worker, which sees neither that folder nor the
    file in its own storage, cannot read it and fails the run (FileNotFoundError, logged)."""
    uploads_backend("filesystem")
    api = token_client(user_factory(username="wendy", roles=[Role.ANALYST]))

    run_id = start(api, customer_input, good_statement())

    assert len(files_under(settings.MEDIA_ROOT)) == 1
    run = wait_until(
        lambda: WorkflowRun.objects.filter(id=run_id, status=RunStatus.FAILED).first(),
        timeout=30,
        message="the worker failed the run",
    )
    assert "stopped on an unexpected error" in run.error
