"""Roles are Django groups (created by a data migration); this module names them once.

What each role may do is declared in `core.access` (the role table).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models


class Role(models.TextChoices):
    SALES_AGENT = "sales_agent", "Sales agent"
    SALES_MANAGER = "sales_manager", "Sales manager"
    LOAN_OFFICER = "loan_officer", "Loan officer"
    KEY_ACCOUNT_MANAGER = "key_account_manager", "Key-account manager"
    KEY_ACCOUNT_MANAGER_LEAD = "key_account_manager_lead", "Key-account manager lead"
    ANALYST = "analyst", "Analyst"
    RISK_ANALYST = "risk_analyst", "Risk analyst"

    @property
    def group_name(self) -> str:
        """The Django group that carries this role (its human label)."""
        return str(self.label)

    @property
    def plural(self) -> str:
        """'key-account manager leads': the label in a sentence."""
        label = str(self.label)
        return label[0].lower() + label[1:] + "s"


def user_roles(user: AbstractBaseUser | AnonymousUser) -> set[Role]:
    """The roles a user holds. Cached on the user object for the request."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_core_roles", None)
    if cached is None:
        by_group = {role.group_name: role for role in Role}
        names = user.groups.values_list("name", flat=True)  # type: ignore[attr-defined]
        cached = {by_group[name] for name in names if name in by_group}
        user._core_roles = cached  # type: ignore[attr-defined]
    return cached


def has_role(user: AbstractBaseUser | AnonymousUser, *roles: Role) -> bool:
    """True when the user holds any of `roles`. Superusers hold every role."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return bool(user_roles(user) & set(roles))
