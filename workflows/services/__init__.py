"""Workflow use cases (writes), one module per entity: `definitions` (the files stored as
rows) and `runs` (start, a person step's input, the automatic steps, the sweep)."""

from workflows.forms import step_form_class
from workflows.loader import definition_of
from workflows.services.definitions import definitions_sync
from workflows.services.runs import (
    workflow_run_execute,
    workflow_run_start,
    workflow_run_submit,
    workflow_runs_resume_stalled,
)

__all__ = [
    "definition_of",
    "definitions_sync",
    "step_form_class",
    "workflow_run_execute",
    "workflow_run_start",
    "workflow_run_submit",
    "workflow_runs_resume_stalled",
]
