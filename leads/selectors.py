"""Reads of the leads app."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from leads.access import User, sees_all_leads, works_on_leads
from leads.models import ACTIVE_RUN_STATUSES, Lead, QualificationRun, Stage


def lead_list(*, user: User, stage: str | None = None) -> QuerySet[Lead]:
    """The leads `user` may see (all for staff, their own for a sales agent, none else)."""
    leads = Lead.objects.select_related("owner")
    if not works_on_leads(user):
        return leads.none()
    if not sees_all_leads(user):
        leads = leads.filter(owner_id=user.pk)
    if stage:
        leads = leads.filter(stage=stage)
    return leads


def lead_get(*, user: User, lead_id: int) -> Lead | None:
    return lead_list(user=user).filter(pk=lead_id).first()


def run_list(*, user: User, lead_id: int | None = None) -> QuerySet[QualificationRun]:
    runs = (
        QualificationRun.objects.select_related("lead", "lead__owner", "requested_by")
        .prefetch_related("checks")
        .filter(lead__in=lead_list(user=user))
    )
    if lead_id is not None:
        runs = runs.filter(lead_id=lead_id)
    return runs


def lead_runs(lead: Lead, *, limit: int = 20) -> QuerySet[QualificationRun]:
    return (
        lead.runs.select_related("requested_by")
        .prefetch_related("checks")
        .order_by("-created_at", "-id")[:limit]
    )


def active_run(lead: Lead) -> QualificationRun | None:
    return lead.runs.filter(status__in=ACTIVE_RUN_STATUSES).first()


def pending_lead_ids() -> list[int]:
    """Leads still to be decided (stage lead or needs review) with no run under way."""
    return list(
        Lead.objects.filter(stage__in=[Stage.LEAD, Stage.NEEDS_REVIEW])
        .exclude(runs__status__in=ACTIVE_RUN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def stage_counts(*, user: User) -> dict[str, int]:
    counts = dict(lead_list(user=user).order_by().values_list("stage").annotate(n=Count("pk")))
    return {stage.value: counts.get(stage.value, 0) for stage in Stage}


def pipeline(*, user: User, per_column: int = 100) -> dict[str, list[Lead]]:
    leads = lead_list(user=user)
    return {stage.value: list(leads.filter(stage=stage)[:per_column]) for stage in Stage}
