"""Create an application (its input cleaned here, idempotent per user and key) and the staff
actions on one application: poll the bank now, re-submit a failed one."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import present
from core.audit import Actor, audit_record
from core.errors import ApplicationError, ConflictError, NotFoundError
from core.request_id import current_request_id
from loans.models import IdempotencyKey, LoanAction, LoanApplication, Status
from loans.services.dispatch import loan_applications_submit_soon

NOT_FOUND = "No such loan application."


# --- creation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Input:
    first_name: str
    last_name: str
    email: str
    amount: Decimal
    currency: str
    idempotency_key: str | None

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


def _clean(
    *,
    first_name: Any,
    last_name: Any,
    email: Any,
    amount: Any,
    currency: Any,
    idempotency_key: str | None,
) -> _Input:
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
                f"The amount must be between {present.number_text(low)} and "
                f"{present.number_text(high)}."
            )

    code = str(currency or "").strip().upper()
    if code not in settings.LOANS_CURRENCIES:
        errors.setdefault("currency", []).append(
            f"Choose one of {', '.join(settings.LOANS_CURRENCIES)}."
        )

    key = None
    if idempotency_key is not None:
        key = str(idempotency_key).strip()
        if not key or len(key) > 255 or not key.isprintable():
            errors.setdefault("Idempotency-Key", []).append("1 to 255 printable characters.")

    if errors:
        raise ApplicationError(
            "Some fields are not valid: " + ", ".join(errors) + ".",
            code="validation_error",
            fields=errors,
        )
    return _Input(first, last, mail, money.quantize(Decimal("0.01")), code, key)


def loan_application_create(
    *,
    first_name: Any,
    last_name: Any,
    email: Any,
    amount: Any,
    currency: Any,
    actor: Actor,
    idempotency_key: str | None = None,
) -> tuple[LoanApplication, bool]:
    """Create an application and send it to the bank once committed.

    The input is cleaned here (names trimmed, email lower-cased, amount within
    `LOANS_MIN_AMOUNT`..`LOANS_MAX_AMOUNT` with at most 2 decimals, a currency of
    `LOANS_CURRENCIES` in any case); every bad field is reported at once (`ApplicationError`
    with `fields`). `actor`: the user who creates it, or a component name (demo data...).

    With an `idempotency_key`, a retry of the same request returns the first application
    (second value True: replayed) instead of creating another; the same key with different
    data is refused. Keys are scoped to the user.
    """
    data = _clean(
        first_name=first_name,
        last_name=last_name,
        email=email,
        amount=amount,
        currency=currency,
        idempotency_key=idempotency_key,
    )
    user = actor if not isinstance(actor, str) and actor and actor.is_authenticated else None
    key = data.idempotency_key
    if key is None:
        return _create(data=data, user=user, actor=actor), False
    if user is None:
        raise ApplicationError("Idempotency keys need an authenticated user.")
    replay = _replay(user=user, key=key, fingerprint=data.fingerprint())
    if replay is not None:
        return replay, True
    try:
        return _create(data=data, user=user, actor=actor), False
    except IntegrityError:
        # A concurrent request with the same key won the race: replay its result.
        replay = _replay(user=user, key=key, fingerprint=data.fingerprint())
        if replay is None:
            raise
        return replay, True


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
def _create(*, data: _Input, user: Any, actor: Actor) -> LoanApplication:
    now = timezone.now()
    application = LoanApplication.objects.create(
        first_name=data.first_name,
        last_name=data.last_name,
        email=data.email,
        amount=data.amount,
        currency=data.currency,
        created_by=user,
        # Its submission and polls log under this id (core.request_id), whichever worker runs them.
        request_id=current_request_id(),
        # Due at once: the prompt dispatch asked for below (or the next beat tick) sends it.
        next_attempt_at=now,
    )
    if data.idempotency_key is not None:
        IdempotencyKey.objects.create(
            user=user,
            key=data.idempotency_key,
            request_fingerprint=data.fingerprint(),
            application=application,
        )
    audit_record(
        obj=application,
        action=LoanAction.CREATED,
        actor=actor,
        changes={"status": {"from": None, "to": Status.NEW}},
    )
    loan_applications_submit_soon()
    return application


# --- staff actions --------------------------------------------------------------------------


def _application_id(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFoundError(NOT_FOUND) from None


@transaction.atomic
def loan_application_poll_now(*, application_id: uuid.UUID | str, actor: Actor) -> bool:
    """Make a pending application due at once (the dispatcher picks it up within a second).
    False when it is not pending (nothing to poll)."""
    application = LoanApplication.objects.filter(id=_application_id(application_id)).first()
    if application is None:
        raise NotFoundError(NOT_FOUND)
    updated = LoanApplication.objects.filter(id=application.id, status=Status.PENDING).update(
        next_attempt_at=timezone.now()
    )
    if updated:
        audit_record(obj=application, action=LoanAction.POLL_REQUESTED, actor=actor)
    return bool(updated)


@transaction.atomic
def loan_application_resubmit(
    *, application_id: uuid.UUID | str, actor: Actor, reason: str = ""
) -> LoanApplication:
    """Send a failed application to the bank again (same id: safe if it did arrive)."""
    locked = (
        LoanApplication.objects.select_for_update()
        .filter(id=_application_id(application_id))
        .first()
    )
    if locked is None:
        raise NotFoundError(NOT_FOUND)
    if locked.status != Status.FAILED:
        raise ConflictError(
            "Only failed applications can be re-submitted; this one is "
            f"{present.choice_label(locked.status, Status).lower()}."
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
    locked.next_attempt_at = timezone.now()
    locked.save()
    audit_record(
        obj=locked,
        action=LoanAction.RESUBMITTED,
        actor=actor,
        changes={
            "status": {"from": previous["status"], "to": Status.NEW},
            "failure_reason": {"from": previous["failure_reason"], "to": ""},
        },
        reason=reason or "re-submitted by staff",
    )
    loan_applications_submit_soon()
    return locked
