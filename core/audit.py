"""Write and read the audit trail (`core.models.AuditEvent`), in one vocabulary.

Every app declares what can happen to its records as an `AuditAction` enum in its
`models.py` (values `<app>.<what happened>`, labels for people):

    class KamAction(AuditAction):
        CALL_LOGGED = "kam.call_logged", "Call logged"

and writes events with `audit_record(obj=..., action=KamAction.CALL_LOGGED, changes=...,
reason=...)`: the details live in the structured `changes` and the `reason`, never in the
action's text. Pages show a trail with `{% load present %}{% timeline events %}` (human labels
for actions, field names and values); the API with `core.api.serializers.AuditEventSerializer`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet

from core import present
from core.models import AuditEvent
from core.request_id import current_request_id

Actor = AbstractBaseUser | AnonymousUser | str | None


class AuditAction(models.TextChoices):
    """The base of every app's audit vocabulary (see the module's docstring)."""


def _action_enums(base: type = AuditAction) -> Iterable[type[AuditAction]]:
    for enum in base.__subclasses__():
        yield enum
        yield from _action_enums(enum)


@functools.cache
def _labels() -> dict[str, str]:
    return {str(value): str(label) for enum in _action_enums() for value, label in enum.choices}


def action_label(action: str) -> str:
    """'Call logged' for 'kam.call_logged'; an action no enum declares is shown readably."""
    if action in _labels():
        return _labels()[action]
    text = action.split(".", 1)[-1].replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _actor_fields(actor: Actor) -> tuple[Any, str]:
    if isinstance(actor, str):
        return None, actor if actor.startswith("system") else f"system: {actor}"
    if actor is None or not actor.is_authenticated:
        return None, "system"
    return actor, actor.get_username()


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The changed keys between two snapshots, as audit `changes`."""
    return {
        key: {"from": before.get(key), "to": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def audit_record(
    *,
    obj: models.Model,
    action: AuditAction,
    actor: Actor = None,
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Record one change to `obj`.

    `actor` is the user who acted, or a string naming the component for system changes
    (`"loans.poller"` is stored as `"system: loans.poller"`). Call it inside the service's
    transaction so the event commits or rolls back with the change it describes. The event
    keeps the id of the request or task it was written in, so support can find its log lines.
    """
    if not isinstance(action, AuditAction):
        raise TypeError(
            f"audit action {action!r} is not an AuditAction: declare it in the app's enum"
        )
    user, label = _actor_fields(actor)
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label[:150],
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action,
        changes=dict(changes or {}),
        reason=reason,
        request_id=current_request_id(),
    )


def audit_record_many(
    *,
    objs: Iterable[models.Model],
    action: AuditAction,
    actor: Actor = None,
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    reason: str = "",
) -> list[AuditEvent]:
    """`audit_record` for many objects of one model that underwent the same change, in one
    INSERT (a batch of background work: the loans submitter records 50 status changes)."""
    if not isinstance(action, AuditAction):
        raise TypeError(
            f"audit action {action!r} is not an AuditAction: declare it in the app's enum"
        )
    user, label = _actor_fields(actor)
    request_id = current_request_id()
    events = [
        AuditEvent(
            actor=user,
            actor_label=label[:150],
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action=action,
            changes=dict(changes or {}),
            reason=reason,
            request_id=request_id,
        )
        for obj in objs
    ]
    return AuditEvent.objects.bulk_create(events)


def audit_timeline(obj: models.Model) -> QuerySet[AuditEvent]:
    """Events about `obj`, newest first."""
    return (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )
        .select_related("actor", "content_type")
        .order_by("-created_at", "-id")
    )


# --- the trail for people ------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    actor: str
    action: str
    action_label: str
    changes: list[Change]
    reason: str
    request_id: str


def describe_events(events: Iterable[AuditEvent]) -> list[Entry]:
    """Events as people read them: the action's label, each changed field by its label and
    its values as the pages show them (choice labels, names of related records, dates in the
    person's zone, amounts with separators). Related records are read in one query per
    model, whatever the number of events."""
    events = list(events)
    related: dict[type[models.Model], set[Any]] = defaultdict(set)
    fields_of: dict[int, dict[str, models.Field | None]] = {}
    for event in events:
        model = event.content_type.model_class() if event.content_type_id else None
        fields: dict[str, models.Field | None] = {}
        for name, change in (event.changes or {}).items():
            field = _change_field(model, name)
            fields[name] = field
            if field is not None and field.many_to_one and isinstance(change, Mapping):
                for value in (change.get("from"), change.get("to")):
                    if (key := _primary_key(field.related_model, value)) is not None:
                        related[field.related_model].add(key)
        fields_of[id(event)] = fields
    names: dict[type[models.Model], dict[str, str]] = {}
    for model, keys in related.items():
        names[model] = {str(obj.pk): str(obj) for obj in model._default_manager.filter(pk__in=keys)}
    entries = []
    for event in events:
        fields = fields_of[id(event)]
        changes = []
        # In the model's field order (PostgreSQL's jsonb does not keep the keys' order).
        for name, change in sorted((event.changes or {}).items(), key=_field_order(fields)):
            field = fields.get(name)
            before, after = (
                (change.get("from"), change.get("to"))
                if isinstance(change, Mapping)
                else (None, change)
            )
            label = (
                present.field_label(field.model, name)
                if field is not None
                else name.removesuffix("_id").replace("_", " ").capitalize()
            )
            changes.append(
                Change(name, label, _show(field, before, names), _show(field, after, names))
            )
        entries.append(
            Entry(
                at=event.created_at,
                actor=event.actor_label,
                action=event.action,
                action_label=action_label(event.action),
                changes=changes,
                reason=event.reason,
                request_id=event.request_id,
            )
        )
    return entries


def _change_field(model: type[models.Model] | None, name: str) -> models.Field | None:
    """The field a change key describes: one of the event's model, or else a field of that
    name with choices in another model of the same app (a call's `outcome` on an account)."""
    if model is None:
        return None
    field = present.model_field(model, name)
    if field is not None:
        return field
    for other in model._meta.app_config.get_models():
        candidate = present.model_field(other, name)
        if candidate is not None and candidate.choices:
            return candidate
    return None


def _primary_key(model: type[models.Model], value: Any) -> Any:
    """`value` as `model`'s primary key, or None when it cannot be one (an older row that
    stored a name where an id is expected)."""
    if value in (None, ""):
        return None
    try:
        return model._meta.pk.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return None


def _field_order(fields: Mapping[str, models.Field | None]):
    def key(item: tuple[str, Any]) -> tuple[int, str]:
        field = fields.get(item[0])
        return (field.creation_counter if field is not None else 1 << 30, item[0])

    return key


def _show(field: models.Field | None, value: Any, names: Mapping) -> str:
    if value is None or value == "":
        return present.EMPTY
    if field is None:
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if field.many_to_one:
        return names.get(field.related_model, {}).get(str(value), str(value))
    if field.choices:
        return present.choice_label(value, field.choices)
    if isinstance(field, models.DateTimeField):
        return present.moment(value)
    if isinstance(field, models.DateField):
        return present.day(value)
    if isinstance(field, models.BooleanField):
        return "yes" if value else "no"
    if isinstance(field, models.DecimalField | models.FloatField):
        return present.number_text(value)
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
