"""List endpoints filter through the app's selector, like the pages.

`SelectorFilterBackend` (first of REST_FRAMEWORK's DEFAULT_FILTER_BACKENDS) validates the
query parameters with the view's `filterset_class` (a django-filter FilterSet: it parses and
documents the parameters, 400 on a bad value), then asks the view for its rows with the
cleaned values as keyword arguments:

    class LoanApplicationViewSet(...):
        filterset_class = LoanApplicationFilter          # status, currency, created_from...

        def select(self, **filters):                     # every read of this view
            return selectors.loan_application_list(user=self.request.user, **filters)

        def get_queryset(self):
            return self.select()

The selector does the filtering, so the page (which calls the same selector with its form's
values) and the API never filter the same list in two ways. Parameters left empty are not
passed. `?search=` is one of those parameters: a `search` CharFilter, matched by the
selector with `core.selectors.search_words` (words, each in one of its fields), so a page's
search box and the API's find the same rows. `?ordering=` (DRF's OrderingFilter) then applies
to the selector's rows.
A view without `select` is filtered by its FilterSet as django-filter does. A view with
`select` must return `self.select()` from `get_queryset` (unfiltered requests use it as is).
"""

from __future__ import annotations

import django_filters
from django import forms
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend

from core.boundary import MAX_ID

EMPTY = (None, "", [], ())


class SelectorFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        select = getattr(view, "select", None)
        if select is None:
            return super().filter_queryset(request, queryset, view)
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        arguments = {
            name: value for name, value in filterset.form.cleaned_data.items() if value not in EMPTY
        }
        if not arguments:
            # `get_queryset` already is `select()`: building it a second time would cost as
            # much again (a kam performance page: ~11 ms of query building per call).
            return queryset
        return select(**arguments)


class IdFilter(django_filters.NumberFilter):
    """A row id in a query parameter: an integer 1..MAX_ID (400 otherwise), passed to the
    selector as an int."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)
