"""SelectorFilterBackend: a list is filtered by the app's selector, with the FilterSet's
cleaned values as arguments."""

from __future__ import annotations

import django_filters
import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.api.filters import SelectorFilterBackend
from loans.models import LoanApplication, Status


class Filter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    currency = django_filters.CharFilter()
    created_from = django_filters.DateFilter()

    class Meta:
        model = LoanApplication
        fields = ["status", "currency", "created_from"]


class View:
    filterset_class = Filter

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def select(self, **filters):
        self.calls.append(filters)
        return LoanApplication.objects.none()

    def get_queryset(self):
        return LoanApplication.objects.all()


def request(query: str) -> Request:
    return Request(APIRequestFactory().get(f"/x/?{query}"))


@pytest.mark.django_db
def test_the_selector_gets_the_cleaned_values_and_nothing_empty():
    view = View()

    SelectorFilterBackend().filter_queryset(
        request("status=pending&status=new&currency=&created_from=2026-01-02&other=1"),
        view.get_queryset(),
        view,
    )

    [arguments] = view.calls
    assert sorted(arguments["status"]) == ["new", "pending"]
    assert str(arguments["created_from"]) == "2026-01-02"
    assert set(arguments) == {"status", "created_from"}


@pytest.mark.django_db
def test_a_bad_value_is_a_400_naming_the_parameter_and_the_selector_is_not_asked():
    view = View()

    with pytest.raises(ValidationError) as refused:
        SelectorFilterBackend().filter_queryset(
            request("created_from=yesterday"), view.get_queryset(), view
        )

    assert "created_from" in refused.value.detail
    assert view.calls == []
