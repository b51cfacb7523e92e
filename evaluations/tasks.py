"""Thin tasks: the nightly pass, and the runners that drain the re-evaluation queue."""

from __future__ import annotations

import datetime
import logging
import time

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.tasks import enqueue_on_commit
from evaluations import services

logger = logging.getLogger(__name__)


@shared_task(name="evaluations.decay_pass", ignore_result=True)
def decay_pass(on_date: str | None = None) -> None:
    """The nightly pass for `on_date` (ISO date; default: today in settings.TIME_ZONE), then
    start the bounded re-evaluation runners. A second run for the date changes nothing."""
    day = datetime.date.fromisoformat(on_date) if on_date else timezone.localdate()
    report = services.decay_pass_run(on_date=day)
    for line in report.summary_lines():
        logger.info("%s", line)
    # Also after a pass that already ran: rows left due by a lost runner are picked up.
    services.reevaluations_start()


@shared_task(name="evaluations.reevaluate_due", ignore_result=True)
def reevaluate_due() -> None:
    """Re-evaluate due rows one by one for a while, then hand over to a fresh task so that no
    task nears the time limit; stop when the queue is empty. Safe to run twice (claims)."""
    deadline = time.monotonic() + settings.EVALUATIONS_RUNNER_BUDGET
    done, empty = services.reevaluate_due_until(deadline=deadline)
    logger.info("re-evaluated %s evaluations%s", done, "" if empty else "; continuing")
    if not empty:
        enqueue_on_commit(reevaluate_due)
