"""What every write of the key accounts app shares: field errors, model validation, audit
snapshots, and the row-locked account a caller may change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from core.audit import Actor
from core.errors import ApplicationError, NotFoundError
from kam.access import can_change, can_own_accounts
from kam.models import PointOfContact, Restaurant


def invalid(fields: dict[str, list[str] | str], message: str | None = None) -> ApplicationError:
    return ApplicationError(
        message or "Some fields are not valid: " + ", ".join(sorted(fields)) + ".",
        code="validation_error",
        fields=fields,
    )


def full_clean(obj, *, exclude: Iterable[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise invalid(
            {
                ("non_field_errors" if name == "__all__" else name): messages
                for name, messages in error.message_dict.items()
            }
        ) from None


def snapshot(obj, names: Iterable[str]) -> dict[str, Any]:
    return {name: plain(getattr(obj, name)) for name in names}


def plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def locked_account(*, actor: Actor, restaurant_id: int) -> Restaurant:
    """The account, row-locked, if `actor` may change it; otherwise 404 (never reveal)."""
    account = Restaurant.objects.select_for_update().filter(pk=restaurant_id).first()
    if account is None or (not isinstance(actor, str) and not can_change(actor, account)):
        raise NotFoundError("No such account.")
    return account


def kam_of(user_id: int | None, *, field: str):
    """The user `user_id` names, if they may own accounts (an active KAM or KAM lead);
    otherwise a 400 on `field`."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id is not None else None
    if user is None:
        raise invalid({field: ["Choose a key-account manager."]})
    if not can_own_accounts(user):
        raise invalid({field: [f"{user.get_username()} is not an active key-account manager."]})
    return user


def check_contact(account: Restaurant, contact_id: int | None) -> PointOfContact | None:
    if contact_id is None:
        return None
    contact = PointOfContact.objects.filter(pk=contact_id).first()
    if contact is None or contact.restaurant_id != account.pk:
        raise invalid({"contact": ["Choose a contact of this restaurant."]})
    return contact
