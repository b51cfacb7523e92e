"""Through a real Celery worker: the API starts a run, the worker runs the automatic steps
(parsing, charting) from the broker, the run completes with its chart."""

from datetime import timedelta

import pytest

from core.roles import Role
from tests.harness.waiting import wait_until
from tests.workflows.conftest import KEY, good_statement
from workflows.models import RunStatus, WorkflowRun

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
