"""Writes about evaluations: evaluate, re-evaluate, and the re-evaluation queue.

The external call of an evaluation always happens outside any transaction; only its outcome
is written, in a short transaction that locks the one row and records the audit event.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone

from core.audit import Actor, audit_record, diff
from core.errors import ApplicationError, ConflictError, NotFoundError
from core.queue import claim_rows, release
from core.tasks import enqueue_on_commit
from evaluations import limits
from evaluations.models import MAX_SCORE, Evaluation, EvaluationAction
from evaluations.outcomes import SourceOutcome
from evaluations.rules import FINAL_Q
from evaluations.types import EvaluationType, InvalidNumber, registry

logger = logging.getLogger(__name__)

REEVALUATION_ACTOR = "evaluations.reevaluation"
AUDITED_FIELDS = ("state", "reason", "score", "company_name", "company_address")


# --- input: every service cleans its own --------------------------------------------------

#: The largest primary key the databases take (a bigger number is no evaluation, not a 500).
MAX_ID = 2**63 - 1


def _evaluation_type(kind: Any) -> EvaluationType:
    if not isinstance(kind, str) or kind not in registry:
        known = ", ".join(registry.kinds())
        raise ApplicationError(
            "Unknown kind of evaluation.",
            code="validation_error",
            fields={"kind": [f"Unknown kind {kind!r}; expected one of: {known}."]},
        )
    return registry.get(kind)


def _clean_number(*, kind: Any, value: Any) -> tuple[EvaluationType, str]:
    """The type and the canonical identifier, or a 400 naming the field at fault."""
    evaluation_type = _evaluation_type(kind)
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


def evaluation_check(**fields: Any) -> None:
    """The service's rules on some of an evaluation's fields (`kind`, `value`), without
    asking the register or writing: a page whose form refused other fields calls it so
    that one submit shows every field's message. A number with no (known) type is checked
    against every type: a number no type accepts is wrong whatever type is chosen."""
    errors: dict[str, list[str]] = {}
    evaluation_type = None
    if "kind" in fields:
        try:
            evaluation_type = _evaluation_type(fields["kind"])
        except ApplicationError as error:
            errors.update(error.fields)
    if "value" in fields:
        if evaluation_type is not None:
            try:
                _clean_number(kind=evaluation_type.kind, value=fields["value"])
            except ApplicationError as error:
                errors.update(error.fields)
        elif not any(_accepts(t, fields["value"]) for t in registry):
            labels = " or ".join(t.label for t in registry)
            errors["value"] = [f"Not a valid {labels}."]
    if errors:
        raise ApplicationError(
            "Some fields are not valid: " + ", ".join(sorted(errors)) + ".",
            code="validation_error",
            fields=errors,
        )


def _accepts(evaluation_type: EvaluationType, value: Any) -> bool:
    try:
        _clean_number(kind=evaluation_type.kind, value=value)
    except ApplicationError:
        return False
    return True


def _as_id(value: Any) -> int | None:
    """An evaluation id (an int, or ASCII digits); None for anything else."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


def _clean_ids(ids: Any) -> list[int]:
    values = [ids] if isinstance(ids, str | int) else list(ids or ())
    cleaned = [_as_id(value) for value in values]
    if None in cleaned:
        raise ApplicationError(
            "Some of the evaluations to queue are not evaluation ids.",
            code="validation_error",
            fields={"ids": ["Give evaluation ids (whole numbers)."]},
        )
    return list(dict.fromkeys(cleaned))


# --- evaluating -----------------------------------------------------------------------------


def _snapshot(evaluation: Evaluation) -> dict[str, Any]:
    return {name: getattr(evaluation, name) for name in AUDITED_FIELDS}


def _ask_source(evaluation_type: EvaluationType, value: str) -> SourceOutcome:
    """The one external call. Never inside a transaction: no lock is held while we wait."""
    return evaluation_type.source().check(value)


def evaluation_create(*, kind: str, value: str, actor: Actor) -> Evaluation:
    """Create the evaluation of a company and evaluate it for the first time (score 100).
    `kind` and `value` are cleaned here (a 400 naming the field); an existing one is a 409."""
    evaluation_type, value = _clean_number(kind=kind, value=value)
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
                company_address=outcome.company_address,
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


def evaluation_evaluate(*, kind: str, value: str, actor: Actor) -> tuple[Evaluation, bool]:
    """Create the evaluation, or re-evaluate the existing one; (evaluation, created)."""
    evaluation_type, value = _clean_number(kind=kind, value=value)
    existing = Evaluation.objects.filter(kind=evaluation_type.kind, value=value).first()
    if existing is None:
        try:
            return evaluation_create(kind=kind, value=value, actor=actor), True
        except ConflictError:
            existing = Evaluation.objects.get(kind=evaluation_type.kind, value=value)
    return evaluation_reevaluate(evaluation_id=existing.pk, actor=actor), False


def evaluation_reevaluate(*, evaluation_id: int, actor: Actor) -> Evaluation:
    """Ask the source again: new state and reason, score back to 100. Unfavorable is final."""
    evaluation_id = _as_id(evaluation_id)
    evaluation = Evaluation.objects.filter(pk=evaluation_id).first() if evaluation_id else None
    if evaluation is None:
        raise NotFoundError("No such evaluation.")
    if evaluation.is_final:
        raise ConflictError(
            "This company is closed: an unfavorable evaluation is final and is not re-evaluated.",
            code="final",
        )
    outcome = _ask_source(_evaluation_type(evaluation.kind), evaluation.value)
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
        if outcome.company_address:
            evaluation.company_address = outcome.company_address
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


def evaluations_queue_reevaluation(*, ids: Iterable[int], actor: Actor) -> tuple[int, int]:
    """Queue these evaluations for re-evaluation by the workers; (queued, skipped: final or
    unknown). Queueing writes no audit event per row (an admin may queue thousands at once):
    it is logged with who asked, and each re-evaluation is audited when it happens."""
    ids = _clean_ids(ids)
    with transaction.atomic():
        queued = (
            Evaluation.objects.filter(pk__in=ids)
            .exclude(FINAL_Q)
            .update(
                reevaluation_due=True,
                reevaluation_claimed_until=None,
                # queued already: it keeps its place (and its age)
                reevaluation_due_since=Case(
                    When(reevaluation_due=True, then=F("reevaluation_due_since")),
                    default=Value(timezone.now()),
                ),
            )
        )
        if queued:
            reevaluations_start()
    who = actor.get_username() if hasattr(actor, "get_username") else actor or "system"
    logger.info("%s queued %s evaluation(s) for re-evaluation", who, queued)
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


def _claim_next_due(now: datetime.datetime, exclude_kinds: Iterable[str] = ()) -> int | None:
    """The id of the next due evaluation, now leased to us; None when none is free."""
    claim = claim_rows(
        _due().exclude(kind__in=list(exclude_kinds)),
        limit=1,
        lease=settings.EVALUATIONS_CLAIM_LEASE,
        now=now,
        **QUEUE_COLUMNS,
    )
    return claim.ids[0] if claim else None


def _drop_from_queue(evaluation_id: int) -> None:
    release(
        Evaluation.objects.filter(pk=evaluation_id),
        token=None,
        reevaluation_due=False,
        **QUEUE_COLUMNS,
    )


def reevaluate_next_due(
    *, actor: Actor = REEVALUATION_ACTOR, exclude_kinds: Iterable[str] = ()
) -> Evaluation | None:
    """Claim one due evaluation (not of `exclude_kinds`), ask its source (outside the
    transaction), record the answer. None when nothing is due. A worker killed mid-way leaves
    a claim that expires."""
    evaluation_id = _claim_next_due(timezone.now(), exclude_kinds)
    if evaluation_id is None:
        return None
    evaluation = Evaluation.objects.get(pk=evaluation_id)
    if evaluation.is_final or evaluation.kind not in registry:
        _drop_from_queue(evaluation_id)
        return evaluation
    outcome = _ask_source(registry.get(evaluation.kind), evaluation.value)
    return _record_outcome(evaluation_id, outcome, actor=actor)


def _batch_kinds() -> list[str]:
    """The types whose source answers many numbers in one call (INSEE's search)."""
    return [t.kind for t in registry if callable(getattr(t.source(), "check_many", None))]


def reevaluate_next_batch(*, actor: Actor = REEVALUATION_ACTOR) -> int:
    """Claim up to EVALUATIONS_BATCH_SIZE due rows of one type whose source answers many
    numbers in one call, ask once (outside any transaction), record each answer; the number
    of rows claimed (0: none of those is due)."""
    for kind in _batch_kinds():
        claim = claim_rows(
            _due().filter(kind=kind),
            limit=settings.EVALUATIONS_BATCH_SIZE,
            lease=settings.EVALUATIONS_CLAIM_LEASE,
            now=timezone.now(),
            **QUEUE_COLUMNS,
        )
        if not claim:
            continue
        rows = list(Evaluation.objects.filter(pk__in=claim.ids))
        live = [row for row in rows if not row.is_final]
        for row in rows:
            if row.is_final:
                _drop_from_queue(row.pk)
        if live:
            outcomes = registry.get(kind).source().check_many([row.value for row in live])
            # The claim must not lapse while the answers are recorded (another runner would
            # redo them): the lease of the rows still to record is renewed every few seconds.
            renewed = 0.0
            for index, row in enumerate(live):
                if time.monotonic() - renewed > settings.EVALUATIONS_CLAIM_LEASE / 10:
                    _renew_lease([r.pk for r in live[index:]])
                    renewed = time.monotonic()
                _record_outcome(row.pk, outcomes[row.value], actor=actor)
        return len(rows)
    return 0


def _renew_lease(ids: list[int]) -> None:
    until = timezone.now() + datetime.timedelta(seconds=settings.EVALUATIONS_CLAIM_LEASE)
    Evaluation.objects.filter(pk__in=ids, reevaluation_due=True).update(
        reevaluation_claimed_until=until
    )


def reevaluate_next(*, actor: Actor = REEVALUATION_ACTOR) -> int:
    """The runners' step: a batch of a type that has batches, else one due row; how many
    rows were re-evaluated (0: the queue is empty). The runners wait for the registers'
    shared limits up to their budget (`limits.waiting_up_to`)."""
    with limits.waiting_up_to(settings.EVALUATIONS_CLAIM_LEASE / 3):
        done = reevaluate_next_batch(actor=actor)
        if done:
            return done
        return 0 if reevaluate_next_due(actor=actor, exclude_kinds=_batch_kinds()) is None else 1


def reevaluate_due_until(*, deadline: float, actor: Actor = REEVALUATION_ACTOR) -> tuple[int, bool]:
    """Re-evaluate due rows until none is left or `time.monotonic()` passes `deadline`;
    (re-evaluated, queue empty)."""
    done = 0
    while time.monotonic() < deadline:
        step = reevaluate_next(actor=actor)
        if not step:
            return done, True
        done += step
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
        while step := reevaluate_next(actor=actor):
            done += step
            counter["done"] += step
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
