"""Reassignment: KAM leads give accounts to another KAM (audited; access moves at once)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from core.audit import Actor, audit_record, diff
from core.errors import ApplicationError, PermissionDeniedError
from kam.access import can_reassign
from kam.models import KamAction, Restaurant
from kam.services.common import invalid, kam_of

_ABSENT = object()


def _check(*, restaurant_ids=_ABSENT, kam_id=_ABSENT, reason=_ABSENT, found=None):
    """Every field's problem at once, for the fields given; the new owner when named."""
    fields: dict[str, list[str]] = {}
    if reason is not _ABSENT and not (reason or "").strip():
        fields["reason"] = ["Say why the accounts change hands."]
    new_owner = None
    if kam_id is not _ABSENT:
        try:
            new_owner = kam_of(kam_id, field="kam")
        except ApplicationError as error:
            fields.update(error.fields)
    if restaurant_ids is not _ABSENT:
        ids = set(restaurant_ids or ())
        if found is None:
            found = Restaurant.objects.filter(pk__in=ids)
        missing = ids - {a.pk for a in found}
        if not ids:
            fields["accounts"] = ["Choose at least one account."]
        elif missing:
            fields["accounts"] = [f"Unknown accounts: {', '.join(map(str, sorted(missing)))}."]
    if fields:
        raise invalid(fields)
    return new_owner


def reassign_check(**fields: Any) -> None:
    """The service's rules on some of a reassignment's fields (`restaurant_ids`, `kam_id`,
    `reason`), without writing: a page whose form refused other fields calls it so that
    one submit shows every field's message (and before it asks for confirmation)."""
    names = ("restaurant_ids", "kam_id", "reason")
    _check(**{name: value for name, value in fields.items() if name in names})


@transaction.atomic
def accounts_reassign(
    *, actor: Actor, restaurant_ids: Iterable[int], kam_id: int, reason: str
) -> int:
    """Give accounts to the KAM `kam_id` (KAM leads only), each change audited with the
    reason. Access follows the owner column, so the previous KAM loses access at once."""
    if not isinstance(actor, str) and not can_reassign(actor):
        raise PermissionDeniedError("Only a key-account manager lead may reassign accounts.")
    ids = sorted(set(restaurant_ids))
    accounts = list(Restaurant.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    new_owner = _check(restaurant_ids=ids, kam_id=kam_id, reason=reason, found=accounts)
    moved = 0
    for account in accounts:
        if account.owner_id == new_owner.pk:
            continue
        before = account.owner_id
        account.owner = new_owner
        account.save(update_fields=["owner", "updated_at"])
        audit_record(
            obj=account,
            action=KamAction.REASSIGNED,
            actor=actor,
            changes=diff({"owner_id": before}, {"owner_id": new_owner.pk}),
            reason=reason,
        )
        moved += 1
    return moved
