"""Interactions: calls (they move the plan by the account's rhythm), visits and emails."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import Actor, audit_record, diff
from core.boundary import EVENT, PLANNED, out_of_range_fields
from core.errors import ApplicationError
from kam import planning
from kam.models import (
    CallOutcome,
    Interaction,
    InteractionKind,
    KamAction,
    LeadStatus,
    Restaurant,
    Rhythm,
)
from kam.services.common import check_contact, invalid, locked_account, snapshot

_ABSENT = object()


def _interaction_errors(fields: dict[str, Any], *, now: dt.datetime) -> dict[str, list[str]]:
    """Every rule an interaction breaks, field by field, for the `fields` given (a form's
    check leaves out what it refused itself). `occurred_at` None means now."""
    errors: dict[str, list[str]] = {}
    kind = fields.get("kind", _ABSENT)
    outcome = fields.get("outcome", _ABSENT)
    next_call_at = fields.get("next_call_at", _ABSENT)
    occurred_at = fields.get("occurred_at", _ABSENT)
    if kind is not _ABSENT and kind not in InteractionKind.values:
        errors["kind"] = [f"Choose one of {', '.join(InteractionKind.values)}."]
    # The input boundary's ranges (core.boundary): a call within the last years, never in
    # the future; the next one within the planning horizon. Also for commands and tasks.
    ranges = {"occurred_at": (occurred_at, EVENT), "next_call_at": (next_call_at, PLANNED)}
    errors.update(
        out_of_range_fields(
            {name: given for name, given in ranges.items() if given[0] is not _ABSENT}, now=now
        )
    )
    if kind == InteractionKind.CALL:
        if outcome is not _ABSENT and outcome not in CallOutcome.values:
            errors["outcome"] = [f"Choose one of {', '.join(CallOutcome.values)}."]
        if outcome == CallOutcome.RESCHEDULED and next_call_at is None:
            errors["next_call_at"] = ["Say when to call back."]
        if (
            next_call_at not in (_ABSENT, None)
            and occurred_at is not _ABSENT
            and "next_call_at" not in errors
            and next_call_at <= (occurred_at or now)
        ):
            errors["next_call_at"] = ["Must be after the call."]
    elif kind is not _ABSENT and kind in InteractionKind.values:
        if outcome not in (_ABSENT, None, ""):
            errors["outcome"] = ["Only calls have an outcome."]
        if next_call_at not in (_ABSENT, None):
            errors["next_call_at"] = ["Only a call plans the next call."]
    return errors


def _check(fields: dict[str, Any], *, restaurant_id: int | None, now: dt.datetime) -> None:
    """Raise every field's problem at once, the contact's included (`contact_id`)."""
    fields = dict(fields)
    contact_id = fields.pop("contact_id", None)
    errors = _interaction_errors(fields, now=now)
    if restaurant_id is not None and contact_id is not None:
        try:
            check_contact(Restaurant(pk=restaurant_id), contact_id)
        except ApplicationError as error:
            errors.update(error.fields)
    if errors:
        raise invalid(errors)


def interaction_check(
    *, restaurant_id: int | None = None, now: dt.datetime | None = None, **fields: Any
) -> None:
    """The service's rules on some of an interaction's fields (`interaction_log`'s
    arguments), without saving: a page whose form refused other fields calls it so that
    one submit shows every field's message. Raises the ApplicationError `interaction_log`
    would for these fields."""
    names = ("kind", "outcome", "occurred_at", "next_call_at", "contact_id", "details")
    fields = {name: value for name, value in fields.items() if name in names}
    _check(fields, restaurant_id=restaurant_id, now=now or timezone.now())


@transaction.atomic
def call_log(
    *,
    actor: Actor,
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
    fields = {"kind": InteractionKind.CALL, "outcome": outcome, "occurred_at": occurred_at,
              "next_call_at": next_call_at, "contact_id": contact_id}  # fmt: skip
    _check(fields, restaurant_id=restaurant_id, now=now)
    occurred_at = occurred_at or now
    account = locked_account(actor=actor, restaurant_id=restaurant_id)
    contact = check_contact(account, contact_id)
    interaction = Interaction.objects.create(
        restaurant=account,
        contact=contact,
        kind=InteractionKind.CALL,
        outcome=outcome,
        occurred_at=occurred_at,
        details=(details or "").strip(),
        created_by=None if isinstance(actor, str) else actor,
    )
    before = snapshot(account, ("next_call_due_at",))
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
        action=KamAction.CALL_LOGGED,
        actor=actor,
        changes={
            "outcome": {"from": None, "to": outcome},
            **diff(before, snapshot(account, ("next_call_due_at",))),
        },
    )
    return interaction


@transaction.atomic
def interaction_log(
    *,
    actor: Actor,
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
    fields = {"kind": kind, "outcome": outcome, "occurred_at": occurred_at,
              "next_call_at": next_call_at, "contact_id": contact_id}  # fmt: skip
    _check(fields, restaurant_id=restaurant_id, now=now)
    occurred_at = occurred_at or now
    account = locked_account(actor=actor, restaurant_id=restaurant_id)
    contact = check_contact(account, contact_id)
    return Interaction.objects.create(
        restaurant=account,
        contact=contact,
        kind=kind,
        occurred_at=occurred_at,
        details=(details or "").strip(),
        created_by=None if isinstance(actor, str) else actor,
    )
