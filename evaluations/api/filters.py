"""The list's query parameters: parsed and documented here, applied by the selector
(`selectors.evaluation_list`), for the API (`core.api.filters.SelectorFilterBackend`) and the
list page (its form) alike."""

from __future__ import annotations

import django_filters

from evaluations.models import Evaluation, Reason, State
from evaluations.types import registry


class EvaluationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=lambda: registry.choices())
    state = django_filters.ChoiceFilter(choices=State.choices)
    reason = django_filters.ChoiceFilter(choices=Reason.choices)
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte", label="Score ≥")
    score_max = django_filters.NumberFilter(field_name="score", lookup_expr="lte", label="Score ≤")
    search = django_filters.CharFilter(
        label="Number or name", help_text="A number (spaces and case ignored) or a company name."
    )
    due = django_filters.BooleanFilter(field_name="reevaluation_due", label="Due for re-evaluation")

    class Meta:
        model = Evaluation
        fields = ["kind", "state", "reason", "score_min", "score_max", "search", "due"]
