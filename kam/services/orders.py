"""Orders: amount > 0 in the account's currency; each one refreshes the account's band."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from core.audit import Actor
from core.boundary import EVENT, out_of_range_fields
from core.errors import ApplicationError
from kam.models import Order
from kam.services.common import check_contact, invalid, locked_account
from kam.services.performance import performance_refresh


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
    account = locked_account(actor=actor, restaurant_id=restaurant_id)
    currency = (currency or account.currency).strip().upper()
    if currency != account.currency:
        fields["currency"] = [f"This account orders in {account.currency}."]
    try:
        contact = check_contact(account, contact_id)
    except ApplicationError as error:
        fields.update(error.fields)
        contact = None
    if fields:
        raise invalid(fields)
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
