"""Writes of the leads app: creating, changing and deleting leads.

Every function cleans its own input (`full_clean` on the lead, every bad field reported at
once), checks who may do it (`leads.access`) and audits what changed (`LeadAction`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.audit import Actor, audit_record, diff
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from leads.access import can_assign, can_change, can_own_leads
from leads.models import ACTIVE_RUN_STATUSES, Lead, LeadAction, Stage
from leads.national_id import normalise_national_id

LEAD_FIELDS = ("first_name", "last_name", "birth_date", "national_id", "email", "phone")
#: Changing one of these makes an earlier decision meaningless.
IDENTITY_FIELDS = ("first_name", "last_name", "birth_date", "national_id")


def _snapshot(lead: Lead) -> dict[str, Any]:
    return {name: getattr(lead, name) for name in (*LEAD_FIELDS, "owner_id", "stage")}


def _compact_national_id(value: str) -> str:
    """The compact number when valid; otherwise as given, for full_clean to report."""
    try:
        return normalise_national_id(value)
    except (ValidationError, TypeError, AttributeError):
        return value


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _user(user_id: int):
    """The user with this id, or a field error on `owner` (the API's name for it)."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise ApplicationError(
            "Some fields are not valid: owner.",
            code="validation_error",
            fields={"owner": [f"No user has the id {user_id}."]},
        )
    return user


def _validate(lead: Lead, *, exclude: tuple[str, ...] = ()) -> None:
    try:
        lead.full_clean(exclude=["owner", *exclude])
    except ValidationError as error:
        fields = {
            ("non_field_errors" if name == "__all__" else name): messages
            for name, messages in error.message_dict.items()
        }
        raise ApplicationError(
            "Some fields are not valid: " + ", ".join(sorted(fields)) + ".",
            code="validation_error",
            fields=fields,
        ) from None


def _check_owner(owner) -> None:
    if not can_own_leads(owner):
        raise ApplicationError(
            "The owner must be an active sales agent.",
            code="validation_error",
            fields={"owner": [f"{owner.get_username()} is not an active sales agent."]},
        )


def _check_assign(actor: Actor, owner, *, current=None) -> None:
    """Only someone who may assign leads gives a lead to someone other than themselves."""
    user = actor_user(actor)
    if user is None or owner is None or owner in (current, user):
        return
    if not can_assign(user):
        raise PermissionDeniedError(
            "Only sales managers may give a lead to someone else.",
            fields={"owner": ["Leave it empty: the lead is yours."]},
        )


def _lead_to_change(*, lead_id: int, actor: Actor) -> Lead:
    """The lead, row-locked, if `actor` may change it; 404 otherwise (never reveal it)."""
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    user = actor_user(actor)
    if lead is None or (user is not None and not can_change(user, lead)):
        raise NotFoundError(f"Lead {lead_id} does not exist.")
    return lead


def _save(lead: Lead) -> None:
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        # Two requests raced past full_clean's uniqueness check.
        raise ApplicationError(
            "Some fields are not valid: national_id.",
            code="validation_error",
            fields={"national_id": ["A lead with this national id already exists."]},
        ) from None


@transaction.atomic
def lead_create(
    *,
    actor: Actor,
    first_name: str,
    last_name: str,
    birth_date: date,
    national_id: str,
    email: str,
    phone: str,
    owner_id: int | None = None,
) -> Lead:
    """A new lead, owned by `owner_id` (only a sales manager gives one to someone else) or
    by the acting user."""
    owner = _user(owner_id) if owner_id is not None else actor_user(actor)
    if owner is None:
        raise ApplicationError(
            "Some fields are not valid: owner.",
            code="validation_error",
            fields={"owner": ["Choose the sales agent in charge of the lead."]},
        )
    _check_assign(actor, owner)
    _check_owner(owner)
    lead = Lead(
        first_name=_stripped(first_name),
        last_name=_stripped(last_name),
        birth_date=birth_date,
        national_id=_compact_national_id(national_id),
        email=_stripped(email),
        phone=_stripped(phone),
        owner=owner,
    )
    _validate(lead)
    _save(lead)
    audit_record(
        obj=lead, action=LeadAction.CREATED, actor=actor, changes=diff({}, _snapshot(lead))
    )
    return lead


@transaction.atomic
def lead_update(*, lead_id: int, actor: Actor, owner_id: int | None = None, **changes: Any) -> Lead:
    """Change some of a lead's details (`changes`: any of LEAD_FIELDS) or its owner. A
    prospect keeps its identity; a rejected or needs-review lead whose identity changes goes
    back to the lead stage (its decision was about other data). Nothing about the identity
    changes while a run is under way."""
    unknown = set(changes) - set(LEAD_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown lead fields: {', '.join(sorted(unknown))}.")
    lead = _lead_to_change(lead_id=lead_id, actor=actor)
    owner = _user(owner_id) if owner_id is not None else None
    _check_assign(actor, owner, current=lead.owner)
    before = _snapshot(lead)
    if "national_id" in changes:
        changes["national_id"] = _compact_national_id(changes["national_id"])
    for name, value in changes.items():
        setattr(lead, name, _stripped(value))
    if owner is not None:
        _check_owner(owner)
        lead.owner = owner
    identity_changed = any(before[name] != getattr(lead, name) for name in IDENTITY_FIELDS)
    if identity_changed:
        if lead.stage == Stage.PROSPECT:
            raise ConflictError(
                "A prospect's identity (names, birth date, national id) cannot change."
            )
        if lead.runs.filter(status__in=ACTIVE_RUN_STATUSES).exists():
            raise ConflictError("The lead is being qualified; change it once the run is done.")
        lead.stage = Stage.LEAD
    _validate(lead)
    _save(lead)
    audit_record(
        obj=lead, action=LeadAction.UPDATED, actor=actor, changes=diff(before, _snapshot(lead))
    )
    return lead


def lead_check(*, lead_id: int | None = None, **fields: Any) -> None:
    """The service's rules on some of a lead's fields, without saving: a page whose form
    refused other fields calls it so that one submit shows every field's message. Raises
    the same ApplicationError as `lead_create` / `lead_update` would for these fields."""
    fields = {name: value for name, value in fields.items() if name in LEAD_FIELDS}
    if "national_id" in fields:
        fields["national_id"] = _compact_national_id(fields["national_id"])
    lead = Lead(pk=lead_id, **{name: _stripped(value) for name, value in fields.items()})
    lead._state.adding = lead_id is None  # an existing lead is not its own duplicate
    _validate(lead, exclude=tuple(name for name in LEAD_FIELDS if name not in fields))


@transaction.atomic
def lead_delete(*, lead_id: int, actor: Actor) -> None:
    lead = _lead_to_change(lead_id=lead_id, actor=actor)
    audit_record(
        obj=lead, action=LeadAction.DELETED, actor=actor, changes=diff(_snapshot(lead), {})
    )
    lead.delete()


def actor_user(actor: Actor):
    """The user behind `actor`; None for the system (a component's name) or nobody."""
    if actor is None or isinstance(actor, str) or not actor.is_authenticated:
        return None
    return actor
