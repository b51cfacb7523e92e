"""Reads of workflow definitions, runs, their steps, uploads and chart.

A GET only reads rows: the definitions are the rows the last sync left current
(`services.definitions_sync`), never the files.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Min, Prefetch, QuerySet

from core.selectors import search_words
from workflows.access import User, can_start, can_use_workflows, sees_definition_problems
from workflows.models import (
    DefinitionProblem,
    RunStatus,
    StepResult,
    StepStatus,
    Upload,
    WorkflowDefinition,
    WorkflowRun,
)

# --- definitions ----------------------------------------------------------------------------


def workflow_definition_current(*, key: str) -> WorkflowDefinition | None:
    """The current row of `key`, whoever asks (services check who may start it)."""
    return WorkflowDefinition.objects.filter(key=key, is_current=True).first()


def workflow_definition_list(*, user: User, startable: bool = False) -> list[WorkflowDefinition]:
    """The current definitions by title; `startable`: only those `user` may start."""
    if not can_use_workflows(user):
        return []
    rows = WorkflowDefinition.objects.filter(is_current=True).order_by("title", "key")
    if startable:
        return [row for row in rows if can_start(user, row.spec.get("roles") or ())]
    return list(rows)


def workflow_definition_get(*, user: User, key: str) -> WorkflowDefinition | None:
    if not can_use_workflows(user):
        return None
    return workflow_definition_current(key=key)


def definition_problem_list(*, user: User) -> QuerySet[DefinitionProblem]:
    """The files the last sync refused, for those who manage workflows (administrators)."""
    if not sees_definition_problems(user):
        return DefinitionProblem.objects.none()
    return DefinitionProblem.objects.all()


# --- runs -----------------------------------------------------------------------------------


def workflow_run_list(
    *,
    user: User,
    status: str | None = None,
    definition: str | None = None,
    search: str | None = None,
) -> QuerySet[WorkflowRun]:
    """The runs `user` may see (every run, for those who use workflows), newest first;
    `status`: one of RunStatus; `definition`: a workflow key; `search`: words, each in the
    customer's first or last name."""
    runs = WorkflowRun.objects.select_related("definition", "customer", "created_by").order_by(
        "-created_at"
    )
    if not can_use_workflows(user):
        return runs.none()
    if status:
        runs = runs.filter(status=status)
    if definition:
        runs = runs.filter(definition__key=definition)
    return search_words(runs, search, ["customer__first_name", "customer__last_name"])


def workflow_run_rows(runs: QuerySet[WorkflowRun]) -> QuerySet[WorkflowRun]:
    """`workflow_run_list` as a list shows it: the run's columns, the pinned definition's
    key/version/checksum/title (not its spec), the customer's names and birth date and the
    creator's username."""
    return runs.only(
        *(f.name for f in WorkflowRun._meta.concrete_fields),
        "definition__key",
        "definition__version",
        "definition__checksum",
        "definition__title",
        "customer__first_name",
        "customer__last_name",
        "customer__date_of_birth",
        "created_by__username",
    )


def workflow_run_get(*, user: User, run_id) -> WorkflowRun | None:
    """One run with its step results and uploads (their rows; the files stay in storage)."""
    return (
        workflow_run_list(user=user)
        .prefetch_related(
            Prefetch("step_results", queryset=StepResult.objects.select_related("actor")),
            "uploads",
        )
        .filter(id=run_id)
        .first()
    )


def workflow_run_chart(run: WorkflowRun) -> dict[str, Any] | None:
    """The output of the run's chart step, once done (from the prefetched step results)."""
    for result in run.step_results.all():
        if result.status == StepStatus.COMPLETED and result.step_type == "chart":
            return result.output
    return None


def workflow_run_status_counts(*, user: User) -> dict[str, int]:
    counts = dict(
        workflow_run_list(user=user).order_by().values_list("status").annotate(n=Count("id"))
    )
    return {status.value: counts.get(status.value, 0) for status in RunStatus}


def workflow_steps_oldest_due_age(*, now: datetime.datetime) -> float:
    """Seconds the oldest `running` run has waited for its automatic step (since its last
    change, as `workflow_runs_resume_stalled` counts); 0 when none. One query, on the
    running-runs index."""
    oldest = WorkflowRun.objects.filter(status=RunStatus.RUNNING).aggregate(
        oldest=Min("updated_at")
    )["oldest"]
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def upload_get(*, user: User, upload_id) -> Upload | None:
    """An uploaded file (for download: `read_bytes()` reads it from the uploads storage)."""
    if not can_use_workflows(user):
        return None
    return Upload.objects.filter(id=upload_id).first()


def search_hits(*, user: User, text: str, limit: int) -> list:
    """The top bar's search: workflow runs by their customer's name."""
    from django.urls import reverse

    from core import present
    from core.search import SearchHit

    runs = workflow_run_list(user=user, search=text).exclude(customer=None)
    return [
        SearchHit(
            title=f"{run.customer.first_name} {run.customer.last_name}",
            url=reverse("workflows:run", args=[run.pk]),
            details=(
                run.definition.title,
                present.choice_label(run.status, RunStatus),
                present.day(run.created_at),
            ),
        )
        for run in runs[:limit]
    ]
