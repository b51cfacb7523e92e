"""Send claimed `new` applications to the bank: a batch at a time, concurrently through one
async client, outside any transaction; then apply the answers in one short transaction per
batch, under the claim."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.audit import audit_record_many
from core.http import ExternalServiceError
from core.queue import claim_row
from core.request_id import request_id_scope
from loans.clients import AsyncBankClient, SubmitResult
from loans.models import FailureCode, LoanAction, LoanApplication, Status
from loans.services import scheduling
from loans.services.dispatch import SUBMITTER, loan_application_release, log_application

logger = logging.getLogger(__name__)

SUBMITTED = "submitted"
RETRY = "retry"
FAILED = "failed"


@dataclass
class SubmitSummary:
    outcomes: dict[uuid.UUID, str] = field(default_factory=dict)

    def __str__(self) -> str:
        counts = Counter(self.outcomes.values())
        parts = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
        return f"submitted batch of {len(self.outcomes)}" + (f": {parts}" if parts else "")


async def _submit_all(
    applications: list[LoanApplication],
) -> dict[uuid.UUID, SubmitResult | ExternalServiceError]:
    semaphore = asyncio.Semaphore(settings.LOANS_SUBMIT_CONCURRENCY)
    results: dict[uuid.UUID, SubmitResult | ExternalServiceError] = {}
    async with AsyncBankClient() as bank:

        async def submit(application: LoanApplication) -> None:
            async with semaphore:
                try:
                    results[application.id] = await bank.submit(
                        application_id=application.id,
                        first_name=application.first_name,
                        last_name=application.last_name,
                    )
                except ExternalServiceError as exc:
                    results[application.id] = exc

        await asyncio.gather(*(submit(application) for application in applications))
    return results


def loan_applications_submit(
    *, application_ids: list[uuid.UUID | str], claim_token: uuid.UUID | str
) -> SubmitSummary:
    """Send claimed `new` applications to the bank, concurrently, then record the answers.

    Safe to run twice, concurrently or after a crash: the id is ours, so a second POST of an
    application that arrived is answered "already used", which we take as success. Rows no
    longer held under `claim_token` (the lease expired and someone else took them) are left
    alone, before the calls and when the answers are applied.
    """
    token = uuid.UUID(str(claim_token))
    ids = [uuid.UUID(str(value)) for value in application_ids]
    applications = list(
        LoanApplication.objects.filter(id__in=ids, claim_token=token, status=Status.NEW)
    )
    summary = SubmitSummary()
    if not applications:
        return summary
    started = timezone.now()
    results = asyncio.run(_submit_all(applications))
    _record(applications, token, results, started=started, summary=summary)
    for application in applications:
        _log(application, results[application.id], summary.outcomes.get(application.id, ""))
    return summary


def _log(
    application: LoanApplication, result: SubmitResult | ExternalServiceError, outcome: str
) -> None:
    """One line per application, under the id of the request that created it."""
    fields = {"outcome": outcome, "attempt": application.submit_attempts}
    if isinstance(result, SubmitResult):
        status = Status.PENDING if outcome == SUBMITTED else application.status
        log_application(
            logger,
            "loan application submitted",
            application,
            status=str(status),
            already_at_bank=not result.created,
            **fields,
        )
        return
    log_application(
        logger,
        "loan application submission failed",
        application,
        status=str(Status.FAILED if outcome == FAILED else Status.NEW),
        error=type(result).__name__,
        **fields,
    )


def _record(
    applications: list[LoanApplication],
    token: uuid.UUID,
    results: dict[uuid.UUID, SubmitResult | ExternalServiceError],
    *,
    started: datetime,
    summary: SubmitSummary,
) -> None:
    """One transaction: the accepted ones in one UPDATE with one audit INSERT, the (rare)
    errors row by row."""
    submitted = timezone.now()
    accepted = [a for a in applications if isinstance(results[a.id], SubmitResult)]
    errors = [a for a in applications if isinstance(results[a.id], ExternalServiceError)]
    with transaction.atomic():
        if accepted:
            held = list(
                LoanApplication.objects.select_for_update()
                .filter(id__in=[a.id for a in accepted], claim_token=token, status=Status.NEW)
                .values_list("id", flat=True)
            )
            LoanApplication.objects.filter(id__in=held).update(
                status=Status.PENDING,
                submitted_at=submitted,
                next_attempt_at=scheduling.first_poll_at(submitted),
                last_error="",
                error_reference="",
                claim_token=None,
                claimed_until=None,
            )
            held_set = set(held)
            for created in (True, False):
                audit_record_many(
                    objs=[
                        a for a in accepted if a.id in held_set and results[a.id].created is created
                    ],
                    action=LoanAction.STATUS_CHANGED,
                    actor=SUBMITTER,
                    changes={"status": {"from": Status.NEW, "to": Status.PENDING}},
                    reason="sent to the bank" if created else "the bank already had it",
                )
            for application in accepted:
                held_now = application.id in held_set
                summary.outcomes[application.id] = SUBMITTED if held_now else "lost"
        for application in errors:
            summary.outcomes[application.id] = _record_error(
                application, token, results[application.id], now=started
            )


def _record_error(
    application: LoanApplication, token: uuid.UUID, exc: ExternalServiceError, *, now: datetime
) -> str:
    # People read the sentence; the log keeps the detail under `error_reference` (the task's
    # id; a new one when a command runs this).
    with request_id_scope() as reference:
        sentence = exc.report(context=f"loan application {application.id}: submission")
    if not exc.retryable:
        # A 4xx: sending the same data again cannot help (400 payload not valid, or a status
        # outside the contract). Visible, and correctable then re-submittable.
        loan_application_release(
            application_id=application.id,
            token=token,
            actor=SUBMITTER,
            reason=sentence,
            status=Status.FAILED,
            failure_code=FailureCode.PAYLOAD_REJECTED,
            failure_reason=f"Sending the application failed: {sentence}.",
            error_reference=reference,
            next_attempt_at=None,
        )
        return FAILED
    loan_application_release(
        application_id=application.id,
        token=token,
        actor=SUBMITTER,
        next_attempt_at=scheduling.submit_retry_at(attempts=application.submit_attempts, now=now),
        last_error=f"submission attempt {application.submit_attempts}: {sentence}",
        error_reference=reference,
    )
    return RETRY


def loan_application_submit(*, application_id: uuid.UUID | str) -> str:
    """Send one `new` application to the bank now, if nobody holds it (a command, the shell,
    and tests). Returns what happened: submitted, retry, failed, or skipped."""
    application_id = uuid.UUID(str(application_id))
    claim = claim_row(
        LoanApplication.objects.filter(status=Status.NEW),
        pk=application_id,
        lease=settings.LOANS_CLAIM_LEASE,
        submit_attempts=F("submit_attempts") + 1,
    )
    if not claim:
        return "skipped"
    summary = loan_applications_submit(application_ids=claim.ids, claim_token=claim.token)
    return summary.outcomes.get(application_id, "skipped")
