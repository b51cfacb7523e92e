"""Reassignment: KAM leads give accounts to another KAM (audited; access moves at once)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from core.audit import Actor, audit_record, diff
from core.errors import ApplicationError, PermissionDeniedError
from kam.access import can_reassign
from kam.models import KamAction, Restaurant
from kam.services.common import invalid, kam_of


@transaction.atomic
def accounts_reassign(
    *, actor: Actor, restaurant_ids: Iterable[int], kam_id: int, reason: str
) -> int:
    """Give accounts to the KAM `kam_id` (KAM leads only), each change audited with the
    reason. Access follows the owner column, so the previous KAM loses access at once."""
    if not isinstance(actor, str) and not can_reassign(actor):
        raise PermissionDeniedError("Only a key-account manager lead may reassign accounts.")
    reason = (reason or "").strip()
    fields: dict[str, list[str]] = {}
    if not reason:
        fields["reason"] = ["Say why the accounts change hands."]
    new_owner = None
    try:
        new_owner = kam_of(kam_id, field="kam")
    except ApplicationError as error:
        fields.update(error.fields)
    ids = sorted(set(restaurant_ids))
    if not ids:
        fields["accounts"] = ["Choose at least one account."]
    if fields:
        raise invalid(fields)
    accounts = list(Restaurant.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    missing = set(ids) - {a.pk for a in accounts}
    if missing:
        raise invalid({"accounts": [f"Unknown accounts: {', '.join(map(str, sorted(missing)))}."]})
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
