"""Who may do what with key accounts: the kam rows of the role table in `core.access`.

- Key-account managers (KAMs) see and change only the accounts they own; another KAM's
  account answers 404, as if it did not exist. Ownership is read on every request, so a
  reassigned account disappears for its previous KAM at once.
- Key-account manager leads see and change every account, and reassign.
- Everybody else: 403 (API and pages); anonymous API calls: 401.
"""

from __future__ import annotations

from core.access import ALL, User, can, scope, users_who_can

APP = "kam"


def is_kam_lead(user: User) -> bool:
    """Sees every account (and so every KAM's calls)."""
    return scope(user, APP, "view") is ALL


def works_on_accounts(user: User) -> bool:
    return can(user, APP, "view")


def can_reassign(user: User) -> bool:
    return can(user, APP, "reassign")


def can_own_accounts(user) -> bool:
    """An account's owner is an active user who may change their own accounts (a KAM or a
    KAM lead)."""
    return bool(user is not None and user.is_active and can(user, APP, "change", owner_id=user.pk))


def can_change(user: User, restaurant) -> bool:
    return can(user, APP, "change", owner_id=restaurant.owner_id)


def possible_owners():
    return users_who_can(APP, "change")
