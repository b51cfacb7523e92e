"""Points of contact: phones in E.164, exactly one primary per account."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import phonenumbers
from django.db import IntegrityError, transaction

from core.audit import Actor, audit_record, diff
from core.errors import ApplicationError, ConflictError, NotFoundError
from kam.models import KamAction, PointOfContact, Restaurant
from kam.services.common import full_clean, invalid, locked_account, snapshot

CONTACT_FIELDS = ("name", "role", "phone", "email", "preferred_hours", "is_primary")
#: What a contact update records besides the contact's name (`changes["contact"]`).
AUDITED_FIELDS = tuple(name for name in CONTACT_FIELDS if name != "name")


def normalise_phone(value: str, *, country: str) -> str:
    """A phone number in E.164 (+33612345678); national numbers are read in `country`."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise invalid({"phone": ["Enter a valid phone number, e.g. +33 6 12 34 56 78."]}) from None
    if not phonenumbers.is_valid_number(number):
        raise invalid({"phone": ["This phone number does not exist; check the digits."]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _save_contact(contact: PointOfContact) -> None:
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise ConflictError(
            "Another primary contact was set at the same time; try again.",
            fields={"is_primary": ["The account already has a primary contact."]},
        ) from None


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(CONTACT_FIELDS))
    if unknown:
        raise invalid({name: ["Not a detail of a contact."] for name in unknown})


def _contact_errors(
    contact: PointOfContact,
    *,
    country: str,
    given: Iterable[str] = CONTACT_FIELDS,
    phone_given: bool = True,
    was_primary: bool = False,
) -> dict[str, list[str]]:
    """The one cleaning of a contact, created or changed: trimmed text, the phone in E.164
    (read in the account's country), the model's own rules, and a primary that stays one;
    every field's problem at once, for the `given` fields only."""
    given = set(given)
    for name in ("name", "email", "preferred_hours"):
        setattr(contact, name, (getattr(contact, name) or "").strip())
    errors: dict[str, list[str]] = {}
    if phone_given and "phone" in given:
        try:
            contact.phone = normalise_phone(contact.phone, country=country)
        except ApplicationError as error:
            errors.update(error.fields)
    exclude = ["restaurant", *(n for n in CONTACT_FIELDS if n not in given), *errors]
    try:
        full_clean(contact, exclude=exclude)
    except ApplicationError as error:
        errors.update(error.fields)
    if was_primary and "is_primary" in given and not contact.is_primary:
        errors["is_primary"] = ["Make another contact primary instead; an account keeps one."]
    return errors


def _clean(contact: PointOfContact, **kwargs: Any) -> None:
    if errors := _contact_errors(contact, **kwargs):
        raise invalid(errors)


def contact_check(*, restaurant_id: int, contact_id: int | None = None, **fields: Any) -> None:
    """The service's rules on some of a contact's details (a new one of the account, or the
    contact `contact_id`), without saving: a page whose form refused other fields calls it
    so that one submit shows every field's message. Raises the ApplicationError
    `contact_create` / `contact_update` would for these fields."""
    fields = {name: value for name, value in fields.items() if name in CONTACT_FIELDS}
    country = Restaurant.objects.filter(pk=restaurant_id).values_list("country", flat=True).first()
    was_primary = contact_id is not None and (
        PointOfContact.objects.filter(pk=contact_id, is_primary=True).exists()
    )
    contact = PointOfContact(**fields)
    _clean(contact, country=country or "", given=fields, was_primary=was_primary)


@transaction.atomic
def contact_create(*, actor: Actor, restaurant_id: int, **fields: Any) -> PointOfContact:
    """A point of contact (`fields`: `CONTACT_FIELDS`). The first one of an account is its
    primary; a new primary takes over from the previous one (exactly one per account, by a
    partial unique constraint)."""
    _check_fields(fields)
    account = locked_account(actor=actor, restaurant_id=restaurant_id)
    contact = PointOfContact(restaurant=account, **fields)
    _clean(contact, country=account.country)
    has_primary = account.contacts.filter(is_primary=True).exists()
    if not has_primary:
        contact.is_primary = True
    elif contact.is_primary:
        account.contacts.filter(is_primary=True).update(is_primary=False)
    _save_contact(contact)
    audit_record(
        obj=account,
        action=KamAction.CONTACT_ADDED,
        actor=actor,
        changes=diff({}, {"contact": str(contact), "primary": contact.is_primary}),
    )
    return contact


def _locked_contact(*, actor: Actor, contact_id: int) -> PointOfContact:
    contact = PointOfContact.objects.select_related("restaurant").filter(pk=contact_id).first()
    if contact is None:
        raise NotFoundError("No such contact.")
    locked_account(actor=actor, restaurant_id=contact.restaurant_id)
    return contact


@transaction.atomic
def contact_update(*, actor: Actor, contact_id: int, **fields: Any) -> PointOfContact:
    """Change a contact's details (`fields`: `CONTACT_FIELDS`); making it primary takes over
    from the previous primary, and the primary stays one until another takes over."""
    _check_fields(fields)
    contact = _locked_contact(actor=actor, contact_id=contact_id)
    account = contact.restaurant
    before = snapshot(contact, AUDITED_FIELDS)
    name_before = contact.name
    for name, value in fields.items():
        setattr(contact, name, value)
    # A stored phone is already E.164 (or older than this rule): only a new one is read.
    _clean(
        contact,
        country=account.country,
        phone_given="phone" in fields,
        was_primary=before["is_primary"],
    )
    if contact.is_primary and not before["is_primary"]:
        account.contacts.filter(is_primary=True).update(is_primary=False)
    _save_contact(contact)
    changes = diff(before, snapshot(contact, AUDITED_FIELDS))
    if changes or name_before != contact.name:
        # Which contact: its name (before -> after) leads the changes of the account's trail.
        audit_record(
            obj=account,
            action=KamAction.CONTACT_UPDATED,
            actor=actor,
            changes={"contact": {"from": name_before, "to": contact.name}, **changes},
        )
    return contact


@transaction.atomic
def contact_delete(*, actor: Actor, contact_id: int) -> None:
    """Remove a contact; when it was the primary, the oldest remaining one takes over."""
    contact = _locked_contact(actor=actor, contact_id=contact_id)
    account = contact.restaurant
    was_primary = contact.is_primary
    label = str(contact)
    contact.delete()
    if was_primary:
        successor = account.contacts.order_by("created_at", "id").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])
    audit_record(
        obj=account,
        action=KamAction.CONTACT_REMOVED,
        actor=actor,
        changes=diff({"contact": label}, {}),
    )
