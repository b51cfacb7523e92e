"""Query parameters of the workflows API: parsed and documented here, applied by the
selectors (`workflows.selectors.workflow_run_list`), as the pages do."""

from __future__ import annotations

import django_filters

from workflows.models import RunStatus

STATUSES = ", ".join(RunStatus.values)


class WorkflowRunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=RunStatus.choices,
        help_text="The run's status.",
        error_messages={"invalid_choice": f"Choose one of {STATUSES}."},
    )
    definition = django_filters.CharFilter(max_length=64, help_text="a workflow key")
    search = django_filters.CharFilter(
        help_text="Words, each found in the customer's first or last name."
    )
