"""Query parameters of the leads API: parsed and documented here, applied by the selectors
(`leads.selectors.lead_list`, `run_list`) through `core.api.filters.SelectorFilterBackend`."""

from __future__ import annotations

import django_filters

from core.api.filters import IdFilter
from leads.models import QualificationRun, RunStatus, Stage


class LeadFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    owner = IdFilter(help_text="The id of the sales agent in charge.")
    search = django_filters.CharFilter(
        help_text="Words, each found in the first or last name, email or national id."
    )


class RunFilter(django_filters.FilterSet):
    lead = IdFilter(help_text="The id of the lead.")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)
    outcome = django_filters.ChoiceFilter(
        choices=QualificationRun._meta.get_field("outcome").choices
    )
