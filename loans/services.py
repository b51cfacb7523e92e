"""Loan application use cases (writes).

Life of an application: `new` (created; the submission task is enqueued on commit) ->
`pending` (the bank has it) -> `completed` | `rejected` (the bank decided), or `failed`
with a reason (the bank refused the data, or says it does not know the application).

The database is the queue: `next_attempt_at` says when the bank is to be called next, and a
claim (`claim_token`, `claimed_until`) taken with a conditional UPDATE says who is calling it.
Claims expire, so the work of a killed worker resumes; nothing lives only in the broker.
Every bank call happens outside any transaction; results are applied by a short UPDATE that
only succeeds for the holder of the claim.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.audit import audit_record
from core.errors import ApplicationError, ConflictError
from core.http import ExternalServiceError
from core.request_id import request_id_scope
from core.tasks import enqueue_on_commit
from loans import scheduling
from loans.clients import (
    ApplicationUnknownAtBank,
    AsyncBankClient,
    BankClient,
    BankJob,
    BankJobStatus,
)
from loans.models import FailureCode, IdempotencyKey, LoanApplication, Status

logger = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser
SUBMITTER = "loans.submitter"
POLLER = "loans.poller"


# --- creation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationInput:
    first_name: str
    last_name: str
    email: str
    amount: Decimal
    currency: str

    def fingerprint(self) -> str:
        canonical = json.dumps(
            {
                "first_name": self.first_name,
                "last_name": self.last_name,
                "email": self.email,
                "amount": str(self.amount),
                "currency": self.currency,
            },
            sort_keys=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def application_input_clean(
    *, first_name: Any, last_name: Any, email: Any, amount: Any, currency: Any
) -> ApplicationInput:
    """Validate and normalise raw input; one ApplicationError with every field's message."""
    errors: dict[str, list[str]] = {}

    def text(name: str, value: Any, max_length: int) -> str:
        cleaned = str(value or "").strip()
        if not cleaned:
            errors.setdefault(name, []).append("This field is required.")
        elif len(cleaned) > max_length:
            errors.setdefault(name, []).append(f"At most {max_length} characters.")
        return cleaned

    first = text("first_name", first_name, 100)
    last = text("last_name", last_name, 100)
    mail = text("email", email, 254).lower()
    if mail:
        try:
            validate_email(mail)
        except ValidationError:
            errors.setdefault("email", []).append("Enter a valid email address.")

    money = Decimal("0")
    try:
        money = Decimal(str(amount).strip())
        if not money.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.setdefault("amount", []).append("Enter a number, e.g. 15000 or 15000.50.")
    else:
        low, high = settings.LOANS_MIN_AMOUNT, settings.LOANS_MAX_AMOUNT
        if money.as_tuple().exponent < -2:  # type: ignore[operator]
            errors.setdefault("amount", []).append("At most 2 decimal places.")
        elif not low <= money <= high:
            errors.setdefault("amount", []).append(
                f"The amount must be between {low:,} and {high:,}."
            )

    code = str(currency or "").strip().upper()
    if code not in settings.LOANS_CURRENCIES:
        errors.setdefault("currency", []).append(
            f"Choose one of {', '.join(settings.LOANS_CURRENCIES)}."
        )
    if errors:
        raise ApplicationError("The application is not valid.", fields=errors)
    return ApplicationInput(first, last, mail, money.quantize(Decimal("0.01")), code)


def loan_application_create(
    *,
    data: ApplicationInput,
    created_by: User | None = None,
    idempotency_key: str | None = None,
) -> tuple[LoanApplication, bool]:
    """Create an application and send it to the bank once committed.

    With an `idempotency_key`, a retry of the same request returns the first application
    (second value True: replayed) instead of creating another; the same key with different
    data is refused. Keys are scoped to the user.
    """
    user = created_by if created_by is not None and created_by.is_authenticated else None
    if idempotency_key is not None:
        key = idempotency_key.strip()
        if not key or len(key) > 255 or not key.isprintable():
            raise ApplicationError(
                "The Idempotency-Key header must be 1 to 255 printable characters.",
                fields={"Idempotency-Key": "1 to 255 printable characters."},
            )
        if user is None:
            raise ApplicationError("Idempotency keys need an authenticated user.")
        replay = _replay(user=user, key=key, fingerprint=data.fingerprint())
        if replay is not None:
            return replay, True
        try:
            return _create(data=data, user=user, key=key), False
        except IntegrityError:
            # A concurrent request with the same key won the race: replay its result.
            replay = _replay(user=user, key=key, fingerprint=data.fingerprint())
            if replay is None:
                raise
            return replay, True
    return _create(data=data, user=user, key=None), False


def _replay(*, user: Any, key: str, fingerprint: str) -> LoanApplication | None:
    existing = (
        IdempotencyKey.objects.select_related("application").filter(user=user, key=key).first()
    )
    if existing is None:
        return None
    if existing.request_fingerprint != fingerprint:
        raise ApplicationError(
            "This Idempotency-Key was already used with a different request body.",
            code="idempotency_key_reused",
            fields={"Idempotency-Key": "Already used with a different body; use a new key."},
        )
    return existing.application


@transaction.atomic
def _create(*, data: ApplicationInput, user: Any, key: str | None) -> LoanApplication:
    now = timezone.now()
    application = LoanApplication.objects.create(
        first_name=data.first_name,
        last_name=data.last_name,
        email=data.email,
        amount=data.amount,
        currency=data.currency,
        created_by=user,
        # The on-commit task submits it at once; the sweep only if that did not happen.
        next_attempt_at=now + timedelta(seconds=settings.LOANS_SUBMIT_GRACE),
    )
    if key is not None:
        IdempotencyKey.objects.create(
            user=user, key=key, request_fingerprint=data.fingerprint(), application=application
        )
    audit_record(
        obj=application,
        action="created",
        actor=user,
        changes={"status": {"from": None, "to": Status.NEW}},
    )
    from loans.tasks import submit_application

    enqueue_on_commit(submit_application, str(application.id))
    return application


# --- claims ---------------------------------------------------------------------------------


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def loan_applications_claim_due(
    *, status: Status, limit: int, now: datetime | None = None, due_by: datetime | None = None
) -> tuple[list[uuid.UUID], uuid.UUID]:
    """Claim up to `limit` due applications in `status`; returns their ids and the token.

    On PostgreSQL, `skip_locked` lets several dispatchers claim side by side; SQLite's
    IMMEDIATE transactions serialise them. Either way a row is claimed by one caller.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            LoanApplication.objects.filter(status=status, next_attempt_at__lte=due_by or now)
            .filter(_unclaimed(now))
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            LoanApplication.objects.filter(id__in=ids).update(
                claim_token=token,
                claimed_until=now + timedelta(seconds=settings.LOANS_CLAIM_LEASE),
            )
    return ids, token


def _release(
    *,
    application_id: uuid.UUID,
    token: uuid.UUID,
    actor: str,
    reason: str = "",
    **changes: Any,
) -> bool:
    """Apply `changes` and release the claim, if we still hold it; audit status changes."""
    with transaction.atomic():
        before = None
        if "status" in changes:
            before = (
                LoanApplication.objects.filter(id=application_id, claim_token=token)
                .values_list("status", flat=True)
                .first()
            )
        updated = LoanApplication.objects.filter(id=application_id, claim_token=token).update(
            claim_token=None, claimed_until=None, **changes
        )
        if updated and before is not None and before != changes["status"]:
            application = LoanApplication.objects.get(id=application_id)
            audit_record(
                obj=application,
                action="status_changed",
                actor=actor,
                changes={"status": {"from": before, "to": changes["status"]}},
                reason=reason,
            )
    if not updated:
        logger.warning("claim on %s lost before its result was applied", application_id)
    return bool(updated)


# --- submission -----------------------------------------------------------------------------


def loan_application_submit(*, application_id: uuid.UUID | str) -> str:
    """Send one `new` application to the bank. Returns what happened, for logs and tests.

    Safe to run twice, concurrently or after a crash: the id is ours, so a second POST of an
    application that arrived is answered "already used", which we take as success.
    """
    application_id = uuid.UUID(str(application_id))
    now = timezone.now()
    token = uuid.uuid4()
    claimed = (
        LoanApplication.objects.filter(id=application_id, status=Status.NEW)
        .filter(_unclaimed(now))
        .update(
            claim_token=token,
            claimed_until=now + timedelta(seconds=settings.LOANS_CLAIM_LEASE),
            submit_attempts=F("submit_attempts") + 1,
        )
    )
    if not claimed:
        return "skipped"
    application = LoanApplication.objects.get(id=application_id)
    try:
        with BankClient() as bank:
            result = bank.submit(
                application_id=application.id,
                first_name=application.first_name,
                last_name=application.last_name,
            )
    except ExternalServiceError as exc:
        # People read the sentence; the log keeps the detail under `error_reference` (the
        # task's id; a new one when a command runs this).
        with request_id_scope() as reference:
            sentence = exc.report(context=f"loan application {application.id}: submission")
        if not exc.retryable:
            # A 4xx: sending the same data again cannot help (400 payload not valid, or a
            # status outside the contract). Visible, and correctable then re-submittable.
            _release(
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
            return "failed"
        retry_at = scheduling.submit_retry_at(attempts=application.submit_attempts, now=now)
        _release(
            application_id=application.id,
            token=token,
            actor=SUBMITTER,
            next_attempt_at=retry_at,
            last_error=f"submission attempt {application.submit_attempts}: {sentence}",
            error_reference=reference,
        )
        return "retry"
    submitted = timezone.now()
    _release(
        application_id=application.id,
        token=token,
        actor=SUBMITTER,
        reason="sent to the bank" if result.created else "the bank already had it",
        status=Status.PENDING,
        submitted_at=submitted,
        next_attempt_at=scheduling.first_poll_at(submitted),
        last_error="",
        error_reference="",
    )
    return "submitted"


# --- polling --------------------------------------------------------------------------------


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
        _release(
            application_id=application_id,
            token=token,
            actor=POLLER,
            reason=sentence,
            status=Status.FAILED,
            failure_code=FailureCode.UNKNOWN_AT_BANK,
            failure_reason=(
                "The bank says this application does not exist (404). Re-submit it from "
                "the admin to send it again."
            ),
            next_attempt_at=None,
            **common,
        )
        return "unknown_at_bank"
    if isinstance(result, ExternalServiceError):
        if not result.retryable:
            _release(
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
        _release(
            application_id=application_id,
            token=token,
            actor=POLLER,
            next_attempt_at=scheduling.retry_after_error_at(now=now),
            last_error=f"status check: {sentence}",
            **common,
        )
        return "error"
    if result.status == BankJobStatus.PENDING:
        _release(
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
    _release(
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


@dataclass
class DispatchSummary:
    submissions: int = 0
    poll_batches: int = 0
    polls: int = 0


def loan_applications_dispatch_due(*, now: datetime | None = None) -> DispatchSummary:
    """Hand out due work: submissions to retry (default queue), polls in batches (polling)."""
    from loans.tasks import poll_batch, submit_application

    now = now or timezone.now()
    summary = DispatchSummary()
    while True:
        ids, _token = loan_applications_claim_due(status=Status.NEW, limit=100, now=now)
        if not ids:
            break
        # Release at once: the submission task takes its own claim; claiming here only
        # stopped two dispatchers from sending the same ids at the same moment.
        LoanApplication.objects.filter(id__in=ids, claim_token=_token).update(
            claim_token=None,
            claimed_until=None,
            next_attempt_at=now + timedelta(seconds=settings.LOANS_SUBMIT_GRACE),
        )
        for application_id in ids:
            submit_application.apply_async(args=[str(application_id)])
        summary.submissions += len(ids)
    # Polls due before the next tick are handed out now: a poll runs at most one tick early
    # rather than up to one tick late. No broker ETA: a worker holding ETA messages beyond its
    # prefetch limit can stop consuming (a known Celery failure mode, seen once here in CI).
    lookahead = now + timedelta(seconds=settings.LOANS_DISPATCH_EVERY)
    while True:
        ids, token = loan_applications_claim_due(
            status=Status.PENDING, limit=settings.LOANS_POLL_BATCH_SIZE, now=now, due_by=lookahead
        )
        if not ids:
            break
        poll_batch.apply_async(args=[[str(i) for i in ids], str(token)])
        summary.poll_batches += 1
        summary.polls += len(ids)
    return summary


def loan_applications_poll_due_now(*, batch_size: int | None = None) -> PollSummary:
    """Poll, in this process, everything due now (the `loans_poll --once` command)."""
    summary = PollSummary()
    now = timezone.now()
    while True:
        ids, token = loan_applications_claim_due(
            status=Status.PENDING, limit=batch_size or settings.LOANS_POLL_BATCH_SIZE, now=now
        )
        if not ids:
            return summary
        summary.merge(loan_applications_poll(application_ids=ids, claim_token=token))


# --- staff actions --------------------------------------------------------------------------


@transaction.atomic
def loan_application_poll_now(*, application: LoanApplication, actor: User) -> bool:
    """Make a pending application due at once (the dispatcher picks it up within a second)."""
    updated = LoanApplication.objects.filter(id=application.id, status=Status.PENDING).update(
        next_attempt_at=timezone.now()
    )
    if updated:
        audit_record(obj=application, action="poll_requested", actor=actor)
    return bool(updated)


@transaction.atomic
def loan_application_resubmit(
    *, application: LoanApplication, actor: User, reason: str = ""
) -> LoanApplication:
    """Send a failed application to the bank again (same id: safe if it did arrive)."""
    locked = LoanApplication.objects.select_for_update().get(id=application.id)
    if locked.status != Status.FAILED:
        raise ConflictError(
            f"Only failed applications can be re-submitted; this one is {locked.status}."
        )
    previous = {"status": locked.status, "failure_reason": locked.failure_reason}
    locked.status = Status.NEW
    locked.failure_code = ""
    locked.failure_reason = ""
    locked.error_reference = ""
    locked.submitted_at = None
    locked.decided_at = None
    locked.claim_token = None
    locked.claimed_until = None
    locked.next_attempt_at = timezone.now() + timedelta(seconds=settings.LOANS_SUBMIT_GRACE)
    locked.save()
    audit_record(
        obj=locked,
        action="resubmitted",
        actor=actor,
        changes={
            "status": {"from": previous["status"], "to": Status.NEW},
            "failure_reason": {"from": previous["failure_reason"], "to": ""},
        },
        reason=reason or "re-submitted by staff",
    )
    from loans.tasks import submit_application

    enqueue_on_commit(submit_application, str(locked.id))
    return locked
