"""Who may do what with leads: the leads rows of the role table in `core.access`.

Sales agents see, edit and qualify the leads they own (a lead they create is theirs); sales
managers see, edit and qualify every lead and give leads to agents. Someone else's lead
answers 404, as if it did not exist.
"""

from __future__ import annotations

from core.access import ALL, User, can, scope, users_who_can

APP = "leads"


def sees_all_leads(user: User) -> bool:
    return scope(user, APP, "view") is ALL


def works_on_leads(user: User) -> bool:
    return can(user, APP, "view")


def can_qualify(user: User, lead) -> bool:
    return can(user, APP, "qualify", owner_id=lead.owner_id)


def can_qualify_any(user: User) -> bool:
    """May qualify some leads (their own at least): the pipeline offers its checkboxes."""
    return can(user, APP, "qualify")


def can_change(user: User, lead) -> bool:
    return can(user, APP, "change", owner_id=lead.owner_id)


def can_assign(user: User) -> bool:
    return can(user, APP, "assign")


def can_own_leads(user) -> bool:
    """A lead's owner is an active user who may create leads (a sales agent or manager)."""
    return bool(user is not None and user.is_active and can(user, APP, "create"))


def sales_agents():
    """Who may be in charge of a lead (active users who may create leads)."""
    return users_who_can(APP, "create")
