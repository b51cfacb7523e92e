"""Writes of the evaluations app: evaluate, re-evaluate, queue re-evaluations, the decay pass.

The external call of an evaluation always happens outside any transaction; only its outcome
is written, in a short transaction that locks the one row and records the audit event.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.utils import timezone

from core.audit import Actor, audit_record, diff
from core.boundary import FILTER, ensure_in_range
from core.errors import ApplicationError, ConflictError, NotFoundError
from core.queue import claim_rows, release
from core.tasks import enqueue_on_commit
from evaluations.models import MAX_SCORE, DecayPass, Evaluation, EvaluationAction
from evaluations.outcomes import SourceOutcome
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
from evaluations.types import EvaluationType, InvalidNumber, registry

NIGHTLY_ACTOR = "evaluations.nightly"
REEVALUATION_ACTOR = "evaluations.reevaluation"
AUDITED_FIELDS = ("state", "reason", "score", "company_name")


# --- input ----------------------------------------------------------------------------------


def evaluation_type_for(kind: str) -> EvaluationType:
    if not isinstance(kind, str) or kind not in registry:
        known = ", ".join(registry.kinds())
        raise ApplicationError(
            "Unknown kind of evaluation.",
            code="validation_error",
            fields={"kind": [f"Unknown kind {kind!r}; expected one of: {known}."]},
        )
    return registry.get(kind)


def evaluation_normalise(*, kind: str, value: str) -> tuple[EvaluationType, str]:
    """The type and the canonical identifier, or a 400 naming the field at fault."""
    evaluation_type = evaluation_type_for(kind)
    if not isinstance(value, str) or not value.strip():
        raise ApplicationError(
            "The number is missing.",
            code="validation_error",
            fields={"value": ["This field is required."]},
        )
    try:
        return evaluation_type, evaluation_type.normalise(value)
    except InvalidNumber as error:
        raise ApplicationError(
            str(error), code="validation_error", fields={"value": [str(error)]}
        ) from None


# --- evaluating -----------------------------------------------------------------------------


def _snapshot(evaluation: Evaluation) -> dict[str, Any]:
    return {name: getattr(evaluation, name) for name in AUDITED_FIELDS}


def _ask_source(evaluation_type: EvaluationType, value: str) -> SourceOutcome:
    """The one external call. Never inside a transaction: no lock is held while we wait."""
    return evaluation_type.source().check(value)


def evaluation_create(*, kind: str, value: str, actor: Actor = None) -> Evaluation:
    """Create the evaluation of a company and evaluate it for the first time (score 100)."""
    evaluation_type, value = evaluation_normalise(kind=kind, value=value)
    existing = Evaluation.objects.filter(kind=evaluation_type.kind, value=value).first()
    if existing is not None:
        raise _already_exists(existing)
    outcome = _ask_source(evaluation_type, value)
    now = timezone.now()
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                kind=evaluation_type.kind,
                value=value,
                state=outcome.state,
                reason=outcome.reason,
                score=MAX_SCORE,
                company_name=outcome.company_name,
                last_evaluated_at=now,
            )
            audit_record(
                obj=evaluation,
                action=EvaluationAction.CREATED,
                actor=actor,
                changes=diff({}, _snapshot(evaluation)),
                reason=outcome.note,
            )
    except IntegrityError:
        # Created by someone else between our check and our insert.
        raise _already_exists(
            Evaluation.objects.get(kind=evaluation_type.kind, value=value)
        ) from None
    return evaluation


def _already_exists(existing: Evaluation) -> ConflictError:
    message = (
        f"An evaluation of {existing.kind} {existing.value} already exists (id {existing.pk})."
    )
    return ConflictError(message, code="already_exists", fields={"value": [message]})


def evaluation_evaluate(*, kind: str, value: str, actor: Actor = None) -> tuple[Evaluation, bool]:
    """Create the evaluation, or re-evaluate the existing one; (evaluation, created)."""
    evaluation_type, value = evaluation_normalise(kind=kind, value=value)
    existing = Evaluation.objects.filter(kind=evaluation_type.kind, value=value).first()
    if existing is None:
        try:
            return evaluation_create(kind=kind, value=value, actor=actor), True
        except ConflictError:
            existing = Evaluation.objects.get(kind=evaluation_type.kind, value=value)
    return evaluation_reevaluate(evaluation_id=existing.pk, actor=actor), False


def evaluation_reevaluate(*, evaluation_id: int, actor: Actor = None) -> Evaluation:
    """Ask the source again: new state and reason, score back to 100. Unfavorable is final."""
    evaluation = Evaluation.objects.filter(pk=evaluation_id).first()
    if evaluation is None:
        raise NotFoundError("No such evaluation.")
    if evaluation.is_final:
        raise ConflictError(
            "This company is closed: an unfavorable evaluation is final and is not re-evaluated.",
            code="final",
        )
    evaluation_type = evaluation_type_for(evaluation.kind)
    outcome = _ask_source(evaluation_type, evaluation.value)
    return _record_outcome(evaluation.pk, outcome, actor=actor)


def _record_outcome(evaluation_id: int, outcome: SourceOutcome, *, actor: Actor) -> Evaluation:
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation_id)
        if evaluation.is_final:
            # It became unfavorable while we were asking: unfavorable never changes.
            _drop_from_queue(evaluation_id)
            evaluation.reevaluation_due = False
            return evaluation
        before = _snapshot(evaluation)
        evaluation.state = outcome.state
        evaluation.reason = outcome.reason
        evaluation.score = MAX_SCORE
        if outcome.company_name:
            evaluation.company_name = outcome.company_name
        evaluation.last_evaluated_at = timezone.now()
        evaluation.reevaluation_due = False
        evaluation.reevaluation_claimed_until = None
        evaluation.save(
            update_fields=[
                *AUDITED_FIELDS,
                "last_evaluated_at",
                "reevaluation_due",
                "reevaluation_claimed_until",
            ]
        )
        audit_record(
            obj=evaluation,
            action=EvaluationAction.REEVALUATED,
            actor=actor,
            changes=diff(before, _snapshot(evaluation)),
            reason=outcome.note,
        )
    return evaluation


# --- the re-evaluation queue (rows with reevaluation_due) -------------------------------------


def evaluations_queue_reevaluation(*, ids: Iterable[int], actor: Actor = None) -> tuple[int, int]:
    """Queue these evaluations for re-evaluation by the workers; (queued, skipped as final)."""
    ids = list(ids)
    with transaction.atomic():
        queued = (
            Evaluation.objects.filter(pk__in=ids)
            .exclude(FINAL_Q)
            .update(reevaluation_due=True, reevaluation_claimed_until=None)
        )
        if queued:
            reevaluations_start()
    return queued, len(ids) - queued


def reevaluations_start(*, concurrency: int | None = None) -> int:
    """Start at most `concurrency` workers' worth of re-evaluation tasks (after commit).

    Each task drains the queue one row at a time, so at most that many external calls run
    at once however many rows are due and however many worker processes there are."""
    from evaluations.tasks import reevaluate_due

    limit = concurrency or settings.EVALUATIONS_REEVALUATION_CONCURRENCY
    due = _due().count()
    runners = min(limit, due)
    for _ in range(runners):
        enqueue_on_commit(reevaluate_due)
    return runners


#: The queue's columns for `core.queue`: a lease, no token (a row is re-evaluated whole, and
#: `_record_outcome` re-reads it under a row lock before writing).
QUEUE_COLUMNS: dict[str, Any] = {"until_field": "reevaluation_claimed_until", "token_field": None}


def _due() -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(reevaluation_due=True)


def _claim_next_due(now: datetime.datetime) -> int | None:
    """The id of the next due evaluation, now leased to us; None when none is free."""
    claim = claim_rows(
        _due(), limit=1, lease=settings.EVALUATIONS_CLAIM_LEASE, now=now, **QUEUE_COLUMNS
    )
    return claim.ids[0] if claim else None


def _drop_from_queue(evaluation_id: int) -> None:
    release(
        Evaluation.objects.filter(pk=evaluation_id),
        token=None,
        reevaluation_due=False,
        **QUEUE_COLUMNS,
    )


def reevaluate_next_due(*, actor: Actor = REEVALUATION_ACTOR) -> Evaluation | None:
    """Claim one due evaluation, ask its source (outside the transaction), record the answer.
    None when nothing is due. A worker killed mid-way leaves a claim that expires."""
    evaluation_id = _claim_next_due(timezone.now())
    if evaluation_id is None:
        return None
    evaluation = Evaluation.objects.get(pk=evaluation_id)
    if evaluation.is_final or evaluation.kind not in registry:
        _drop_from_queue(evaluation_id)
        return evaluation
    outcome = _ask_source(registry.get(evaluation.kind), evaluation.value)
    return _record_outcome(evaluation_id, outcome, actor=actor)


def reevaluate_due_until(*, deadline: float, actor: Actor = REEVALUATION_ACTOR) -> tuple[int, bool]:
    """Re-evaluate due rows until none is left or `time.monotonic()` passes `deadline`;
    (re-evaluated, queue empty)."""
    done = 0
    while time.monotonic() < deadline:
        if reevaluate_next_due(actor=actor) is None:
            return done, True
        done += 1
    return done, False


def reevaluate_all_due(
    *,
    concurrency: int | None = None,
    progress: Callable[[int], None] | None = None,
    actor: Actor = REEVALUATION_ACTOR,
) -> int:
    """Foreground draining (the command): `concurrency` threads, each one row at a time."""
    concurrency = concurrency or settings.EVALUATIONS_REEVALUATION_CONCURRENCY
    counter = {"done": 0}

    def drain() -> int:
        done = 0
        while reevaluate_next_due(actor=actor) is not None:
            done += 1
            counter["done"] += 1
            if progress:
                progress(counter["done"])
        return done

    if concurrency <= 1:
        return drain()

    def drain_in_thread() -> int:
        try:
            return drain()
        finally:
            connection.close()  # each thread opened its own connection

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="reevaluate") as pool:
        return sum(pool.map(lambda _: drain_in_thread(), range(concurrency)))


# --- the nightly decay pass -------------------------------------------------------------------


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
        if self.already_done:
            finished = self.decay_pass.finished_at if self.decay_pass else None
            when = f" (finished {timezone.localtime(finished):%Y-%m-%d %H:%M})" if finished else ""
            return [f"The decay pass for {self.date} already ran{when}; nothing changed."]
        c = self.counts
        return [
            f"Decay pass for {self.date} in {self.seconds:.1f} s:",
            f"  rule 1 unfavorable, unchanged      {c.get('unfavorable_unchanged', 0)}",
            f"  rule 2 queued for re-evaluation    {c.get('marked_due', 0)}",
            f"  rule 3 favorable, decayed          {c.get('favorable_decayed', 0)}",
            f"  rule 4 unreachable API, decayed    {c.get('unreachable_decayed', 0)}",
            f"  rule 5 reached 0 (next pass)       {c.get('reached_zero', 0)}",
            f"  already decayed for this date      {c.get('already_decayed', 0)}",
            f"  due for re-evaluation now          {self.due_now}",
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
        due_now=_due().count(),
        seconds=time.perf_counter() - started,
        decay_pass=decay_pass,
    )
