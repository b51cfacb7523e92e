"""Through real processes: the line a worker writes for a loan's poll carries the id of the
request that created the application (the session's worker, the bank simulator)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from loans.models import LoanApplication, Status
from loans.tasks import dispatch_due
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_worker_logs_a_loan_s_submission_and_poll_under_the_creating_request_id(
    officer_api, valid_input, live_worker, simulators
):
    response = officer_api.post(
        "/api/loans/applications/", valid_input, format="json", HTTP_X_REQUEST_ID="e2e-post-0001"
    )
    assert response.status_code == 201
    application_id = response.json()["id"]
    wait_until(
        lambda: LoanApplication.objects.filter(id=application_id, submitted_at__isnull=False),
        timeout=30,
        message="the worker submitted the application",
    )

    def lines(event: str) -> list[str]:
        return [
            line
            for line in live_worker.log().splitlines()
            if f": {event} " in line and f"application={application_id}" in line
        ]

    def polled() -> list[str]:
        # What beat's dispatcher does every second (the session's worker runs no beat).
        LoanApplication.objects.filter(id=application_id, status=Status.PENDING).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        dispatch_due.apply_async(queue="polling")
        return lines("loan application polled")

    [poll, *_] = wait_until(polled, timeout=30, interval=0.5, message="a poll line")
    [submitted] = lines("loan application submitted")
    for line in (submitted, poll):
        assert "INFO [e2e-post-0001] loans.services." in line
        assert "task_request_id=" in line
        assert "task_request_id=e2e-post-0001" not in line  # the batch's own id, beside it
