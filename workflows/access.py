"""Who may do what with workflows: the workflows rows of the role table in `core.access`.

Loan officers, analysts and risk analysts start runs and read every run: capturing a
customer's income and expenditure is part of their work. A definition may narrow who starts
it with `roles:` (the starter must also hold one of those roles). Others get 403.
"""

from __future__ import annotations

from core.access import User, can
from core.roles import Role, has_role

APP = "workflows"


def can_use_workflows(user: User) -> bool:
    return can(user, APP, "view")


def can_start(user: User, definition_roles: list[str] | tuple[str, ...] = ()) -> bool:
    if not can(user, APP, "start"):
        return False
    if not definition_roles:
        return True
    return has_role(user, *(Role(value) for value in definition_roles))


def sees_definition_problems(user: User) -> bool:
    return can(user, APP, "manage")
