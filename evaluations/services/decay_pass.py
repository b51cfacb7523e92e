"""The nightly decay pass: the score rules as set-based UPDATEs over primary-key chunks."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from core import present
from core.audit import audit_record
from core.boundary import FILTER, ensure_in_range
from evaluations.models import DecayPass, Evaluation, EvaluationAction
from evaluations.outcomes import Reason, State
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
    `count=False` skips the per-rule counting (the benchmark measures both).

    On PostgreSQL each chunk is ONE statement: the UPDATE (its CASE built from the rules,
    `rules.decay_assignments`) counts the rows it changed per rule from what it RETURNs, and
    the rows it leaves alone (final, already decayed) are counted once, before the chunks; a
    chunk commits without waiting for the WAL flush (a crash loses at most the last chunks,
    with their counts, and the next run redoes them). Elsewhere a counting query per chunk
    precedes its UPDATE."""
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
        returning = connection.vendor == "postgresql"
        if returning and count:
            with transaction.atomic():
                counts = _count_left_alone(on_date)
                _add(decay_pass, counts, totals)
        for start in range(low, high + 1, chunk_size):
            end = min(start + chunk_size, high + 1)
            with transaction.atomic():
                if returning:
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    counts = _decay_chunk_returning(start, end, on_date, count=count)
                else:
                    counts = _decay_chunk(start, end, on_date, count=count)
                _add(decay_pass, counts, totals)
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


def _add(decay_pass: DecayPass, counts: dict[str, int], totals: dict[str, int]) -> None:
    """Add a chunk's counts to the pass's row (in the chunk's transaction) and the totals."""
    increments = {name: F(name) + value for name, value in counts.items() if value}
    if increments:
        DecayPass.objects.filter(pk=decay_pass.pk).update(**increments)
    for name, value in counts.items():
        totals[name] += value


def _decay_chunk(start: int, end: int, on_date: datetime.date, *, count: bool) -> dict[str, int]:
    """Any database: count the chunk's rows per rule, then one UPDATE."""
    chunk = Evaluation.objects.filter(pk__gte=start, pk__lt=end)
    counts = _count_chunk(chunk, on_date) if count else {}
    chunk.filter(pending_on(on_date)).update(**decay_assignments(on_date))
    return counts


def _count_left_alone(on_date: datetime.date) -> dict[str, int]:
    """The rows no chunk's UPDATE touches: final ones, and those already decayed for the
    date (a resumed pass). One scan, before the chunks."""
    pending = pending_on(on_date)
    return Evaluation.objects.aggregate(
        unfavorable_unchanged=Count("pk", filter=FINAL_Q),
        already_decayed=Count("pk", filter=~FINAL_Q & ~pending),
    )


def _update_sql(start: int, end: int, on_date: datetime.date) -> tuple[str, tuple]:
    """The chunk's UPDATE as Django compiles it from the rules (`decay_assignments`)."""
    chunk = Evaluation.objects.filter(pending_on(on_date), pk__gte=start, pk__lt=end)
    query = chunk.query.chain(UpdateQuery)
    query.add_update_values(decay_assignments(on_date))
    sql, params = query.get_compiler(chunk.db).as_sql()
    return sql, tuple(params)


def _decay_chunk_returning(
    start: int, end: int, on_date: datetime.date, *, count: bool
) -> dict[str, int]:
    """PostgreSQL: the chunk's UPDATE, counting per rule what it RETURNs (state, reason and
    kind do not change; the new score tells a decayed row from one that was due, except at
    0, where the row's score before the UPDATE decides: a subquery in RETURNING reads the
    statement's snapshot, the row as it was)."""
    update, params = _update_sql(start, end, on_date)
    if not count:
        with connection.cursor() as cursor:
            cursor.execute(update, params)
        return {}
    table = connection.ops.quote_name(Evaluation._meta.db_table)
    kinds = tuple(registry.kinds()) or ("",)
    sql = f"""
        WITH changed AS ({update}
            RETURNING
                {table}.state = %s AND {table}.reason = %s AS ongoing,
                {table}.state AS state,
                {table}.reason AS reason,
                {table}.kind IN ({", ".join(["%s"] * len(kinds))}) AS registered,
                {table}.score = 0 AS is_zero,
                CASE WHEN {table}.score = 0 THEN (
                    SELECT old_row.score = 0 FROM {table} AS old_row WHERE old_row.id = {table}.id
                ) END AS was_zero
        ),
        ruled AS (
            SELECT *, ongoing OR coalesce(was_zero, false) AS due FROM changed
        )
        SELECT
            count(*) FILTER (WHERE due),
            count(*) FILTER (WHERE NOT due AND state = %s),
            count(*) FILTER (WHERE NOT due AND state = %s AND reason = %s AND registered),
            count(*) FILTER (WHERE NOT due AND is_zero)
        FROM ruled
    """  # noqa: S608 (the table name and placeholders only)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            (
                *params,
                State.UNCONFIRMED,
                Reason.ONGOING_DATABASE_UPDATE,
                *kinds,
                State.FAVORABLE,
                State.UNCONFIRMED,
                Reason.UNABLE_TO_REACH_API,
            ),
        )
        marked_due, favorable, unreachable, reached_zero = cursor.fetchone()
    return {
        "marked_due": marked_due,
        "favorable_decayed": favorable,
        "unreachable_decayed": unreachable,
        "reached_zero": reached_zero,
    }
