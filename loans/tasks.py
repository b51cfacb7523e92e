"""Thin tasks: ids in, a service call, a log line. All state lives in the database."""

from __future__ import annotations

import logging

from celery import shared_task

from core.request_id import request_id_scope
from loans import services

logger = logging.getLogger(__name__)

# Each of these tasks serves applications of many origins (whoever asked for it): it runs
# under its own task id, and each application's log line names the request that created it
# (`request_id`) beside the task's (`task_request_id`): docs/operations.md.


@shared_task(name="loans.dispatch_submissions", ignore_result=True, bind=True)
def dispatch_submissions(self) -> None:
    """The prompt dispatch a creation asks for: due submissions, claimed in batches."""
    with request_id_scope(self.request.id):
        summary = services.loan_applications_dispatch_submissions(requested=True)
        if summary.submissions:
            logger.info(
                "dispatched %d submissions in %d batches",
                summary.submissions,
                summary.submission_batches,
            )


@shared_task(name="loans.submit_batch", ignore_result=True, bind=True)
def submit_batch(self, application_ids: list[str], claim_token: str) -> str:
    with request_id_scope(self.request.id):
        summary = services.loan_applications_submit(
            application_ids=application_ids, claim_token=claim_token
        )
        logger.info("%s", summary)
    return str(summary)


@shared_task(name="loans.submit_application", ignore_result=True)
def submit_application(application_id: str) -> str:
    """One application (no longer sent by this code: kept for the messages of the previous
    release still in the broker when it is deployed)."""
    outcome = services.loan_application_submit(application_id=application_id)
    logger.info("application %s: %s", application_id, outcome)
    return outcome


@shared_task(name="loans.dispatch_due", ignore_result=True, bind=True)
def dispatch_due(self) -> None:
    with request_id_scope(self.request.id):
        summary = services.loan_applications_dispatch_due()
        if summary.submissions or summary.polls:
            logger.info(
                "dispatched %d submissions in %d batches, %d polls in %d batches",
                summary.submissions,
                summary.submission_batches,
                summary.polls,
                summary.poll_batches,
            )


@shared_task(name="loans.poll_batch", ignore_result=True, bind=True)
def poll_batch(self, application_ids: list[str], claim_token: str) -> str:
    with request_id_scope(self.request.id):
        summary = services.loan_applications_poll(
            application_ids=application_ids, claim_token=claim_token
        )
        logger.info("%s", summary)
    return str(summary)
