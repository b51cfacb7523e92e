"""Query parameters of the key accounts API: parsed and documented here, applied by the
selectors (`core.api.filters.SelectorFilterBackend`)."""

from __future__ import annotations

import django_filters

from kam.models import Band, CallOutcome, InteractionKind, LeadStatus

MAX_ID = 2**63 - 1


def id_filter(field_name: str) -> django_filters.NumberFilter:
    return django_filters.NumberFilter(field_name=field_name, min_value=1, max_value=MAX_ID)


class AccountFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices)
    band = django_filters.ChoiceFilter(choices=Band.choices)
    city = django_filters.CharFilter(field_name="city", lookup_expr="iexact")
    owner = id_filter("owner_id")


class ContactFilter(django_filters.FilterSet):
    restaurant = id_filter("restaurant_id")
    is_primary = django_filters.BooleanFilter()


class InteractionFilter(django_filters.FilterSet):
    restaurant = id_filter("restaurant_id")
    kind = django_filters.ChoiceFilter(choices=InteractionKind.choices)
    outcome = django_filters.ChoiceFilter(choices=CallOutcome.choices)


class OrderFilter(django_filters.FilterSet):
    restaurant = id_filter("restaurant_id")


class PerformanceFilter(django_filters.FilterSet):
    band = django_filters.ChoiceFilter(choices=Band.choices)
    owner = id_filter("owner_id")
