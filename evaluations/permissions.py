"""Who may do what: every signed-in user reads; staff, analysts and risk analysts evaluate."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import Role, has_role

WRITER_ROLES = (Role.ANALYST, Role.RISK_ANALYST)


def can_evaluate(user) -> bool:
    """Create and re-evaluate: staff, or the Analyst / Risk analyst roles (superusers too)."""
    return bool(user.is_authenticated and (user.is_staff or has_role(user, *WRITER_ROLES)))


class CanEvaluateOrReadOnly(BasePermission):
    message = "Evaluating companies is for staff, analysts and risk analysts."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or can_evaluate(request.user)
