"""Ask the bank about claimed `pending` applications, concurrently, then record the answers
under the claim, in one short transaction per batch."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record, audit_record_many
from core.http import ExternalServiceError
from core.request_id import request_id_scope
from loans.clients import ApplicationUnknownAtBank, AsyncBankClient, BankJob, BankJobStatus
from loans.models import FailureCode, LoanAction, LoanApplication, Status
from loans.services import scheduling
from loans.services.dispatch import POLLER, loan_applications_claim_due

logger = logging.getLogger(__name__)


@dataclass
class PollSummary:
    polled: int = 0
    outcomes: Counter = field(default_factory=Counter)

    def merge(self, other: PollSummary) -> None:
        self.polled += other.polled
        self.outcomes.update(other.outcomes)

    def __str__(self) -> str:
        parts = ", ".join(f"{name} {count}" for name, count in sorted(self.outcomes.items()))
        return f"polled {self.polled}" + (f": {parts}" if parts else "")


async def _poll_all(ids: list[uuid.UUID]) -> dict[uuid.UUID, BankJob | ExternalServiceError]:
    semaphore = asyncio.Semaphore(settings.LOANS_POLL_CONCURRENCY)
    results: dict[uuid.UUID, BankJob | ExternalServiceError] = {}
    async with AsyncBankClient() as bank:

        async def poll(application_id: uuid.UUID) -> None:
            async with semaphore:
                try:
                    results[application_id] = await bank.get_job(application_id)
                except ExternalServiceError as exc:
                    results[application_id] = exc

        await asyncio.gather(*(poll(application_id) for application_id in ids))
    return results


def loan_applications_poll(
    *, application_ids: list[uuid.UUID | str], claim_token: uuid.UUID | str
) -> PollSummary:
    """Ask the bank about claimed `pending` applications, concurrently, then record the
    answers in one short transaction. No transaction or lock is held while the bank is being
    asked."""
    token = uuid.UUID(str(claim_token))
    ids = [uuid.UUID(str(value)) for value in application_ids]
    held = list(
        LoanApplication.objects.filter(
            id__in=ids, claim_token=token, status=Status.PENDING
        ).values_list("id", flat=True)
    )
    summary = PollSummary()
    if not held:
        return summary
    results = asyncio.run(_poll_all(held))
    _record_polls(results, token, summary)
    return summary


#: What a poll writes (one bulk UPDATE for the batch).
_WRITTEN = (
    "status",
    "failure_code",
    "failure_reason",
    "bank_job_id",
    "decided_at",
    "next_attempt_at",
    "last_error",
    "error_reference",
    "poll_count",
    "last_polled_at",
    "claim_token",
    "claimed_until",
)


def _record_polls(
    results: dict[uuid.UUID, BankJob | ExternalServiceError],
    token: uuid.UUID,
    summary: PollSummary,
) -> None:
    """One transaction: lock the rows still held under `token`, apply every answer, write
    them in one UPDATE, and the status changes' audit events in one INSERT per decision."""
    now = timezone.now()
    decided: dict[Status, list[LoanApplication]] = {}
    with transaction.atomic():
        rows = list(
            LoanApplication.objects.select_for_update().filter(
                id__in=list(results), claim_token=token, status=Status.PENDING
            )
        )
        if len(rows) < len(results):
            logger.warning("claims on %d polled applications lost", len(results) - len(rows))
        for application in rows:
            summary.polled += 1
            outcome = _apply_poll(application, results[application.id], now)
            summary.outcomes[outcome] += 1
            if outcome in (Status.COMPLETED, Status.REJECTED):
                decided.setdefault(Status(outcome), []).append(application)
        LoanApplication.objects.bulk_update(rows, _WRITTEN)
        for status, applications in decided.items():
            audit_record_many(
                objs=applications,
                action=LoanAction.STATUS_CHANGED,
                actor=POLLER,
                changes={"status": {"from": Status.PENDING, "to": status}},
                reason=f"the bank decided: {status.value}",
            )


def _apply_poll(
    application: LoanApplication, result: BankJob | ExternalServiceError, now: datetime
) -> str:
    """Set the answer on `application` (in memory, claim released); return the outcome.
    Failures are audited here, one by one (they are rare and each has its own reason)."""
    application.poll_count += 1
    application.last_polled_at = now
    application.claim_token = None
    application.claimed_until = None
    if isinstance(result, ExternalServiceError):
        # People read the sentence; the log keeps the detail under `error_reference`.
        with request_id_scope() as reference:
            sentence = result.report(context=f"loan application {application.id}: status check")
        application.error_reference = reference
        if isinstance(result, ApplicationUnknownAtBank) or not result.retryable:
            unknown = isinstance(result, ApplicationUnknownAtBank)
            application.status = Status.FAILED
            application.next_attempt_at = None
            if unknown:
                application.failure_code = FailureCode.UNKNOWN_AT_BANK
                application.failure_reason = (
                    "The bank says this application does not exist (404). Re-submit it from "
                    "the admin to send it again."
                )
            else:
                application.failure_code = FailureCode.PAYLOAD_REJECTED
                application.failure_reason = f"Checking the status failed: {sentence}."
            audit_record(
                obj=application,
                action=LoanAction.STATUS_CHANGED,
                actor=POLLER,
                changes={"status": {"from": Status.PENDING, "to": Status.FAILED}},
                reason=sentence,
            )
            return "unknown_at_bank" if unknown else "failed"
        application.next_attempt_at = scheduling.retry_after_error_at(now=now)
        application.last_error = f"status check: {sentence}"
        return "error"
    application.bank_job_id = result.job_id
    application.last_error = ""
    application.error_reference = ""
    if result.status == BankJobStatus.PENDING:
        application.next_attempt_at = scheduling.next_poll_at(
            submitted_at=application.submitted_at or now, now=now
        )
        return "pending"
    application.status = (
        Status.COMPLETED if result.status == BankJobStatus.COMPLETED else Status.REJECTED
    )
    application.decided_at = now
    application.next_attempt_at = None
    return application.status.value


def loan_applications_poll_due_now(*, batch_size: int | None = None) -> PollSummary:
    """Poll, in this process, everything due now (the `loans_poll --once` command)."""
    summary = PollSummary()
    now = timezone.now()
    while True:
        claim = loan_applications_claim_due(
            status=Status.PENDING, limit=batch_size or settings.LOANS_POLL_BATCH_SIZE, now=now
        )
        if not claim:
            return summary
        summary.merge(loan_applications_poll(application_ids=claim.ids, claim_token=claim.token))
