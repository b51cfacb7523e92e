"""Writes of the leads app: qualification runs.

A qualification is started (`qualification_start`: one active run per lead, enforced by a
row lock on the lead and a partial unique constraint), then executed
(`qualification_runs_execute`): the HTTP calls happen in an event loop on a helper thread
while this thread records each finished check and, at the end, the decision. No transaction
or row lock is held while an external system is being called.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import metrics
from core.audit import Actor, audit_record, diff
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.present import duration
from core.request_id import current_request_id, request_id_scope
from core.tasks import enqueue_on_commit
from leads.access import can_qualify
from leads.checks import CheckFinished, Event, LeadFacts, RunGathered, gather_runs
from leads.decision import CheckResult, ScoreResult, decide
from leads.models import (
    ACTIVE_RUN_STATUSES,
    CheckStatus,
    Lead,
    LeadAction,
    QualificationCheck,
    QualificationRun,
    RunSource,
    RunStatus,
    Stage,
    System,
)
from leads.services.leads import actor_user

logger = logging.getLogger(__name__)


# --- starting a qualification --------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    run: QualificationRun
    #: False when the lead already had a run under way: that run is returned instead.
    created: bool


@transaction.atomic
def qualification_start(
    *, lead_id: int, requested_by: Actor, source: RunSource | str, enqueue: bool = True
) -> Started:
    """Start qualifying a lead, or return the run already under way (`source`: where it was
    asked for; `enqueue=False` for a caller that executes the run itself, the CLI).

    The lead's row is locked while we look for an active run and create one (PostgreSQL:
    SELECT ... FOR UPDATE; SQLite: the IMMEDIATE transaction already serializes writers),
    and the partial unique constraint `leads_one_active_run_per_lead` refuses a second
    active run whatever happens: two simultaneous requests give one run.
    """
    if source not in RunSource.values:
        raise ApplicationError(
            f"Unknown source {source!r}.",
            code="validation_error",
            fields={"source": [f"One of: {', '.join(RunSource.values)}."]},
        )
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None:
        raise NotFoundError(f"Lead {lead_id} does not exist.")
    user = actor_user(requested_by)
    if user is not None and not can_qualify(user, lead):
        raise PermissionDeniedError("You may not qualify this lead.")
    if lead.stage == Stage.PROSPECT:
        raise ConflictError(f"Lead {lead.pk} is already a prospect; it is not qualified again.")

    active = lead.runs.filter(status__in=ACTIVE_RUN_STATUSES).first()
    if active is not None:
        stale_before = timezone.now() - timedelta(seconds=settings.QUALIFICATION_STALE_AFTER)
        if active.created_at > stale_before:
            return Started(active, created=False)
        _abandon(active)

    try:
        with transaction.atomic():
            run = QualificationRun.objects.create(lead=lead, requested_by=user, source=source)
    except IntegrityError:
        # Only reachable if the row lock was bypassed: the constraint is the last word.
        return Started(lead.runs.get(status__in=ACTIVE_RUN_STATUSES), created=False)
    audit_record(
        obj=lead,
        action=LeadAction.QUALIFICATION_REQUESTED,
        actor=requested_by,
        reason=f"run {run.pk} ({RunSource(source).label})",
    )
    if enqueue:
        from leads.tasks import qualify_run  # tasks import this module

        enqueue_on_commit(qualify_run, run.pk)
    return Started(run, created=True)


def _abandon(run: QualificationRun) -> None:
    QualificationRun.objects.filter(pk=run.pk, status__in=ACTIVE_RUN_STATUSES).update(
        status=RunStatus.ABANDONED,
        finished_at=timezone.now(),
        reasons=[
            f"no result after {duration(settings.QUALIFICATION_STALE_AFTER)} (lost worker or "
            "message); replaced by a new run"
        ],
    )


# --- executing runs ------------------------------------------------------------------------


def _claim(run_ids: Iterable[int]) -> list[LeadFacts]:
    """Mark the runs as running (a redelivered task takes its run over again) and read
    what the checks need. Runs already done or abandoned are left alone. Each run keeps the
    id its log lines carry (the task's, the request's or the command's): its `reference`."""
    ids = list(run_ids)
    QualificationRun.objects.filter(pk__in=ids, status__in=ACTIVE_RUN_STATUSES).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), reference=current_request_id()
    )
    runs = QualificationRun.objects.filter(pk__in=ids, status=RunStatus.RUNNING).select_related(
        "lead"
    )
    return [
        LeadFacts(
            run_id=run.pk,
            lead_id=run.lead_id,
            national_id=run.lead.national_id,
            first_name=run.lead.first_name,
            last_name=run.lead.last_name,
            birth_date=run.lead.birth_date,
        )
        for run in runs.order_by("pk")
    ]


#: What a check row holds besides its run and system; an upsert rewrites all of them.
CHECK_FIELDS = ("status", "reason", "started_at", "finished_at", "latency_ms", "response")


def _save_checks(run_id: int, results: Iterable[CheckResult]) -> None:
    """Write each result as its system's row of the run (insert, or replace what is there)."""
    QualificationCheck.objects.bulk_create(
        [
            QualificationCheck(
                run_id=run_id,
                system=result.system,
                **{name: getattr(result, name) for name in CHECK_FIELDS},
            )
            for result in results
        ],
        update_conflicts=True,
        unique_fields=["run", "system"],
        update_fields=CHECK_FIELDS,
    )


def _lock_if_running(run_id: int) -> bool:
    """Lock the run's row (until the transaction ends) if it is still running."""
    running = QualificationRun.objects.select_for_update().filter(
        pk=run_id, status=RunStatus.RUNNING
    )
    return bool(running.values_list("pk", flat=True))


def qualification_check_record(*, run_id: int, result: CheckResult) -> None:
    """Record one finished check at once, so the lead page shows it before the other ends.
    A run finished meanwhile (elsewhere, or abandoned) is left as it is."""
    with transaction.atomic():
        if _lock_if_running(run_id):
            _save_checks(run_id, [result])


def _scoring_check(scoring: ScoreResult | None, status: CheckStatus) -> CheckResult:
    """The score as a check: its verdict is the decision's (passed/failed against the
    threshold, unavailable), skipped when it was not asked for."""
    if scoring is None:
        return CheckResult(System.SCORING, status, reason="not needed: a check did not pass")
    return CheckResult(
        System.SCORING,
        status,
        reason=scoring.reason,
        response=scoring.response,
        started_at=scoring.started_at,
        finished_at=scoring.finished_at,
        latency_ms=scoring.latency_ms,
    )


def qualification_complete(*, lead_id: int, gathered: RunGathered) -> QualificationRun | None:
    """Decide, record the run and move the lead. None if the run was finished elsewhere."""
    decision = decide(
        registry=gathered.registry,
        archives=gathered.archives,
        scoring=gathered.scoring,
        threshold=settings.PROSPECT_SCORE_THRESHOLD,
    )
    checks = [
        gathered.registry,
        gathered.archives,
        _scoring_check(gathered.scoring, decision.scoring_status),
    ]
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead_id)
        finished = QualificationRun.objects.filter(
            pk=gathered.run_id, status=RunStatus.RUNNING
        ).update(
            status=RunStatus.DONE,
            finished_at=timezone.now(),
            outcome=decision.outcome,
            reasons=decision.reasons,
            score=gathered.scoring.score if gathered.scoring is not None else None,
        )
        if not finished:
            return None
        _save_checks(gathered.run_id, checks)
        run = QualificationRun.objects.select_related("requested_by").get(pk=gathered.run_id)
        before = lead.stage
        lead.stage = decision.outcome
        lead.save(update_fields=["stage", "updated_at"])
        audit_record(
            obj=lead,
            action=LeadAction.QUALIFICATION_DECIDED,
            actor=run.requested_by or "leads.qualification",
            changes=diff({"stage": before}, {"stage": lead.stage}),
            reason=f"run {run.pk}: " + "; ".join(decision.reasons),
        )
    metrics.observe_qualification(
        decision=str(decision.outcome),
        checks=[(str(check.system), str(check.status), check.latency_ms) for check in checks],
    )
    run.lead = lead
    return run


_DONE = object()


def _drive(
    produce: Callable[[Callable[[Event], None]], Any], handle: Callable[[Event], None]
) -> None:
    """Run the coroutine `produce(emit)` in an event loop on a helper thread and hand every
    event it emits to `handle` on this thread, where the database connection lives."""
    events: queue.SimpleQueue = queue.SimpleQueue()
    failure: list[BaseException] = []

    def loop() -> None:
        try:
            asyncio.run(produce(events.put))
        except BaseException as error:  # handed over to the calling thread
            failure.append(error)
        finally:
            events.put(_DONE)

    # The loop runs in a copy of this thread's context: its log lines keep the request id.
    context = contextvars.copy_context()
    thread = threading.Thread(
        target=context.run, args=(loop,), name="leads-qualification", daemon=True
    )
    thread.start()
    while (event := events.get()) is not _DONE:
        try:
            handle(event)
        except Exception as error:  # one run's failure must not stop the others
            logger.exception("recording %r failed", event)
            failure.append(error)
    thread.join()
    if failure:
        raise failure[0]


def qualification_runs_execute(
    *,
    run_ids: Iterable[int],
    concurrency: int | None = None,
    on_finished: Callable[[QualificationRun], None] | None = None,
    clients: Callable[[], Any] | None = None,
) -> list[QualificationRun]:
    """Execute started runs: for each, both checks at once, then the score, then the
    decision; at most `concurrency` leads at a time (settings.LEADS_BULK_CONCURRENCY)."""
    with request_id_scope():  # the task's or request's id, else a new one for this batch
        return _execute(run_ids, concurrency=concurrency, on_finished=on_finished, clients=clients)


def _execute(
    run_ids: Iterable[int],
    *,
    concurrency: int | None,
    on_finished: Callable[[QualificationRun], None] | None,
    clients: Callable[[], Any] | None,
) -> list[QualificationRun]:
    facts = _claim(run_ids)
    if not facts:
        return []
    lead_of = {fact.run_id: fact.lead_id for fact in facts}
    finished: list[QualificationRun] = []

    def handle(event: Event) -> None:
        if isinstance(event, CheckFinished):
            qualification_check_record(run_id=event.run_id, result=event.result)
            return
        run = qualification_complete(lead_id=lead_of[event.run_id], gathered=event)
        if run is not None:
            finished.append(run)
            if on_finished is not None:
                on_finished(run)

    _drive(
        lambda emit: gather_runs(
            facts,
            emit=emit,
            concurrency=concurrency or settings.LEADS_BULK_CONCURRENCY,
            timeout=settings.QUALIFICATION_TIMEOUT,
            clients=clients,
        ),
        handle,
    )
    return finished


def qualification_run_execute(*, run_id: int) -> QualificationRun | None:
    """Execute one run (what the task does). None if it was already finished."""
    runs = qualification_runs_execute(run_ids=[run_id], concurrency=1)
    return runs[0] if runs else None
