"""Write and read the audit trail (`core.models.AuditEvent`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from core.models import AuditEvent
from core.request_id import current_request_id

Actor = AbstractBaseUser | AnonymousUser | str | None


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
    action: str,
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


def audit_timeline(obj: models.Model) -> QuerySet[AuditEvent]:
    """Events about `obj`, newest first."""
    return (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
