"""Query parameters of the leads API: parsed and documented here, applied by the selectors
(`leads.selectors.lead_list`, `run_list`) through `core.api.filters.SelectorFilterBackend`."""

from __future__ import annotations

import django_filters

from leads.models import QualificationRun, RunStatus, Stage

MAX_ID = 2**63 - 1


def id_filter(help_text: str) -> django_filters.NumberFilter:
    return django_filters.NumberFilter(min_value=1, max_value=MAX_ID, help_text=help_text)


class LeadFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    owner = id_filter("The id of the sales agent in charge.")


class RunFilter(django_filters.FilterSet):
    lead = id_filter("The id of the lead.")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)
    outcome = django_filters.ChoiceFilter(
        choices=QualificationRun._meta.get_field("outcome").choices
    )
