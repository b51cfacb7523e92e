"""Who may do what with workflows.

Staff, loan officers, analysts and risk analysts (superusers hold every role) start runs and
read every run: capturing a customer's income and expenditure is part of their work. A
definition may narrow who starts it with `roles:`; staff always may. Others get 403.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from core.roles import Role, has_role

RUNNER_ROLES = (Role.LOAN_OFFICER, Role.ANALYST, Role.RISK_ANALYST)


def can_use_workflows(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or has_role(user, *RUNNER_ROLES)))


def can_start(user, definition_roles: list[str] | tuple[str, ...] = ()) -> bool:
    if not definition_roles:
        return can_use_workflows(user)
    roles = [Role(value) for value in definition_roles]
    return bool(user.is_authenticated and (user.is_staff or has_role(user, *roles)))


class WorkflowsPermission(BasePermission):
    message = "Workflows are for staff, loan officers, analysts and risk analysts."

    def has_permission(self, request, view) -> bool:
        return can_use_workflows(request.user)
