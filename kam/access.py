"""Who may do what with key accounts.

- Key-account managers (KAMs) see and change only the accounts they own; another KAM's
  account answers 404, as if it did not exist. Ownership is read on every request, so a
  reassigned account disappears for its previous KAM at once.
- Key-account manager leads (and superusers) see and change every account, and reassign.
- Everybody else: 403 (API and pages); anonymous API calls: 401.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from core.roles import Role, has_role

User = AbstractBaseUser | AnonymousUser


def is_kam_lead(user: User) -> bool:
    return has_role(user, Role.KEY_ACCOUNT_MANAGER_LEAD)


def works_on_accounts(user: User) -> bool:
    return has_role(user, Role.KEY_ACCOUNT_MANAGER, Role.KEY_ACCOUNT_MANAGER_LEAD)


def can_own_accounts(user) -> bool:
    """An account's owner is an active KAM (or a KAM lead)."""
    return bool(user is not None and user.is_active and works_on_accounts(user))


def can_change(user: User, restaurant) -> bool:
    return is_kam_lead(user) or (works_on_accounts(user) and restaurant.owner_id == user.pk)
