"""When to call the bank next. Pure functions of time, so they are easy to test and tune."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.conf import settings


def first_poll_at(submitted_at: datetime) -> datetime:
    """The bank never decides sooner than this after submission, so do not ask sooner."""
    return submitted_at + timedelta(seconds=settings.LOANS_FIRST_POLL_DELAY)


def next_poll_at(
    *, submitted_at: datetime, now: datetime, due_at: datetime | None = None
) -> datetime:
    """Poll every LOANS_POLL_INTERVAL while a decision is expected; then back off.

    Past LOANS_POLL_BACKOFF_AFTER seconds pending, the interval is half the time spent
    pending beyond that point (so it grows by about half at each poll), never shorter than
    the base interval and never longer than LOANS_POLL_MAX_INTERVAL.

    With `due_at` (when this poll was due), the interval counts from then, not from `now`: a
    poll that waited in a busy queue does not push the next one back by its wait, so the
    cadence, and the delay before a decision is seen, do not grow with the queue. Never
    sooner than half an interval from now (no bursts after a long wait).
    """
    base = settings.LOANS_POLL_INTERVAL
    age = max(0.0, (now - submitted_at).total_seconds())
    beyond = age - settings.LOANS_POLL_BACKOFF_AFTER
    interval = base if beyond <= 0 else min(settings.LOANS_POLL_MAX_INTERVAL, max(base, beyond / 2))
    if due_at is None:
        return now + timedelta(seconds=interval)
    return max(due_at + timedelta(seconds=interval), now + timedelta(seconds=interval / 2))


def retry_after_error_at(*, now: datetime) -> datetime:
    """A poll that failed (5xx, timeout) is tried again after the base interval."""
    return now + timedelta(seconds=settings.LOANS_POLL_INTERVAL)


def submit_retry_at(*, attempts: int, now: datetime, rng: random.Random | None = None) -> datetime:
    """Exponential backoff with jitter for submissions: 2, 4, 8 ... s (capped), each drawn
    in [half, full] so that many applications failing together do not retry in lockstep."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not security
    ceiling = min(
        settings.LOANS_SUBMIT_RETRY_MAX,
        settings.LOANS_SUBMIT_RETRY_BASE * 2 ** max(0, attempts - 1),
    )
    return now + timedelta(seconds=rng.uniform(ceiling / 2, ceiling))
