"""Thin tasks: ids in, a service call, a log line. All state lives in the database."""

from __future__ import annotations

import logging

from celery import shared_task

from workflows import services

logger = logging.getLogger(__name__)


@shared_task(name="workflows.run_automatic_steps", ignore_result=True)
def run_automatic_steps(run_id: str) -> str:
    outcome = services.workflow_run_execute(run_id=run_id)
    logger.info("workflow run %s: %s", run_id, outcome)
    return outcome


@shared_task(name="workflows.resume_stalled", ignore_result=True)
def resume_stalled() -> int:
    count = services.workflow_runs_resume_stalled()
    if count:
        logger.info("re-sent %d stalled workflow run(s)", count)
    return count
