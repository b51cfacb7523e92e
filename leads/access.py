"""Who may do what with leads.

- Sales agents see, edit and qualify the leads they own; a lead they create is theirs.
- Staff (and superusers) see, edit and qualify every lead and may give a lead to any agent.
- Everybody else has no business with leads: the API answers 403, the pages 403.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from core.roles import Role, has_role

User = AbstractBaseUser | AnonymousUser


def sees_all_leads(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def works_on_leads(user: User) -> bool:
    return sees_all_leads(user) or has_role(user, Role.SALES_AGENT)


def can_qualify(user: User, lead) -> bool:
    if sees_all_leads(user):
        return True
    return has_role(user, Role.SALES_AGENT) and lead.owner_id == user.pk


def can_own_leads(user) -> bool:
    """A lead's owner is a sales agent (or a member of staff)."""
    return bool(user.is_active and (sees_all_leads(user) or has_role(user, Role.SALES_AGENT)))
