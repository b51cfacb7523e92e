"""Query parameters of the key accounts API: parsed and documented here, applied by the
selectors with the same names (`core.api.filters.SelectorFilterBackend`)."""

from __future__ import annotations

import django_filters

from core.api.filters import IdFilter
from kam.models import Band, CallOutcome, InteractionKind, LeadStatus


class AccountFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices)
    band = django_filters.ChoiceFilter(choices=Band.choices)
    city = django_filters.CharFilter(help_text="The city, whatever the case.")
    owner = IdFilter(help_text="The KAM's user id.")
    search = django_filters.CharFilter(
        help_text="Words, each found in the name, the city or the cuisine."
    )


class PerformanceFilter(django_filters.FilterSet):
    band = django_filters.ChoiceFilter(choices=Band.choices)
    owner = IdFilter(help_text="The KAM's user id.")
    search = django_filters.CharFilter(
        help_text="Words, each found in the name, the city or the cuisine."
    )


class ContactFilter(django_filters.FilterSet):
    restaurant = IdFilter()
    is_primary = django_filters.BooleanFilter()
    search = django_filters.CharFilter(
        help_text="Words, each found in the name, the email or the phone."
    )


class InteractionFilter(django_filters.FilterSet):
    restaurant = IdFilter()
    kind = django_filters.ChoiceFilter(choices=InteractionKind.choices)
    outcome = django_filters.ChoiceFilter(choices=CallOutcome.choices)


class OrderFilter(django_filters.FilterSet):
    restaurant = IdFilter()
