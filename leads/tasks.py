"""Background work of the leads app: thin tasks, ids in, a service does the work."""

from __future__ import annotations

from celery import shared_task

from leads.services import qualification_run_execute


@shared_task(name="leads.qualify_run", ignore_result=True)
def qualify_run(run_id: int) -> None:
    """Execute one qualification run: both checks concurrently, then the score.

    Idempotent: a run already done (a duplicate or redelivered message) is left alone, and
    a run taken over after a lost worker is simply executed again.
    """
    qualification_run_execute(run_id=run_id)
