"""The lag from the bank's decision to our record (core.metrics), observed when a poll records
a decision."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import respx
from django.utils import timezone
from prometheus_client import REGISTRY

from loans import services
from loans.models import Status
from tests.loans.conftest import BANK

pytestmark = pytest.mark.django_db

LAG = "backoffice_loans_decision_record_lag_seconds"


def lag(suffix: str, decision: str) -> float:
    return REGISTRY.get_sample_value(f"{LAG}_{suffix}", {"decision": decision}) or 0.0


@respx.mock
@pytest.mark.parametrize(("last_polled", "decision"), [(7, "completed"), (None, "rejected")])
def test_a_recorded_decision_observes_the_time_since_we_last_saw_it_pending(
    application_factory, django_capture_on_commit_callbacks, last_polled, decision
):
    now = timezone.now()
    application = application_factory(
        status=Status.PENDING,
        submitted_at=now - timedelta(seconds=30),
        last_polled_at=now - timedelta(seconds=last_polled) if last_polled else None,
        next_attempt_at=now - timedelta(seconds=1),
    )
    claim = services.loan_applications_claim_due(status=Status.PENDING, limit=10)
    respx.get(f"{BANK}/api/jobs").respond(
        200,
        json={"id": str(uuid.uuid4()), "application_id": str(application.id), "status": decision},
    )
    count, total = lag("count", decision), lag("sum", decision)

    with django_capture_on_commit_callbacks(execute=True):
        services.loan_applications_poll(application_ids=claim.ids, claim_token=claim.token)

    assert lag("count", decision) == count + 1
    observed = lag("sum", decision) - total
    expected = last_polled or 30  # never polled: since the bank accepted it
    assert expected <= observed < expected + 10


@respx.mock
def test_a_still_pending_answer_observes_no_lag(
    application_factory, django_capture_on_commit_callbacks
):
    application = application_factory(
        status=Status.PENDING,
        submitted_at=timezone.now() - timedelta(seconds=6),
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    claim = services.loan_applications_claim_due(status=Status.PENDING, limit=10)
    respx.get(f"{BANK}/api/jobs").respond(
        200,
        json={"id": str(uuid.uuid4()), "application_id": str(application.id), "status": "pending"},
    )
    before = {d: lag("count", d) for d in ("completed", "rejected")}

    with django_capture_on_commit_callbacks(execute=True):
        services.loan_applications_poll(application_ids=claim.ids, claim_token=claim.token)

    assert {d: lag("count", d) for d in ("completed", "rejected")} == before
    calls = REGISTRY.get_sample_value(
        "backoffice_external_calls_total", {"system": "bank", "outcome": "2xx"}
    )
    assert calls >= 1  # the bank's client is covered by core.http
