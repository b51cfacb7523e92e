"""Ask the bank about claimed `pending` applications, concurrently, then record the answers
under the claim, in one short transaction per batch."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import metrics
from core.audit import audit_record, audit_record_many
from core.http import ExternalServiceError
from core.queue import release
from core.request_id import request_id_scope
from loans.clients import ApplicationUnknownAtBank, AsyncBankClient, BankJob, BankJobStatus
from loans.models import FailureCode, LoanAction, LoanApplication, Status
from loans.services import scheduling
from loans.services.dispatch import POLLER, loan_applications_claim_due, log_application

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


def _record_polls(
    results: dict[uuid.UUID, BankJob | ExternalServiceError],
    token: uuid.UUID,
    summary: PollSummary,
) -> None:
    """One transaction: lock the rows still held under `token`, then write the answers with a
    few UPDATEs shared by many rows (the common columns, then one per decision and one per
    next poll time) and the status changes' audit events in one INSERT per decision. Errors,
    rare, are written row by row."""
    now = timezone.now()
    decided: dict[Status, list[LoanApplication]] = {}
    next_poll: dict[datetime, list[uuid.UUID]] = {}
    new_job_ids: list[LoanApplication] = []
    answered: list[uuid.UUID] = []
    polled: list[tuple[LoanApplication, str]] = []  # (application, outcome): logged at the end
    with transaction.atomic():
        rows = list(
            LoanApplication.objects.select_for_update()
            .filter(id__in=list(results), claim_token=token, status=Status.PENDING)
            .only(
                "id",
                "submitted_at",
                "bank_job_id",
                "next_attempt_at",
                "poll_count",
                "request_id",  # the log lines carry the id of the request that created it
                "last_polled_at",  # the decision lag's start (core.metrics)
                # what the audit event shows of it (`str(application)`)
                "first_name",
                "last_name",
                "amount",
                "currency",
            )
        )
        if len(rows) < len(results):
            logger.warning("claims on %d polled applications lost", len(results) - len(rows))
        held = LoanApplication.objects.filter(claim_token=token)
        # When the batch was due (its latest row): the next polls count from then, whatever
        # the batch waited in the queue (`scheduling.next_poll_at`).
        due_at = max((a.next_attempt_at for a in rows if a.next_attempt_at), default=now)
        for application in rows:
            summary.polled += 1
            result = results[application.id]
            if isinstance(result, ExternalServiceError):
                outcome = _record_poll_error(application, token, result, now)
                summary.outcomes[outcome] += 1
                polled.append((application, outcome))
                continue
            answered.append(application.id)
            if application.bank_job_id != result.job_id:
                application.bank_job_id = result.job_id
                new_job_ids.append(application)
            if result.status == BankJobStatus.PENDING:
                at = scheduling.next_poll_at(
                    submitted_at=application.submitted_at or now, now=now, due_at=due_at
                )
                next_poll.setdefault(at, []).append(application.id)
                summary.outcomes["pending"] += 1
                polled.append((application, "pending"))
                continue
            status = (
                Status.COMPLETED if result.status == BankJobStatus.COMPLETED else Status.REJECTED
            )
            decided.setdefault(status, []).append(application)
            summary.outcomes[status.value] += 1
            polled.append((application, status.value))
        if new_job_ids:
            LoanApplication.objects.bulk_update(new_job_ids, ["bank_job_id"])
        for at, ids in next_poll.items():
            held.filter(id__in=ids).update(next_attempt_at=at)
        for status, applications in decided.items():
            held.filter(id__in=[a.id for a in applications]).update(
                status=status, decided_at=now, next_attempt_at=None
            )
            audit_record_many(
                objs=applications,
                action=LoanAction.STATUS_CHANGED,
                actor=POLLER,
                changes={"status": {"from": Status.PENDING, "to": status}},
                reason=f"the bank decided: {status.value}",
            )
            transaction.on_commit(
                functools.partial(_observe_decisions, status, applications, now), robust=True
            )
        if answered:
            # Last: it releases the claim the statements above select on.
            release(
                LoanApplication.objects.filter(id__in=answered),
                token=token,
                poll_count=F("poll_count") + 1,
                last_polled_at=now,
                last_error="",
                error_reference="",
            )
    for application, outcome in polled:
        log_application(
            logger,
            "loan application polled",
            application,
            outcome=outcome,
            status=_STATUS_AFTER.get(outcome, Status.PENDING).value,
            bank_job_id=application.bank_job_id,
            poll=application.poll_count + 1,
        )


#: The status an application is left in by a poll's outcome (others: still pending).
_STATUS_AFTER = {
    "completed": Status.COMPLETED,
    "rejected": Status.REJECTED,
    "failed": Status.FAILED,
    "unknown_at_bank": Status.FAILED,
}


def _observe_decisions(status: Status, applications: list[LoanApplication], now: datetime) -> None:
    """The lag from the bank's decision to our record (once it is committed). The bank does
    not say when it decided: it was still pending when we last asked (`last_polled_at`, or
    `submitted_at` before the first poll), so this is the lag's upper bound."""
    for application in applications:
        seen_pending = application.last_polled_at or application.submitted_at
        if seen_pending is not None:
            metrics.observe_loan_decision(
                decision=status.value, lag_seconds=(now - seen_pending).total_seconds()
            )


def _record_poll_error(
    application: LoanApplication, token: uuid.UUID, result: ExternalServiceError, now: datetime
) -> str:
    """Write one failed poll (its own reason and reference), releasing its claim."""
    # People read the sentence; the log keeps the detail under `error_reference`.
    with request_id_scope() as reference:
        sentence = result.report(context=f"loan application {application.id}: status check")
    common = {
        "poll_count": F("poll_count") + 1,
        "last_polled_at": now,
        "error_reference": reference,
    }
    row = LoanApplication.objects.filter(id=application.id)
    if isinstance(result, ApplicationUnknownAtBank) or not result.retryable:
        unknown = isinstance(result, ApplicationUnknownAtBank)
        release(
            row,
            token=token,
            status=Status.FAILED,
            next_attempt_at=None,
            failure_code=FailureCode.UNKNOWN_AT_BANK if unknown else FailureCode.PAYLOAD_REJECTED,
            failure_reason=(
                "The bank says this application does not exist (404). Re-submit it from "
                "its page to send it again."
                if unknown
                else f"Checking the status failed: {sentence}."
            ),
            **common,
        )
        audit_record(
            obj=application,
            action=LoanAction.STATUS_CHANGED,
            actor=POLLER,
            changes={"status": {"from": Status.PENDING, "to": Status.FAILED}},
            reason=sentence,
        )
        return "unknown_at_bank" if unknown else "failed"
    release(
        row,
        token=token,
        next_attempt_at=scheduling.retry_after_error_at(now=now),
        last_error=f"status check: {sentence}",
        **common,
    )
    return "error"


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
