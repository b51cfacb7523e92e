"""Background work of the key accounts app: thin tasks, a service does the work."""

from __future__ import annotations

from celery import shared_task

from kam.selectors import kams_with_due_calls
from kam.services import call_reminder_send, performance_snapshot_take


@shared_task(name="kam.performance_snapshot", ignore_result=True)
def performance_snapshot() -> int:
    """Nightly: one performance snapshot per account and the stored band (idempotent per day)."""
    return performance_snapshot_take()


@shared_task(name="kam.call_reminders", ignore_result=True)
def call_reminders() -> int:
    """Daily: store (and log) each KAM's due calls; one record per KAM per day (idempotent)."""
    kam_ids = kams_with_due_calls()
    for kam_id in kam_ids:
        call_reminder_send(kam_id=kam_id)
    return len(kam_ids)
