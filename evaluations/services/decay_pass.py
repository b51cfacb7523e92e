"""The nightly decay pass: the score rules as set-based UPDATEs over primary-key chunks."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from core import present
from core.audit import audit_record
from core.boundary import FILTER, ensure_in_range
from evaluations.models import DecayPass, Evaluation, EvaluationAction
from evaluations.rules import (
    DUE_Q,
    FAVORABLE_DECAY,
    FAVORABLE_Q,
    FINAL_Q,
    UNREACHABLE_Q,
    UNREACHABLE_THRESHOLD,
    decay_assignments,
    pending_on,
)
from evaluations.selectors import evaluations_due_count
from evaluations.types import registry

NIGHTLY_ACTOR = "evaluations.nightly"


@dataclass
class DecayReport:
    date: datetime.date
    already_done: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    due_now: int = 0
    seconds: float = 0.0
    decay_pass: DecayPass | None = None

    @property
    def unchanged(self) -> int:
        return self.counts.get("unfavorable_unchanged", 0) + self.counts.get("already_decayed", 0)

    def summary_lines(self) -> list[str]:
        """The report for people (the command prints it, the nightly task logs it)."""
        day = present.day(self.date)
        if self.already_done:
            finished = self.decay_pass.finished_at if self.decay_pass else None
            when = f" (finished {present.moment(finished)})" if finished else ""
            return [f"The decay pass for {day} already ran{when}; nothing changed."]
        c = {name: present.number_text(self.counts.get(name, 0)) for name in COUNTERS}
        return [
            f"Decay pass for {day} in {present.duration(self.seconds)}:",
            f"  rule 1 unfavorable, unchanged      {c['unfavorable_unchanged']}",
            f"  rule 2 queued for re-evaluation    {c['marked_due']}",
            f"  rule 3 favorable, decayed          {c['favorable_decayed']}",
            f"  rule 4 unreachable API, decayed    {c['unreachable_decayed']}",
            f"  rule 5 reached 0 (next pass)       {c['reached_zero']}",
            f"  already decayed for this date      {c['already_decayed']}",
            f"  due for re-evaluation now          {present.number_text(self.due_now)}",
        ]


COUNTERS = (
    "unfavorable_unchanged",
    "already_decayed",
    "marked_due",
    "favorable_decayed",
    "unreachable_decayed",
    "reached_zero",
)


def _reaches_zero_q() -> Q:
    zero = Q(FAVORABLE_Q, score__lte=FAVORABLE_DECAY)
    for t in registry:
        high = Q(score__gte=UNREACHABLE_THRESHOLD, score__lte=t.decay_unreachable_high)
        low = Q(score__lt=UNREACHABLE_THRESHOLD, score__lte=t.decay_unreachable_low)
        zero |= UNREACHABLE_Q & Q(kind=t.kind) & (high | low)
    return zero


def _count_chunk(chunk, on_date: datetime.date) -> dict[str, int]:
    pending = pending_on(on_date)
    decaying = pending & ~DUE_Q
    return chunk.aggregate(
        unfavorable_unchanged=Count("pk", filter=FINAL_Q),
        already_decayed=Count("pk", filter=~FINAL_Q & ~pending),
        marked_due=Count("pk", filter=pending & DUE_Q),
        favorable_decayed=Count("pk", filter=decaying & FAVORABLE_Q),
        unreachable_decayed=Count(
            "pk", filter=decaying & UNREACHABLE_Q & Q(kind__in=registry.kinds())
        ),
        reached_zero=Count("pk", filter=decaying & _reaches_zero_q()),
    )


def decay_pass_run(
    *,
    on_date: datetime.date,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    count: bool = True,
) -> DecayReport:
    """Apply the score rules to every evaluation for `on_date`, as set-based UPDATEs over
    primary-key ranges, each chunk in its own short transaction. Rows due for re-evaluation
    are only queued here (`reevaluation_due`); see `reevaluations_start`.

    Idempotent per date: a finished pass for the date makes this a no-op that says so, and a
    row already decayed on that date (a pass that was interrupted, or runs twice at once) is
    never decayed again, because every UPDATE only takes rows with last_decayed_on < date.
    `count=False` skips the per-rule counting query (the benchmark measures both)."""
    ensure_in_range({"on_date": (on_date, FILTER)})  # the input boundary (core.boundary)
    started = time.perf_counter()
    chunk_size = chunk_size or settings.EVALUATIONS_DECAY_CHUNK_SIZE
    try:
        with transaction.atomic():
            decay_pass, _ = DecayPass.objects.get_or_create(
                date=on_date, defaults={"chunk_size": chunk_size}
            )
    except IntegrityError:
        decay_pass = DecayPass.objects.get(date=on_date)
    if decay_pass.finished:
        return DecayReport(date=on_date, already_done=True, decay_pass=decay_pass)

    bounds = Evaluation.objects.aggregate(low=Min("pk"), high=Max("pk"))
    totals = dict.fromkeys(COUNTERS, 0)
    if bounds["low"] is not None:
        low, high = bounds["low"], bounds["high"]
        assignments = decay_assignments(on_date)
        pending = pending_on(on_date)
        for start in range(low, high + 1, chunk_size):
            end = min(start + chunk_size, high + 1)
            chunk = Evaluation.objects.filter(pk__gte=start, pk__lt=end)
            with transaction.atomic():
                counts = _count_chunk(chunk, on_date) if count else {}
                chunk.filter(pending).update(**assignments)
                increments = {name: F(name) + value for name, value in counts.items() if value}
                if increments:
                    DecayPass.objects.filter(pk=decay_pass.pk).update(**increments)
            for name, value in counts.items():
                totals[name] += value
            if progress:
                progress(end - low, high + 1 - low)
    DecayPass.objects.filter(pk=decay_pass.pk, finished_at__isnull=True).update(
        finished_at=timezone.now()
    )
    decay_pass.refresh_from_db()
    audit_record(
        obj=decay_pass,
        action=EvaluationAction.DECAY_PASS_FINISHED,
        actor=NIGHTLY_ACTOR,
        changes={name: {"from": None, "to": value} for name, value in totals.items()},
    )
    return DecayReport(
        date=on_date,
        counts=totals,
        due_now=evaluations_due_count(),
        seconds=time.perf_counter() - started,
        decay_pass=decay_pass,
    )
