"""Accounts: creation (the first call planned at once), details, lead-status transitions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import Actor, audit_record, diff
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kam import planning
from kam.access import can_reassign
from kam.models import TRANSITIONS, KamAction, LeadStatus, Restaurant, Rhythm
from kam.services.common import (
    full_clean,
    invalid,
    kam_of,
    locked_account,
    snapshot,
)

ACCOUNT_FIELDS = (
    "name",
    "address",
    "city",
    "country",
    "time_zone",
    "cuisine",
    "segment",
    "currency",
    "rhythm",
    "call_every_days",
    "call_weekdays",
    "call_hour",
)


def _account_errors(account: Restaurant, *, given: Iterable[str] = ACCOUNT_FIELDS) -> dict:
    """Every rule the account's details break, field by field, for the `given` fields only
    (a form's check leaves out what it refused itself). Normalise first."""
    given = set(given)
    errors: dict[str, list[str]] = {}
    exclude = ["owner", "next_call_due_at", *(n for n in ACCOUNT_FIELDS if n not in given)]
    try:
        full_clean(account, exclude=exclude)
    except ApplicationError as error:
        errors.update(error.fields)
    weekly = {"rhythm", "call_weekdays"} <= given and account.rhythm == Rhythm.WEEKLY
    if weekly and not account.call_weekdays and "call_weekdays" not in errors:
        errors["call_weekdays"] = ["Give at least one weekday for a weekly rhythm."]
    if "currency" in given and account.currency not in settings.KAM_CURRENCIES:
        errors["currency"] = [f"Use one of {', '.join(settings.KAM_CURRENCIES)}."]
    return errors


def _check_account(account: Restaurant) -> None:
    if errors := _account_errors(account):
        raise invalid(errors)


def _normalise_account(account: Restaurant) -> None:
    account.country = (account.country or "").strip().upper()
    account.currency = (account.currency or "").strip().upper()
    account.call_weekdays = "".join(sorted(set(account.call_weekdays or "")))
    for name in ("name", "address", "city", "cuisine", "time_zone"):
        setattr(account, name, (getattr(account, name) or "").strip())


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(ACCOUNT_FIELDS))
    if unknown:
        raise invalid({name: ["Not a detail of an account."] for name in unknown})


@transaction.atomic
def account_create(
    *, actor: Actor, owner_id: int | None = None, now: dt.datetime | None = None, **fields: Any
) -> Restaurant:
    """A new account (status new) owned by `owner_id` (default: the actor; someone else:
    KAM leads only); its first call is planned at once. `fields`: `ACCOUNT_FIELDS`."""
    now = now or timezone.now()
    if owner_id is None and not isinstance(actor, str) and actor is not None:
        owner_id = actor.pk
    acting_for_another = owner_id != getattr(actor, "pk", None)
    if not isinstance(actor, str) and acting_for_another and not (actor and can_reassign(actor)):
        raise PermissionDeniedError("Only a KAM lead may give an account to someone else.")
    owner = kam_of(owner_id, field="owner")
    _check_fields(fields)
    account = Restaurant(owner=owner, **fields)
    _normalise_account(account)
    _check_account(account)
    account.next_call_due_at = planning.first_call(
        now=now, zone=account.zone, hour=account.call_hour, weekdays=account.weekdays
    )
    account.save()
    audit_record(
        obj=account,
        action=KamAction.ACCOUNT_CREATED,
        actor=actor,
        changes=diff({}, snapshot(account, (*ACCOUNT_FIELDS, "owner_id", "status"))),
    )
    return account


def account_check(**fields: Any) -> None:
    """The service's rules on some of an account's details, without saving: a page whose
    form refused other fields calls it so that one submit shows every field's message.
    Raises the ApplicationError `account_create` / `account_update` would for these."""
    fields = {name: value for name, value in fields.items() if name in ACCOUNT_FIELDS}
    account = Restaurant(**fields)
    _normalise_account(account)
    if errors := _account_errors(account, given=fields):
        raise invalid(errors)


@transaction.atomic
def account_update(
    *, actor: Actor, restaurant_id: int, owner_id: int | None = None, **fields: Any
) -> Restaurant:
    """Change an account's details (`ACCOUNT_FIELDS`; not its status: `account_transition`;
    not its owner: `accounts_reassign`, `owner_id` may only repeat the current one). A new
    call hour or time zone moves the planned call to the same local day at the new hour."""
    _check_fields(fields)
    account = locked_account(actor=actor, restaurant_id=restaurant_id)
    if owner_id is not None and owner_id != account.owner_id:
        raise invalid(
            {"owner": ["Reassign the account instead (KAM leads)."]},
            "Reassign the account to give it to another KAM.",
        )
    before = snapshot(account, (*ACCOUNT_FIELDS, "next_call_due_at"))
    old_zone = account.zone
    for name, value in fields.items():
        setattr(account, name, value)
    _normalise_account(account)
    _check_account(account)
    if account.next_call_due_at and (
        before["call_hour"] != account.call_hour or before["time_zone"] != account.time_zone
    ):
        day = planning.local_date(account.next_call_due_at, old_zone)
        account.next_call_due_at = planning.at_local_hour(day, account.call_hour, account.zone)
    account.save()
    changes = diff(before, snapshot(account, (*ACCOUNT_FIELDS, "next_call_due_at")))
    if changes:
        audit_record(obj=account, action=KamAction.ACCOUNT_UPDATED, actor=actor, changes=changes)
    return account


def _allowed(current: str) -> str:
    return ", ".join(sorted(TRANSITIONS[current])) or "none (lost is final)"


def _transition_errors(fields: dict[str, Any], *, current: str | None) -> dict:
    """Every problem of a status change, for the fields given (`to_status`, `reason`)."""
    errors: dict[str, list[str]] = {}
    if "to_status" in fields:
        to_status = fields["to_status"]
        if to_status not in LeadStatus.values:
            errors["status"] = [f"Unknown status {to_status!r}."]
        elif current is not None and to_status not in TRANSITIONS[current]:
            label = LeadStatus(current).label.lower()
            errors["status"] = [f"Not allowed from {label}; allowed: {_allowed(current)}."]
    if "reason" in fields and not (fields["reason"] or "").strip():
        errors["reason"] = ["Say why the status changes."]
    return errors


def transition_check(*, restaurant_id: int, **fields: Any) -> None:
    """The service's rules on some of a status change's fields (`to_status`, `reason`),
    without writing: a page whose form refused other fields calls it so that one submit
    shows every field's message. Raises the ApplicationError `account_transition` would."""
    fields = {name: value for name, value in fields.items() if name in ("to_status", "reason")}
    current = Restaurant.objects.filter(pk=restaurant_id).values_list("status", flat=True).first()
    if errors := _transition_errors(fields, current=current):
        raise invalid(errors)


@transaction.atomic
def account_transition(
    *,
    actor: Actor,
    restaurant_id: int,
    to_status: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Restaurant:
    """Move an account's lead status along the one table of allowed moves
    (`kam.models.TRANSITIONS`), recording who and why. A lost account has no planned call;
    an account coming back to active from inactive gets one."""
    now = now or timezone.now()
    account = locked_account(actor=actor, restaurant_id=restaurant_id)
    current = account.status
    errors = _transition_errors({"to_status": to_status, "reason": reason}, current=current)
    if set(errors) == {"status"} and to_status in LeadStatus.values:
        raise ConflictError(
            f"An account cannot go from {LeadStatus(current).label.lower()} to "
            f"{LeadStatus(to_status).label.lower()}; allowed from here: {_allowed(current)}.",
            code="transition_not_allowed",
            fields=errors,
        )
    if errors:
        raise invalid(errors)
    reason = (reason or "").strip()
    before = snapshot(account, ("status", "next_call_due_at"))
    account.status = to_status
    if to_status == LeadStatus.LOST:
        account.next_call_due_at = None
    elif account.next_call_due_at is None:
        account.next_call_due_at = planning.first_call(
            now=now, zone=account.zone, hour=account.call_hour, weekdays=account.weekdays
        )
    account.save(update_fields=["status", "next_call_due_at", "updated_at"])
    audit_record(
        obj=account,
        action=KamAction.STATUS_CHANGED,
        actor=actor,
        changes=diff(before, snapshot(account, ("status", "next_call_due_at"))),
        reason=reason,
    )
    return account
