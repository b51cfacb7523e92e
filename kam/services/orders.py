"""Orders: amount > 0 in the account's currency; each one refreshes the account's band."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import Actor
from core.boundary import EVENT, out_of_range_fields
from core.errors import ApplicationError, NotFoundError
from kam.models import Order, Restaurant
from kam.services.common import check_contact, invalid, locked_account
from kam.services.performance import performance_refresh


def _order_errors(
    fields: dict[str, Any], *, account: Restaurant, now: dt.datetime
) -> tuple[dict[str, list[str]], Decimal | None]:
    """Every rule an order breaks, field by field, for the `fields` given (a form's check
    leaves out what it refused itself); and the amount as a Decimal."""
    errors: dict[str, list[str]] = {}
    value = None
    if "amount" in fields:
        try:
            value = Decimal(str(fields["amount"]))
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite() or value <= 0:
            errors["amount"] = ["Enter an amount greater than zero."]
        elif value != value.quantize(Decimal("0.01")) or value >= Decimal("1e10"):
            errors["amount"] = ["At most 10 digits before the decimal point and 2 after it."]
    if "placed_at" in fields:
        errors.update(out_of_range_fields({"placed_at": (fields["placed_at"], EVENT)}, now=now))
    if "currency" in fields:
        currency = (fields["currency"] or account.currency).strip().upper()
        if currency != account.currency:
            errors["currency"] = [f"This account orders in {account.currency}."]
    if fields.get("contact_id") is not None:
        try:
            check_contact(account, fields["contact_id"])
        except ApplicationError as error:
            errors.update(error.fields)
    return errors, value


def order_check(*, restaurant_id: int, now: dt.datetime | None = None, **fields: Any) -> None:
    """The service's rules on some of an order's fields (`order_log`'s arguments), without
    saving: a page whose form refused other fields calls it so that one submit shows every
    field's message. Raises the ApplicationError `order_log` would for these fields."""
    names = ("amount", "currency", "placed_at", "contact_id", "details")
    fields = {name: value for name, value in fields.items() if name in names}
    account = Restaurant.objects.filter(pk=restaurant_id).first()
    if account is None:
        raise NotFoundError("No such account.")
    errors, _ = _order_errors(fields, account=account, now=now or timezone.now())
    if errors:
        raise invalid(errors)


@transaction.atomic
def order_log(
    *,
    actor: Actor,
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
    account = locked_account(actor=actor, restaurant_id=restaurant_id)
    fields = {"amount": amount, "currency": currency, "placed_at": placed_at,
              "contact_id": contact_id}  # fmt: skip
    errors, value = _order_errors(fields, account=account, now=now)
    if errors:
        raise invalid(errors)
    order = Order.objects.create(
        restaurant=account,
        contact=check_contact(account, contact_id),
        amount=value,
        currency=(currency or account.currency).strip().upper(),
        placed_at=placed_at,
        details=(details or "").strip(),
        created_by=None if isinstance(actor, str) else actor,
    )
    performance_refresh(restaurant_ids=[account.pk], now=now)
    return order
