"""Reads of loan applications: the list page, the API, the admin and the dashboard ask here.

Everyone who may view loans sees every application (the role table has no "own" scope for
loans); a user who may not sees none.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db.models import Count, Min, QuerySet

from core.access import User
from core.audit import audit_timeline
from core.models import AuditEvent
from core.selectors import search_words
from loans.access import can_view_loans
from loans.models import LoanApplication, Status


def loan_application_list(
    *,
    user: User | None = None,
    status: str | Iterable[str] | None = None,
    search: str | None = None,
    currency: str | None = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
) -> QuerySet[LoanApplication]:
    """Applications, newest first.

    `status`: one or several; `search`: words, each found in the first name, last name or email
    (case-insensitive); `currency`: case-insensitive; `created_from` / `created_to`: days
    (inclusive) in the current time zone. `user`: whose view (None: the system's, all).
    """
    applications = LoanApplication.objects.select_related("created_by").order_by("-created_at")
    if user is not None and not can_view_loans(user):
        return applications.none()
    if status:
        statuses = [status] if isinstance(status, str) else list(status)
        applications = applications.filter(status__in=statuses)
    applications = search_words(applications, search, ["first_name", "last_name", "email"])
    if currency:
        applications = applications.filter(currency__iexact=currency)
    if created_from is not None:
        applications = applications.filter(created_at__date__gte=created_from)
    if created_to is not None:
        applications = applications.filter(created_at__date__lte=created_to)
    return applications


def loan_application_rows(applications: QuerySet[LoanApplication]) -> QuerySet[LoanApplication]:
    """`loan_application_list` as the API's list shows it: the application's own columns
    (not who created it)."""
    return applications.select_related(None)


def loan_application_get(
    *, user: User | None = None, application_id: uuid.UUID | str
) -> LoanApplication | None:
    """One application, or None when there is none (or `user` may not see it)."""
    return loan_application_list(user=user).filter(id=application_id).first()


def loan_application_history(*, application: LoanApplication) -> QuerySet[AuditEvent]:
    """The application's audit trail, newest first."""
    return audit_timeline(application)


def loan_application_status_counts(*, user: User | None = None) -> dict[str, int]:
    """How many applications are in each status (every status, zeros included)."""
    applications = loan_application_list(user=user).order_by()
    counts = dict(applications.values_list("status").annotate(n=Count("id")))
    return {status.value: counts.get(status.value, 0) for status in Status}


def loan_queues_oldest_due_age(*, now: dt.datetime) -> dict[str, float]:
    """Seconds since the oldest due row of each database queue became due: `submissions`
    (new applications to send to the bank) and `polls` (pending ones to ask about); 0 when
    none is due. One query per queue, on the dispatcher's index (`loans_due_idx`)."""
    queues = {"submissions": Status.NEW, "polls": Status.PENDING}
    ages = {}
    for name, status in queues.items():
        oldest = LoanApplication.objects.filter(status=status, next_attempt_at__lte=now).aggregate(
            oldest=Min("next_attempt_at")
        )["oldest"]
        ages[name] = max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
    return ages


def search_hits(*, user: User, text: str, limit: int) -> list:
    """The top bar's search: applications by name, email or application id."""
    from django.urls import reverse

    from core import present
    from core.search import SearchHit

    applications = loan_application_list(user=user)
    try:
        found = applications.filter(id=uuid.UUID(text.strip()))
    except ValueError:
        found = search_words(applications, text, ["first_name", "last_name", "email"])
    return [
        SearchHit(
            title=f"{a.first_name} {a.last_name}",
            url=reverse("loans:detail", args=[a.id]),
            details=(
                present.choice_label(a.status, Status),
                present.money(a.amount, a.currency),
                a.email,
            ),
        )
        for a in found.order_by("-created_at", "pk")[:limit]
    ]
