import random
from datetime import UTC, datetime, timedelta

import pytest

from loans.services import scheduling

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _polling(settings):
    settings.LOANS_FIRST_POLL_DELAY = 5
    settings.LOANS_POLL_INTERVAL = 2
    settings.LOANS_POLL_BACKOFF_AFTER = 30
    settings.LOANS_POLL_MAX_INTERVAL = 300
    settings.LOANS_SUBMIT_RETRY_BASE = 2
    settings.LOANS_SUBMIT_RETRY_MAX = 300


def test_the_first_poll_waits_for_the_earliest_decision():
    assert scheduling.first_poll_at(T0) == T0 + timedelta(seconds=5)


@pytest.mark.parametrize("age", [5, 12, 29, 30])
def test_polls_every_base_interval_while_a_decision_is_expected(age):
    now = T0 + timedelta(seconds=age)

    assert scheduling.next_poll_at(submitted_at=T0, now=now) == now + timedelta(seconds=2)


@pytest.mark.parametrize(
    ("age", "interval"), [(31, 2), (34, 2), (40, 5), (90, 30), (630, 300), (100_000, 300)]
)
def test_backs_off_for_applications_that_stay_pending(age, interval):
    now = T0 + timedelta(seconds=age)

    assert scheduling.next_poll_at(submitted_at=T0, now=now) == now + timedelta(seconds=interval)


def test_the_interval_never_shrinks_as_an_application_ages():
    intervals = [
        (scheduling.next_poll_at(submitted_at=T0, now=T0 + timedelta(seconds=s)) - T0).seconds - s
        for s in range(0, 2000, 7)
    ]

    assert intervals == sorted(intervals)


@pytest.mark.parametrize(
    ("attempts", "low", "high"), [(1, 1, 2), (2, 2, 4), (3, 4, 8), (20, 150, 300)]
)
def test_submission_retries_back_off_exponentially_with_jitter(attempts, low, high):
    rng = random.Random(7)
    delays = [
        (scheduling.submit_retry_at(attempts=attempts, now=T0, rng=rng) - T0).total_seconds()
        for _ in range(200)
    ]

    assert all(low <= d <= high for d in delays)
    assert len({round(d, 3) for d in delays}) > 100  # spread out, not in lockstep


def test_a_late_poll_keeps_the_cadence_from_when_it_was_due(settings):
    settings.LOANS_POLL_INTERVAL = 2.0
    due = T0 + timedelta(seconds=10)

    # Ran 0.5 s late: the next is due 2 s after the due time, not 2 s after now.
    late = due + timedelta(seconds=0.5)
    assert scheduling.next_poll_at(submitted_at=T0, now=late, due_at=due) == due + timedelta(
        seconds=2
    )
    # Ran 3 s late: not sooner than half an interval from now (no burst).
    very_late = due + timedelta(seconds=3)
    assert scheduling.next_poll_at(
        submitted_at=T0, now=very_late, due_at=due
    ) == very_late + timedelta(seconds=1)
