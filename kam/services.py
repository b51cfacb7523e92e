"""Writes of the key accounts app: accounts (status transitions, reassignment), contacts,
interactions (calls move the plan), orders, performance snapshots and call reminders.

Every function is keyword-only, transactional, and raises `core.errors.ApplicationError`
(400 per field), `ConflictError` (409: not allowed in the current state),
`PermissionDeniedError` (403) or `NotFoundError` (404: no such account, or not yours).
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import Actor, audit_record, diff
from core.boundary import EVENT, PLANNED, ensure_in_range, out_of_range_fields
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from kam import planning
from kam.access import can_change, can_own_accounts, can_reassign
from kam.models import (
    TRANSITIONS,
    CallOutcome,
    CallReminder,
    Interaction,
    InteractionKind,
    KamProfile,
    LeadStatus,
    Order,
    PerformanceSnapshot,
    PointOfContact,
    Restaurant,
    Rhythm,
)

logger = logging.getLogger(__name__)

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
CONTACT_FIELDS = ("name", "role", "phone", "email", "preferred_hours", "is_primary")


def _invalid(fields: dict[str, list[str] | str], message: str | None = None) -> ApplicationError:
    return ApplicationError(
        message or "Some fields are not valid: " + ", ".join(sorted(fields)) + ".",
        code="validation_error",
        fields=fields,
    )


def _full_clean(obj, *, exclude: Iterable[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise _invalid(
            {
                ("non_field_errors" if name == "__all__" else name): messages
                for name, messages in error.message_dict.items()
            }
        ) from None


def _snapshot(obj, names: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in names}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _locked_account(*, actor: Actor, restaurant_id: int) -> Restaurant:
    """The account, row-locked, if `actor` may change it; otherwise 404 (never reveal)."""
    account = Restaurant.objects.select_for_update().filter(pk=restaurant_id).first()
    if account is None or (not isinstance(actor, str) and not can_change(actor, account)):
        raise NotFoundError("No such account.")
    return account


def _check_owner(owner) -> None:
    if not can_own_accounts(owner):
        name = owner.get_username() if owner is not None else "nobody"
        raise _invalid({"owner": [f"{name} is not an active key-account manager."]})


def _check_rhythm(account: Restaurant) -> None:
    if account.rhythm == Rhythm.WEEKLY and not account.call_weekdays:
        raise _invalid({"call_weekdays": ["Give at least one weekday for a weekly rhythm."]})
    if account.currency not in settings.KAM_CURRENCIES:
        raise _invalid(
            {"currency": [f"Use one of {', '.join(settings.KAM_CURRENCIES)}."]},
        )


def _normalise_account(account: Restaurant) -> None:
    account.country = (account.country or "").strip().upper()
    account.currency = (account.currency or "").strip().upper()
    account.call_weekdays = "".join(sorted(set(account.call_weekdays or "")))
    for name in ("name", "address", "city", "cuisine", "time_zone"):
        setattr(account, name, (getattr(account, name) or "").strip())


# --- accounts ------------------------------------------------------------------------------


@transaction.atomic
def account_create(*, actor, owner=None, now: dt.datetime | None = None, **fields) -> Restaurant:
    """A new account (status new); its first call is planned at once."""
    now = now or timezone.now()
    owner = owner if owner is not None else actor
    if not isinstance(actor, str) and owner != actor and not can_reassign(actor):
        raise PermissionDeniedError("Only a KAM lead may give an account to someone else.")
    _check_owner(owner)
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"unknown account fields: {sorted(unknown)}")
    account = Restaurant(owner=owner, **fields)
    _normalise_account(account)
    _full_clean(account, exclude=["owner", "next_call_due_at"])
    _check_rhythm(account)
    account.next_call_due_at = planning.first_call(
        now=now, zone=account.zone, hour=account.call_hour, weekdays=account.weekdays
    )
    account.save()
    audit_record(
        obj=account,
        action="account created",
        actor=actor,
        changes=diff({}, _snapshot(account, (*ACCOUNT_FIELDS, "owner_id", "status"))),
    )
    return account


@transaction.atomic
def account_update(*, actor, restaurant_id: int, **fields) -> Restaurant:
    """Change an account's details (not its status: `account_transition`; not its owner:
    `accounts_reassign`). A new call hour or time zone moves the planned call to the same
    local day at the new hour."""
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"unknown account fields: {sorted(unknown)}")
    account = _locked_account(actor=actor, restaurant_id=restaurant_id)
    before = _snapshot(account, (*ACCOUNT_FIELDS, "next_call_due_at"))
    old_zone = account.zone
    for name, value in fields.items():
        setattr(account, name, value)
    _normalise_account(account)
    _full_clean(account, exclude=["owner", "next_call_due_at"])
    _check_rhythm(account)
    if account.next_call_due_at and (
        before["call_hour"] != account.call_hour or before["time_zone"] != account.time_zone
    ):
        day = planning.local_date(account.next_call_due_at, old_zone)
        account.next_call_due_at = planning.at_local_hour(day, account.call_hour, account.zone)
    account.save()
    changes = diff(before, _snapshot(account, (*ACCOUNT_FIELDS, "next_call_due_at")))
    if changes:
        audit_record(obj=account, action="account updated", actor=actor, changes=changes)
    return account


@transaction.atomic
def account_transition(
    *, actor, restaurant_id: int, to_status: str, reason: str = "", now: dt.datetime | None = None
) -> Restaurant:
    """Move an account's lead status along the one table of allowed moves
    (`kam.models.TRANSITIONS`), recording who and why. A lost account has no planned call;
    an account coming back to active from inactive gets one."""
    now = now or timezone.now()
    if to_status not in LeadStatus.values:
        raise _invalid({"status": [f"Unknown status {to_status!r}."]})
    reason = (reason or "").strip()
    if not reason:
        raise _invalid({"reason": ["Say why the status changes."]})
    account = _locked_account(actor=actor, restaurant_id=restaurant_id)
    current = account.status
    if to_status not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (lost is final)"
        raise ConflictError(
            f"An account cannot go from {LeadStatus(current).label.lower()} to "
            f"{LeadStatus(to_status).label.lower()}; allowed from here: {allowed}.",
            code="transition_not_allowed",
            fields={"status": [f"Not allowed from {current}."]},
        )
    before = _snapshot(account, ("status", "next_call_due_at"))
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
        action="status changed",
        actor=actor,
        changes=diff(before, _snapshot(account, ("status", "next_call_due_at"))),
        reason=reason,
    )
    return account


@transaction.atomic
def accounts_reassign(*, actor, restaurant_ids: Iterable[int], new_owner, reason: str) -> int:
    """Give accounts to another KAM (KAM leads only), each change audited with the reason.
    Access follows the owner column, so the previous KAM loses access at once."""
    if not isinstance(actor, str) and not can_reassign(actor):
        raise PermissionDeniedError("Only a key-account manager lead may reassign accounts.")
    reason = (reason or "").strip()
    fields: dict[str, list[str]] = {}
    if not reason:
        fields["reason"] = ["Say why the accounts change hands."]
    if not can_own_accounts(new_owner):
        name = new_owner.get_username() if new_owner is not None else "nobody"
        fields["kam"] = [f"{name} is not an active key-account manager."]
    ids = sorted(set(restaurant_ids))
    if not ids:
        fields["accounts"] = ["Choose at least one account."]
    if fields:
        raise _invalid(fields)
    accounts = list(Restaurant.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    missing = set(ids) - {a.pk for a in accounts}
    if missing:
        raise _invalid({"accounts": [f"Unknown accounts: {', '.join(map(str, sorted(missing)))}."]})
    moved = 0
    for account in accounts:
        if account.owner_id == new_owner.pk:
            continue
        before = {"owner": account.owner.get_username(), "owner_id": account.owner_id}
        account.owner = new_owner
        account.save(update_fields=["owner", "updated_at"])
        audit_record(
            obj=account,
            action="account reassigned",
            actor=actor,
            changes=diff(before, {"owner": new_owner.get_username(), "owner_id": new_owner.pk}),
            reason=reason,
        )
        moved += 1
    return moved


# --- contacts ------------------------------------------------------------------------------


def normalise_phone(value: str, *, country: str) -> str:
    """A phone number in E.164 (+33612345678); national numbers are read in `country`."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise _invalid({"phone": ["Enter a valid phone number, e.g. +33 6 12 34 56 78."]}) from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid({"phone": ["This phone number does not exist; check the digits."]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _save_contact(contact: PointOfContact) -> None:
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise ConflictError(
            "Another primary contact was set at the same time; try again.",
            fields={"is_primary": ["The account already has a primary contact."]},
        ) from None


@transaction.atomic
def contact_create(*, actor, restaurant_id: int, **fields) -> PointOfContact:
    """A point of contact. The first one of an account is its primary; a new primary takes
    over from the previous one (exactly one per account, by a partial unique constraint)."""
    account = _locked_account(actor=actor, restaurant_id=restaurant_id)
    contact = PointOfContact(restaurant=account, **fields)
    contact.phone = normalise_phone(contact.phone, country=account.country)
    contact.name = (contact.name or "").strip()
    contact.email = (contact.email or "").strip()
    _full_clean(contact, exclude=["restaurant"])
    has_primary = account.contacts.filter(is_primary=True).exists()
    if not has_primary:
        contact.is_primary = True
    elif contact.is_primary:
        account.contacts.filter(is_primary=True).update(is_primary=False)
    _save_contact(contact)
    audit_record(
        obj=account,
        action="contact added",
        actor=actor,
        changes=diff({}, {"contact": str(contact), "primary": contact.is_primary}),
    )
    return contact


def _locked_contact(*, actor, contact_id: int) -> PointOfContact:
    contact = PointOfContact.objects.select_related("restaurant").filter(pk=contact_id).first()
    if contact is None:
        raise NotFoundError("No such contact.")
    _locked_account(actor=actor, restaurant_id=contact.restaurant_id)
    return contact


@transaction.atomic
def contact_update(*, actor, contact_id: int, **fields) -> PointOfContact:
    contact = _locked_contact(actor=actor, contact_id=contact_id)
    account = contact.restaurant
    before = _snapshot(contact, CONTACT_FIELDS)
    for name, value in fields.items():
        setattr(contact, name, value)
    if "phone" in fields:
        contact.phone = normalise_phone(contact.phone, country=account.country)
    _full_clean(contact, exclude=["restaurant"])
    if before["is_primary"] and not contact.is_primary:
        raise _invalid(
            {"is_primary": ["Make another contact primary instead; an account keeps one."]}
        )
    if contact.is_primary and not before["is_primary"]:
        account.contacts.filter(is_primary=True).update(is_primary=False)
    _save_contact(contact)
    changes = diff(before, _snapshot(contact, CONTACT_FIELDS))
    if changes:
        audit_record(
            obj=account, action=f"contact {contact.name} updated", actor=actor, changes=changes
        )
    return contact


@transaction.atomic
def contact_delete(*, actor, contact_id: int) -> None:
    """Remove a contact; when it was the primary, the oldest remaining one takes over."""
    contact = _locked_contact(actor=actor, contact_id=contact_id)
    account = contact.restaurant
    was_primary = contact.is_primary
    label = str(contact)
    contact.delete()
    if was_primary:
        successor = account.contacts.order_by("created_at", "id").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])
    audit_record(
        obj=account, action="contact removed", actor=actor, changes=diff({"contact": label}, {})
    )


# --- interactions --------------------------------------------------------------------------


def _check_contact(account: Restaurant, contact_id: int | None) -> PointOfContact | None:
    if contact_id is None:
        return None
    contact = PointOfContact.objects.filter(pk=contact_id).first()
    if contact is None or contact.restaurant_id != account.pk:
        raise _invalid({"contact": ["Choose a contact of this restaurant."]})
    return contact


@transaction.atomic
def call_log(
    *,
    actor,
    restaurant_id: int,
    outcome: str,
    occurred_at: dt.datetime | None = None,
    contact_id: int | None = None,
    details: str = "",
    next_call_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Interaction:
    """Record a call and move the plan:

    - connected -> the next call by the rhythm, counted from the call's local day;
    - no answer / busy -> a retry the next working day at the call hour;
    - rescheduled -> `next_call_at`, which is required.

    `next_call_at` overrides the proposal for any outcome. A lost account keeps no plan.
    """
    now = now or timezone.now()
    occurred_at = occurred_at or now
    if outcome not in CallOutcome.values:
        raise _invalid({"outcome": [f"Choose one of {', '.join(CallOutcome.values)}."]})
    # The input boundary's ranges (core.boundary): a call within the last years, never in the
    # future; the next one within the planning horizon. Also for commands and tasks.
    ensure_in_range(
        {"occurred_at": (occurred_at, EVENT), "next_call_at": (next_call_at, PLANNED)}, now=now
    )
    if outcome == CallOutcome.RESCHEDULED and next_call_at is None:
        raise _invalid({"next_call_at": ["Say when to call back."]})
    if next_call_at is not None and next_call_at <= occurred_at:
        raise _invalid({"next_call_at": ["Must be after the call."]})
    account = _locked_account(actor=actor, restaurant_id=restaurant_id)
    contact = _check_contact(account, contact_id)
    interaction = Interaction.objects.create(
        restaurant=account,
        contact=contact,
        kind=InteractionKind.CALL,
        outcome=outcome,
        occurred_at=occurred_at,
        details=(details or "").strip(),
        created_by=None if isinstance(actor, str) else actor,
    )
    before = _snapshot(account, ("next_call_due_at",))
    if account.status != LeadStatus.LOST:
        if next_call_at is not None:
            planned = next_call_at
        elif outcome == CallOutcome.CONNECTED:
            planned = planning.next_rhythm_call(
                after=occurred_at,
                zone=account.zone,
                hour=account.call_hour,
                every_days=account.call_every_days,
                weekdays=account.weekdays if account.rhythm == Rhythm.WEEKLY else (),
            )
        else:
            planned = planning.next_working_day_retry(
                after=occurred_at, zone=account.zone, hour=account.call_hour
            )
        account.next_call_due_at = planned
        account.save(update_fields=["next_call_due_at", "updated_at"])
    audit_record(
        obj=account,
        action=f"call logged ({CallOutcome(outcome).label.lower()})",
        actor=actor,
        changes=diff(before, _snapshot(account, ("next_call_due_at",))),
    )
    return interaction


@transaction.atomic
def interaction_log(
    *,
    actor,
    restaurant_id: int,
    kind: str,
    outcome: str = "",
    occurred_at: dt.datetime | None = None,
    contact_id: int | None = None,
    details: str = "",
    next_call_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Interaction:
    """A call (see `call_log`), a visit or an email. Visits and emails do not move the plan."""
    if kind == InteractionKind.CALL:
        return call_log(
            actor=actor,
            restaurant_id=restaurant_id,
            outcome=outcome,
            occurred_at=occurred_at,
            contact_id=contact_id,
            details=details,
            next_call_at=next_call_at,
            now=now,
        )
    now = now or timezone.now()
    occurred_at = occurred_at or now
    if kind not in InteractionKind.values:
        raise _invalid({"kind": [f"Choose one of {', '.join(InteractionKind.values)}."]})
    fields: dict[str, list[str]] = {}
    if outcome:
        fields["outcome"] = ["Only calls have an outcome."]
    if next_call_at is not None:
        fields["next_call_at"] = ["Only a call plans the next call."]
    if fields:
        raise _invalid(fields)
    ensure_in_range({"occurred_at": (occurred_at, EVENT)}, now=now)
    account = _locked_account(actor=actor, restaurant_id=restaurant_id)
    contact = _check_contact(account, contact_id)
    return Interaction.objects.create(
        restaurant=account,
        contact=contact,
        kind=kind,
        occurred_at=occurred_at,
        details=(details or "").strip(),
        created_by=None if isinstance(actor, str) else actor,
    )


# --- orders --------------------------------------------------------------------------------


@transaction.atomic
def order_log(
    *,
    actor,
    restaurant_id: int,
    amount: Decimal | str | int,
    currency: str = "",
    placed_at: dt.datetime | None = None,
    contact_id: int | None = None,
    details: str = "",
    now: dt.datetime | None = None,
) -> Order:
    """Record an order (amount > 0, in the account's currency) and refresh the band."""
    now = now or timezone.now()
    placed_at = placed_at or now
    fields: dict[str, list[str]] = {}
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or value <= 0:
        fields["amount"] = ["Enter an amount greater than zero."]
    elif value != value.quantize(Decimal("0.01")) or value >= Decimal("1e10"):
        fields["amount"] = ["At most 10 digits before the decimal point and 2 after it."]
    fields.update(out_of_range_fields({"placed_at": (placed_at, EVENT)}, now=now))
    account = _locked_account(actor=actor, restaurant_id=restaurant_id)
    currency = (currency or account.currency).strip().upper()
    if currency != account.currency:
        fields["currency"] = [f"This account orders in {account.currency}."]
    try:
        contact = _check_contact(account, contact_id)
    except ApplicationError as error:
        fields.update(error.fields)
        contact = None
    if fields:
        raise _invalid(fields)
    order = Order.objects.create(
        restaurant=account,
        contact=contact,
        amount=value,
        currency=currency,
        placed_at=placed_at,
        details=(details or "").strip(),
        created_by=None if isinstance(actor, str) else actor,
    )
    performance_refresh(restaurant_ids=[account.pk], now=now)
    return order


# --- performance ---------------------------------------------------------------------------


def _accounts_performance(ids: list[int], now: dt.datetime):
    from kam.selectors import performance, with_activity

    accounts = with_activity(Restaurant.objects.filter(pk__in=ids), now=now).prefetch_related(None)
    return [(account, performance(account, now=now)) for account in accounts]


def performance_refresh(*, restaurant_ids: list[int], now: dt.datetime | None = None) -> int:
    """Recompute and store the band of some accounts (after an order, or by the snapshot)."""
    now = now or timezone.now()
    rows = _accounts_performance(list(restaurant_ids), now)
    changed = []
    for account, perf in rows:
        account.band = perf.band
        account.band_updated_at = now
        changed.append(account)
    Restaurant.objects.bulk_update(changed, ["band", "band_updated_at"])
    return len(changed)


def performance_snapshot_take(
    *, now: dt.datetime | None = None, chunk_size: int | None = None
) -> int:
    """The nightly history of bands: one snapshot per account for today's date (idempotent:
    a second run the same day replaces that day's rows), and each account's stored band.
    Works in primary-key chunks so memory stays flat on a large base."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    chunk_size = chunk_size or settings.KAM_SNAPSHOT_CHUNK_SIZE
    done, last_pk = 0, 0
    while True:
        ids = list(
            Restaurant.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            break
        last_pk = ids[-1]
        rows = _accounts_performance(ids, now)
        with transaction.atomic():
            PerformanceSnapshot.objects.filter(restaurant_id__in=ids, date=today).delete()
            PerformanceSnapshot.objects.bulk_create(
                PerformanceSnapshot(
                    restaurant_id=account.pk,
                    date=today,
                    band=perf.band,
                    orders_30d=perf.orders_30d,
                    revenue_30d=perf.revenue_30d,
                    orders_90d=perf.orders_90d,
                    revenue_90d=perf.revenue_90d,
                    average_interval_days=perf.average_interval_days,
                    days_since_last_order=perf.days_since_last_order,
                )
                for account, perf in rows
            )
            for account, perf in rows:
                account.band = perf.band
                account.band_updated_at = now
            Restaurant.objects.bulk_update(
                [account for account, _ in rows], ["band", "band_updated_at"]
            )
        done += len(rows)
    logger.info("kam: performance snapshot of %s accounts for %s", done, today)
    return done


# --- reminders -----------------------------------------------------------------------------


def _kam_zone(kam) -> zoneinfo.ZoneInfo:
    profile = KamProfile.objects.filter(user=kam).first()
    return zoneinfo.ZoneInfo(profile.time_zone if profile else settings.TIME_ZONE)


def call_reminder_send(*, kam_id: int, now: dt.datetime | None = None) -> CallReminder | None:
    """Store (and log) today's list of one KAM's due calls: one record per KAM per local day,
    replaced if the task runs again that day. No email: the landing page and this record are
    where a KAM sees it; a mail or chat sender can read the record later."""
    from django.contrib.auth import get_user_model

    from kam.selectors import calls_due

    now = now or timezone.now()
    kam = get_user_model().objects.filter(pk=kam_id).first()
    if kam is None:
        return None
    due = calls_due(kam=kam, now=now)
    day = now.astimezone(_kam_zone(kam)).date()
    calls = [
        {
            "restaurant": call.account.pk,
            "name": call.account.name,
            "due_at": call.due_at.isoformat(),
            "group": group,
        }
        for group, items in due.groups()
        if group != "next_seven_days"
        for call in items
    ]
    reminder, _ = CallReminder.objects.update_or_create(
        kam=kam,
        date=day,
        defaults={
            "overdue": len(due.overdue),
            "today": len(due.today),
            "next_seven_days": len(due.next_seven_days),
            "calls": calls,
        },
    )
    logger.info(
        "kam reminder for %s on %s: %s overdue, %s today, %s in the next seven days",
        kam.get_username(),
        day,
        reminder.overdue,
        reminder.today,
        reminder.next_seven_days,
    )
    return reminder
