"""Interactions: calls (they move the plan by the account's rhythm), visits and emails."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.audit import Actor, audit_record, diff
from core.boundary import EVENT, PLANNED, ensure_in_range
from kam import planning
from kam.models import (
    CallOutcome,
    Interaction,
    InteractionKind,
    KamAction,
    LeadStatus,
    Rhythm,
)
from kam.services.common import check_contact, invalid, locked_account, snapshot


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
    occurred_at = occurred_at or now
    if outcome not in CallOutcome.values:
        raise invalid({"outcome": [f"Choose one of {', '.join(CallOutcome.values)}."]})
    # The input boundary's ranges (core.boundary): a call within the last years, never in the
    # future; the next one within the planning horizon. Also for commands and tasks.
    ensure_in_range(
        {"occurred_at": (occurred_at, EVENT), "next_call_at": (next_call_at, PLANNED)}, now=now
    )
    if outcome == CallOutcome.RESCHEDULED and next_call_at is None:
        raise invalid({"next_call_at": ["Say when to call back."]})
    if next_call_at is not None and next_call_at <= occurred_at:
        raise invalid({"next_call_at": ["Must be after the call."]})
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
    occurred_at = occurred_at or now
    if kind not in InteractionKind.values:
        raise invalid({"kind": [f"Choose one of {', '.join(InteractionKind.values)}."]})
    fields: dict[str, list[str]] = {}
    if outcome:
        fields["outcome"] = ["Only calls have an outcome."]
    if next_call_at is not None:
        fields["next_call_at"] = ["Only a call plans the next call."]
    if fields:
        raise invalid(fields)
    ensure_in_range({"occurred_at": (occurred_at, EVENT)}, now=now)
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
