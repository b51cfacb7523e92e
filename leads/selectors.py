"""Reads of the leads app: every page, API view, admin action and command reads through here.

What a user may see is decided once, in `lead_list` (`leads.access`: a sales agent their own
leads, a sales manager all, anyone else none); every other read of leads or runs starts from it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, JSONField, OuterRef, QuerySet, Subquery

from core.audit import audit_timeline
from core.models import AuditEvent
from core.selectors import search_words
from leads.access import User, sees_all_leads, works_on_leads
from leads.models import ACTIVE_RUN_STATUSES, Lead, QualificationRun, Stage


def lead_list(
    *,
    user: User,
    stage: str | None = None,
    owner_id: int | None = None,
    search: str | None = None,
) -> QuerySet[Lead]:
    """The leads `user` may see, newest first, optionally of one stage or one owner;
    `search`: words, each in the names, email or national id."""
    leads = Lead.objects.select_related("owner")
    if not works_on_leads(user):
        return leads.none()
    if not sees_all_leads(user):
        leads = leads.filter(owner_id=user.pk)
    if stage:
        leads = leads.filter(stage=stage)
    if owner_id is not None:
        leads = leads.filter(owner_id=owner_id)
    return search_words(leads, search, ["first_name", "last_name", "email", "national_id"])


def lead_rows(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """`lead_list` as a list shows it: the lead's columns and the owner's username only."""
    return leads.only(*(f.name for f in Lead._meta.concrete_fields), "owner__username")


def lead_get(*, user: User, lead_id: int) -> Lead | None:
    return lead_list(user=user).filter(pk=lead_id).first()


def lead_history(*, lead: Lead, limit: int = 20) -> list[AuditEvent]:
    """The lead's audit trail, newest first (`lead` as `lead_get` gave it)."""
    return list(audit_timeline(lead)[:limit])


def run_list(
    *,
    user: User,
    lead_id: int | None = None,
    status: str | None = None,
    outcome: str | None = None,
) -> QuerySet[QualificationRun]:
    """The runs of the leads `user` may see, newest first, each with its checks."""
    runs = (
        QualificationRun.objects.select_related("lead", "lead__owner", "requested_by")
        .prefetch_related("checks")
        .filter(lead__in=lead_list(user=user))
    )
    if lead_id is not None:
        runs = runs.filter(lead_id=lead_id)
    if status:
        runs = runs.filter(status=status)
    if outcome:
        runs = runs.filter(outcome=outcome)
    return runs


def pending_lead_ids() -> list[int]:
    """Leads still to be decided (stage lead or needs review) with no run under way."""
    return list(
        Lead.objects.filter(stage__in=[Stage.LEAD, Stage.NEEDS_REVIEW])
        .exclude(runs__status__in=ACTIVE_RUN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def unknown_lead_ids(*, lead_ids: Iterable[int]) -> list[int]:
    """The ids among `lead_ids` that no lead has, in order."""
    wanted = set(lead_ids)
    known = set(Lead.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    return sorted(wanted - known)


def stage_counts(*, user: User) -> dict[str, int]:
    counts = dict(lead_list(user=user).order_by().values_list("stage").annotate(n=Count("pk")))
    return {stage.value: counts.get(stage.value, 0) for stage in Stage}


def lead_table(
    *, user: User, stage: str | None = None, search: str | None = None
) -> QuerySet[Lead]:
    """`lead_list` with the latest run of each lead (`run_id`, `run_status`, `run_outcome`,
    `run_score`, `run_reasons`, `run_at`): one subquery each, which the database evaluates
    for the rows of the page only."""
    latest = QualificationRun.objects.filter(lead=OuterRef("pk")).order_by("-created_at", "-pk")

    def last(field: str, **kwargs) -> Subquery:
        return Subquery(latest.values(field)[:1], **kwargs)

    return lead_list(user=user, stage=stage, search=search).annotate(
        run_id=last("pk"),
        run_status=last("status"),
        run_outcome=last("outcome"),
        run_score=last("score"),
        run_reasons=last("reasons", output_field=JSONField()),
        run_at=last("created_at"),
    )


def runs_progress(*, user: User, run_ids: Iterable[int]) -> list[QualificationRun]:
    """These runs (those `user` may see), in the order given, for a progress page."""
    wanted = list(dict.fromkeys(run_ids))
    runs = {
        run.pk: run
        for run in QualificationRun.objects.select_related("lead").filter(
            pk__in=wanted, lead__in=lead_list(user=user)
        )
    }
    return [runs[pk] for pk in wanted if pk in runs]


def search_hits(*, user: User, text: str, limit: int) -> list:
    """The top bar's search: leads by name, email or national id (spaces ignored)."""
    from django.urls import reverse

    from core.search import SearchHit

    compact = text.replace(" ", "")
    leads = lead_list(user=user)
    found = search_words(leads, text, ["first_name", "last_name", "email", "national_id"])
    if compact.isdigit():
        found = found | leads.filter(national_id__contains=compact)
    return [
        SearchHit(
            title=lead.full_name,
            url=reverse("leads:lead", args=[lead.pk]),
            details=(lead.get_stage_display(), lead.email, lead.owner.get_username()),
        )
        for lead in found.order_by("last_name", "first_name", "pk")[:limit]
    ]
