"""Reads of the evaluations app."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from core import present
from core.access import User
from core.audit import action_label, audit_timeline
from core.models import AuditEvent
from evaluations.access import can_view_evaluations
from evaluations.models import DecayPass, Evaluation, EvaluationAction, State
from evaluations.rules import decide

#: The events that set a score (to 100): the exact points of the score's history.
SCORING_ACTIONS = (EvaluationAction.CREATED, EvaluationAction.REEVALUATED)


def evaluation_list(
    *,
    user: User,
    kind: str = "",
    state: str = "",
    reason: str = "",
    score_min: int | Decimal | None = None,
    score_max: int | Decimal | None = None,
    search: str = "",
    due: bool | None = None,
) -> QuerySet[Evaluation]:
    """The evaluations `user` may see, newest first, filtered (an empty filter filters
    nothing): the list page and the API both read this. `search` finds a number (spaces and case
    ignored) or a company name."""
    if not can_view_evaluations(user):
        return Evaluation.objects.none()
    rows = Evaluation.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    if state:
        rows = rows.filter(state=state)
    if reason:
        rows = rows.filter(reason=reason)
    if score_min is not None:
        rows = rows.filter(score__gte=score_min)
    if score_max is not None:
        rows = rows.filter(score__lte=score_max)
    text = (search or "").strip()
    if text:
        compact = text.replace(" ", "").upper()
        rows = rows.filter(Q(value__icontains=compact) | Q(company_name__icontains=text))
    if due is not None:
        rows = rows.filter(reevaluation_due=due)
    return rows.order_by("-id")


def evaluation_get(*, user: User, evaluation_id: int) -> Evaluation | None:
    """The evaluation, or None when there is none (or `user` may not see it)."""
    return evaluation_list(user=user).filter(pk=evaluation_id).first()


def evaluation_by_number(*, user: User, kind: str, value: str) -> Evaluation | None:
    """The evaluation of this number (written any way its type accepts), if `user` may see
    it: where "already exists" points to."""
    from evaluations.types import InvalidNumber, registry

    if kind not in registry:
        return None
    try:
        number = registry.get(kind).normalise(value)
    except InvalidNumber:
        return None
    return evaluation_list(user=user).filter(kind=kind, value=number).first()


def evaluation_history(evaluation: Evaluation) -> QuerySet[AuditEvent]:
    return audit_timeline(evaluation)


@dataclass(frozen=True)
class ScorePoint:
    at: datetime.datetime
    score: int
    #: What set the score, for people ("Re-evaluated", "Decay pass of 4 Apr 2026", "Now").
    what: str


def evaluation_score_series(evaluation: Evaluation) -> list[ScorePoint]:
    """The score over time, oldest first.

    Decay passes write no per-row history (a million audit rows a night would defeat doing
    them in SQL), so between two evaluations (exact, from the audit trail) the series replays
    the rules over the passes that applied to this row (those dated up to its
    last_decayed_on). The last point is the stored score, now."""
    events = list(
        evaluation_history(evaluation)
        .filter(action__in=SCORING_ACTIONS)
        .order_by("created_at", "id")
    )
    passes = []
    if events and evaluation.last_decayed_on:
        passes = list(
            DecayPass.objects.filter(
                date__lte=evaluation.last_decayed_on, started_at__gte=events[0].created_at
            ).order_by("started_at")
        )
    timeline = sorted(
        [(event.created_at, 0, event) for event in events]
        + [(decay_pass.started_at, 1, decay_pass) for decay_pass in passes],
        key=lambda item: (item[0], item[1]),
    )
    points: list[ScorePoint] = []
    current: dict[str, object] = {}
    for at, _, item in timeline:
        if isinstance(item, AuditEvent):
            changes = item.changes or {}
            before = changes.get("score", {}).get("from")
            if before is not None and points:
                points.append(ScorePoint(at, int(before), "Before re-evaluation"))
            for name in ("state", "reason", "score"):
                if name in changes:
                    current[name] = changes[name]["to"]
            current.setdefault("score", 100)
            points.append(ScorePoint(at, int(current["score"]), action_label(item.action)))
        elif current:
            decision = decide(
                kind=evaluation.kind,
                state=str(current.get("state")),
                reason=str(current.get("reason")),
                score=int(current["score"]),
            )
            if decision.changes_score:
                current["score"] = decision.score
                points.append(
                    ScorePoint(at, decision.score, f"Decay pass of {present.day(item.date)}")
                )
    points.append(ScorePoint(timezone.now(), evaluation.score, "Now"))
    return points


def evaluation_counts_by_state() -> dict[str, int]:
    rows = Evaluation.objects.values("state").annotate(n=Count("id"))
    counts = {state.value: 0 for state in State}
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def decay_pass_latest() -> DecayPass | None:
    return DecayPass.objects.order_by("-date").first()


def decay_pass_latest_finished() -> DecayPass | None:
    return DecayPass.objects.filter(finished_at__isnull=False).order_by("-date").first()


def reevaluations_oldest_due_age(*, now: datetime.datetime) -> float:
    """Seconds the oldest due re-evaluation has waited (since `reevaluation_due_since`); 0
    when none is due. One query over the due rows (few: their partial index)."""
    oldest = Evaluation.objects.filter(reevaluation_due=True).aggregate(
        oldest=Min("reevaluation_due_since")
    )["oldest"]
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def evaluations_due_count() -> int:
    return Evaluation.objects.filter(reevaluation_due=True).count()


def search_hits(*, user: User, text: str, limit: int) -> list:
    """The top bar's search: evaluations by SIREN or VAT number (spaces ignored) or company
    name."""
    from django.urls import reverse

    from core.search import SearchHit

    return [
        SearchHit(
            title=evaluation.company_name or f"{evaluation.kind} {evaluation.value}",
            url=reverse("evaluations:detail", args=[evaluation.pk]),
            details=(
                f"{evaluation.kind} {evaluation.value}",
                evaluation.get_state_display(),
                f"score {evaluation.score}",
            ),
        )
        for evaluation in evaluation_list(user=user, search=text)[:limit]
    ]
