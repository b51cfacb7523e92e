"""The claim helper of every database queue (core.queue), tried on two real queues: loan
applications (lease + token) and evaluations' re-evaluations (lease only)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from core.queue import claim_row, claim_rows, release
from evaluations.models import Evaluation, Reason, State
from loans.models import LoanApplication, Status

pytestmark = pytest.mark.django_db


def applications(count: int) -> list[LoanApplication]:
    now = timezone.now()
    return [
        LoanApplication.objects.create(
            first_name=f"A{i}",
            last_name="Queue",
            email=f"a{i}@example.test",
            amount="1000",
            next_attempt_at=now - timedelta(seconds=count - i),
        )
        for i in range(count)
    ]


def due():
    return LoanApplication.objects.filter(status=Status.NEW)


def test_claim_rows_takes_free_rows_in_order_up_to_the_limit():
    rows = applications(5)

    first = claim_rows(due(), limit=3, lease=30, order_by=["next_attempt_at"])
    second = claim_rows(due(), limit=3, lease=30, order_by=["next_attempt_at"])
    third = claim_rows(due(), limit=3, lease=30)

    assert first.ids == [row.id for row in rows[:3]]
    assert second.ids == [row.id for row in rows[3:]]
    assert not third
    assert third.ids == []
    assert first.token != second.token
    held = LoanApplication.objects.get(id=rows[0].id)
    assert held.claim_token == first.token
    assert held.claimed_until == first.until


def test_an_expired_lease_is_claimed_again():
    [row] = applications(1)
    now = timezone.now()
    claim_rows(due(), limit=1, lease=30, now=now)

    assert not claim_rows(due(), limit=1, lease=30, now=now + timedelta(seconds=29))
    again = claim_rows(due(), limit=1, lease=30, now=now + timedelta(seconds=31))

    assert again.ids == [row.id]


def test_claim_row_is_one_conditional_update_with_extra_writes():
    [row] = applications(1)

    claim = claim_row(
        due(), pk=row.id, lease=timedelta(seconds=5), submit_attempts=F("submit_attempts") + 1
    )

    assert claim.ids == [row.id]
    assert not claim_row(due(), pk=row.id, lease=5)
    row.refresh_from_db()
    assert row.submit_attempts == 1
    assert not claim_row(LoanApplication.objects.filter(status=Status.PENDING), pk=row.id, lease=5)


def test_release_writes_only_under_the_token_it_holds():
    [row] = applications(1)
    now = timezone.now()
    stale = claim_row(due(), pk=row.id, lease=1, now=now)
    fresh = claim_row(due(), pk=row.id, lease=30, now=now + timedelta(seconds=2))

    lost = release(
        LoanApplication.objects.filter(id=row.id), token=stale.token, status=Status.FAILED
    )
    kept = release(
        LoanApplication.objects.filter(id=row.id), token=fresh.token, status=Status.PENDING
    )

    assert (lost, kept) == (0, 1)
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert row.claim_token is None
    assert row.claimed_until is None


def test_a_table_without_a_token_column():
    evaluation = Evaluation.objects.create(
        kind="SIREN", value="732829320", state=State.FAVORABLE, reason=Reason.COMPANY_OPENED,
        score=0, reevaluation_due=True, last_evaluated_at=timezone.now(),
    )  # fmt: skip
    fields = {"until_field": "reevaluation_claimed_until", "token_field": None}
    queue = Evaluation.objects.filter(reevaluation_due=True)

    claim = claim_rows(queue, limit=10, lease=60, **fields)

    assert claim.ids == [evaluation.pk]
    assert claim.token is None
    assert not claim_rows(queue, limit=10, lease=60, **fields)
    assert release(queue.filter(pk=evaluation.pk), token=None, reevaluation_due=False, **fields)
    evaluation.refresh_from_db()
    assert evaluation.reevaluation_claimed_until is None
    assert not evaluation.reevaluation_due


@pytest.mark.django_db(transaction=True)
def test_concurrent_claimers_never_share_a_row():
    rows = applications(60)
    claims: list[list] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def claimer() -> None:
        try:
            start.wait(timeout=10)
            for _ in range(10):
                claims.append(
                    claim_rows(due(), limit=4, lease=60, order_by=["next_attempt_at"]).ids
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    claimed = [pk for ids in claims for pk in ids]
    assert len(claimed) == len(set(claimed)) == len(rows)
