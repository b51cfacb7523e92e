"""Who may do what with loan applications: the loans rows of the role table in `core.access`.

Loan officers create applications, follow them and act on them (re-submit, poll now);
analysts and risk analysts read them. Everyone else is refused, in the API and on the pages.
"""

from __future__ import annotations

from core.access import User, can

APP = "loans"


def can_view_loans(user: User) -> bool:
    return can(user, APP, "view")


def can_create_loans(user: User) -> bool:
    return can(user, APP, "create")


def can_resubmit(user: User) -> bool:
    return can(user, APP, "resubmit")
