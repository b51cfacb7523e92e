"""Who may do what with supplier evaluations: the evaluations rows of the role table in
`core.access`. Every role reads them; analysts and risk analysts evaluate and re-evaluate."""

from __future__ import annotations

from core.access import User, can

APP = "evaluations"


def can_view_evaluations(user: User) -> bool:
    return can(user, APP, "view")


def can_evaluate(user: User) -> bool:
    """Create and re-evaluate."""
    return can(user, APP, "evaluate")
