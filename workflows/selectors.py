"""Reads of workflow runs, their steps and their chart."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from workflows.models import RunStatus, StepResult, StepStatus, Upload, WorkflowRun


def workflow_run_list() -> QuerySet[WorkflowRun]:
    return WorkflowRun.objects.select_related("definition", "customer", "created_by").order_by(
        "-created_at"
    )


def workflow_run_get(*, run_id) -> WorkflowRun | None:
    return (
        WorkflowRun.objects.select_related("definition", "customer", "created_by")
        .prefetch_related(
            Prefetch("step_results", queryset=StepResult.objects.select_related("actor")),
            Prefetch("uploads", queryset=Upload.objects.defer("content")),
        )
        .filter(id=run_id)
        .first()
    )


def workflow_run_outputs(run: WorkflowRun) -> dict[str, dict[str, Any]]:
    return {
        result.step_id: result.output
        for result in run.step_results.all()
        if result.status == StepStatus.COMPLETED
    }


def workflow_run_chart(run: WorkflowRun) -> dict[str, Any] | None:
    """The output of the run's chart step, once done."""
    for result in run.step_results.all():
        if result.status == StepStatus.COMPLETED and result.step_type == "chart":
            return result.output
    return None


def workflow_run_status_counts() -> dict[str, int]:
    counts = dict(WorkflowRun.objects.order_by().values_list("status").annotate(n=Count("id")))
    return {status.value: counts.get(status.value, 0) for status in RunStatus}
