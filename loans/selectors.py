"""Reads of loan applications."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from loans.models import LoanApplication, Status


def loan_application_list() -> QuerySet[LoanApplication]:
    return LoanApplication.objects.select_related("created_by").order_by("-created_at")


def loan_application_status_counts() -> dict[str, int]:
    counts = dict(LoanApplication.objects.order_by().values_list("status").annotate(n=Count("id")))
    return {status.value: counts.get(status.value, 0) for status in Status}
