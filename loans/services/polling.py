"""Ask the bank about claimed `pending` applications, concurrently, then record each answer
under the claim."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from core.http import ExternalServiceError
from core.request_id import request_id_scope
from loans.clients import ApplicationUnknownAtBank, AsyncBankClient, BankJob, BankJobStatus
from loans.models import FailureCode, LoanApplication, Status
from loans.services import scheduling
from loans.services.dispatch import POLLER, loan_application_release, loan_applications_claim_due


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
    answers. No transaction or lock is held while the bank is being asked."""
    token = uuid.UUID(str(claim_token))
    ids = [uuid.UUID(str(value)) for value in application_ids]
    submitted = dict(
        LoanApplication.objects.filter(
            id__in=ids, claim_token=token, status=Status.PENDING
        ).values_list("id", "submitted_at")
    )
    summary = PollSummary()
    if not submitted:
        return summary
    results = asyncio.run(_poll_all(list(submitted)))
    for application_id, result in results.items():
        summary.polled += 1
        summary.outcomes[
            _record_poll(application_id, token, result, submitted[application_id])
        ] += 1
    return summary


def _record_poll(
    application_id: uuid.UUID,
    token: uuid.UUID,
    result: BankJob | ExternalServiceError,
    submitted_at: datetime | None,
) -> str:
    now = timezone.now()
    common = {"poll_count": F("poll_count") + 1, "last_polled_at": now}
    if isinstance(result, ExternalServiceError):
        # People read the sentence; the log keeps the detail under `error_reference`.
        with request_id_scope() as reference:
            sentence = result.report(context=f"loan application {application_id}: status check")
        common["error_reference"] = reference
    if isinstance(result, ApplicationUnknownAtBank):
        loan_application_release(
            application_id=application_id,
            token=token,
            actor=POLLER,
            reason=sentence,
            status=Status.FAILED,
            failure_code=FailureCode.UNKNOWN_AT_BANK,
            failure_reason=(
                "The bank says this application does not exist (404). Re-submit it from "
                "its page to send it again."
            ),
            next_attempt_at=None,
            **common,
        )
        return "unknown_at_bank"
    if isinstance(result, ExternalServiceError):
        if not result.retryable:
            loan_application_release(
                application_id=application_id,
                token=token,
                actor=POLLER,
                reason=sentence,
                status=Status.FAILED,
                failure_code=FailureCode.PAYLOAD_REJECTED,
                failure_reason=f"Checking the status failed: {sentence}.",
                next_attempt_at=None,
                **common,
            )
            return "failed"
        loan_application_release(
            application_id=application_id,
            token=token,
            actor=POLLER,
            next_attempt_at=scheduling.retry_after_error_at(now=now),
            last_error=f"status check: {sentence}",
            **common,
        )
        return "error"
    if result.status == BankJobStatus.PENDING:
        loan_application_release(
            application_id=application_id,
            token=token,
            actor=POLLER,
            bank_job_id=result.job_id,
            next_attempt_at=scheduling.next_poll_at(submitted_at=submitted_at or now, now=now),
            last_error="",
            error_reference="",
            **common,
        )
        return "pending"
    decided = Status.COMPLETED if result.status == BankJobStatus.COMPLETED else Status.REJECTED
    loan_application_release(
        application_id=application_id,
        token=token,
        actor=POLLER,
        reason=f"the bank decided: {result.status}",
        status=decided,
        bank_job_id=result.job_id,
        decided_at=now,
        next_attempt_at=None,
        last_error="",
        error_reference="",
        **common,
    )
    return decided.value


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
