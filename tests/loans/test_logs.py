"""One id follows a loan in the logs: the request that created it, through its submission and
every poll, whichever worker runs them."""

import json
import logging
import uuid
from datetime import timedelta

import httpx
import pytest
import respx
from django.utils import timezone

from core.logs import JsonFormatter
from core.request_id import request_id_scope
from loans import services
from loans.models import LoanApplication
from tests.loans.conftest import BANK
from tests.loans.test_pages import form_data

pytestmark = pytest.mark.django_db
URL = "/api/loans/applications/"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from loans import tasks

    monkeypatch.setattr(tasks.dispatch_submissions, "apply_async", lambda **kw: None)


def _lines(caplog, event):
    return [r for r in caplog.records if r.getMessage() == event]


def _accepted(application):
    return {
        "id": str(application.id),
        "first_name": application.first_name,
        "last_name": application.last_name,
        "status": "pending",
    }


def _make_due(application_id):
    LoanApplication.objects.filter(id=application_id).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


@respx.mock
def test_submission_and_every_poll_log_under_the_id_of_the_creating_request(
    officer_api, valid_input, caplog
):
    response = officer_api.post(URL, valid_input, format="json", HTTP_X_REQUEST_ID="post-12345678")
    assert response.status_code == 201
    application_id = response.json()["id"]
    application = LoanApplication.objects.get(id=application_id)
    assert application.request_id == "post-12345678"
    job_id = str(uuid.uuid4())
    respx.post(f"{BANK}/api/applications").respond(201, json=_accepted(application))
    respx.get(f"{BANK}/api/jobs").side_effect = [
        httpx.Response(200, json={"id": job_id, "application_id": application_id, "status": s})
        for s in ("pending", "completed")
    ]

    with caplog.at_level(logging.INFO, logger="loans"):
        with request_id_scope("submit-batch-task-1"):  # the batch task's own id
            assert services.loan_application_submit(application_id=application_id) == "submitted"
        for batch in ("poll-batch-task-1", "poll-batch-task-2"):
            _make_due(application_id)
            with request_id_scope(batch):
                assert services.loan_applications_poll_due_now().polled == 1

    [submitted] = _lines(caplog, "loan application submitted")
    polled = _lines(caplog, "loan application polled")
    assert (submitted.request_id, submitted.task_request_id) == (
        "post-12345678",
        "submit-batch-task-1",
    )
    assert (submitted.application, submitted.status, submitted.outcome) == (
        application_id,
        "pending",
        "submitted",
    )
    assert [(r.request_id, r.task_request_id, r.status, r.poll) for r in polled] == [
        ("post-12345678", "poll-batch-task-1", "pending", 1),
        ("post-12345678", "poll-batch-task-2", "completed", 2),
    ]
    assert {(r.application, r.bank_job_id) for r in polled} == {(application_id, job_id)}
    # What the log pipeline receives (production: LOG_FORMAT=json).
    line = json.loads(JsonFormatter().format(polled[-1]))
    assert (line["event"], line["request_id"], line["application"]) == (
        "loan application polled",
        "post-12345678",
        application_id,
    )


@respx.mock
def test_a_failed_submission_is_logged_under_the_creating_request_too(application_factory, caplog):
    application = application_factory(request_id="created-under-1")
    respx.post(f"{BANK}/api/applications").respond(503)

    with caplog.at_level(logging.INFO, logger="loans"), request_id_scope("batch-9"):
        assert services.loan_application_submit(application_id=application.id) == "retry"

    [line] = _lines(caplog, "loan application submission failed")
    assert (line.request_id, line.task_request_id, line.outcome, line.status) == (
        "created-under-1",
        "batch-9",
        "retry",
        "new",
    )
    application.refresh_from_db()
    assert application.error_reference == "batch-9"  # the detail: under the batch's id


@respx.mock
def test_an_application_from_before_the_field_logs_under_the_batch_s_id(
    application_factory, caplog
):
    application = application_factory()  # request_id ""
    respx.post(f"{BANK}/api/applications").respond(201, json=_accepted(application))

    with caplog.at_level(logging.INFO, logger="loans"), request_id_scope("batch-10"):
        services.loan_application_submit(application_id=application.id)

    [line] = _lines(caplog, "loan application submitted")
    assert line.request_id == "batch-10"


def test_the_page_and_the_admin_show_the_origin_reference(client, officer, admin_client):
    client.force_login(officer)
    client.post("/loans/new/", form_data(client), HTTP_X_REQUEST_ID="form-post-0042")
    application = LoanApplication.objects.get()

    page = client.get(f"/loans/{application.id}/")
    admin = admin_client.get(f"/admin/loans/loanapplication/{application.id}/change/")

    assert application.request_id == "form-post-0042"
    assert '<code id="origin-reference">form-post-0042</code>' in page.text
    assert "form-post-0042" in admin.text
