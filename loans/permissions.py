"""Who may do what with loan applications.

Loan officers (and superusers) create and follow applications and act on them; analysts
and risk analysts may read them. Everyone else is refused, in the API and on the pages.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import Role, has_role

WRITERS = (Role.LOAN_OFFICER,)
READERS = (Role.LOAN_OFFICER, Role.ANALYST, Role.RISK_ANALYST)


def can_view_loans(user) -> bool:
    return has_role(user, *READERS)


def can_manage_loans(user) -> bool:
    return has_role(user, *WRITERS)


class LoansPermission(BasePermission):
    message = "Loan applications are for loan officers (analysts may read them)."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return can_view_loans(request.user)
        return can_manage_loans(request.user)
