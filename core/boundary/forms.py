"""The boundary on page forms: every form of our apps is a `BoundaryForm` (or uses the
mixin), and date inputs use the range-checked fields below. A refusal is a form error on
that field; the rest of the input stays on the form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.boundary.dates import FILTER, OUT_OF_RANGE_CODE, DateRange
from core.boundary.text import CONTROL_CHARACTER_CODE, control_character_problem


class BoundaryFormMixin:
    """Refuse control characters in every field's raw input (text, choices, checkboxes, file
    names): one clear message on that field, in place of whatever the field itself said
    (Django's "Null characters are not allowed.", an invalid choice...); the other fields
    clean as usual. (`tests/core/test_boundary_forms.py` fails for a form of our apps
    without it.)"""

    def _clean_fields(self) -> None:
        refused: dict[str, str] = {}
        for name, bound in self._bound_items():  # type: ignore[attr-defined]
            if bound.field.disabled:
                continue
            data, files = self.data, self.files  # type: ignore[attr-defined]
            # What the widget reads, and what was sent under the field's name (a checkbox
            # widget turns any text into True).
            sent = data.getlist(bound.html_name) if hasattr(data, "getlist") else []
            raw = bound.field.widget.value_from_datadict(data, files, bound.html_name)
            if message := control_character_problem([sent, raw]):
                refused[name] = message
        super()._clean_fields()  # type: ignore[misc]
        for name, message in refused.items():
            self._errors.pop(name, None)  # type: ignore[attr-defined]
            self.add_error(  # type: ignore[attr-defined]
                name, ValidationError(message, code=CONTROL_CHARACTER_CODE)
            )


class BoundaryForm(BoundaryFormMixin, forms.Form):
    """The base of every page form of our apps."""


class BoundedDateField(forms.DateField):
    """A date in `date_range` (core.boundary.dates)."""

    def __init__(self, *, date_range: DateRange, **kwargs: Any) -> None:
        self.date_range = date_range
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and (message := self.date_range.problem(value)):
            raise ValidationError(message, code=OUT_OF_RANGE_CODE)


class BoundedDateTimeField(forms.DateTimeField):
    """A datetime in `date_range`. A value without an offset is read in `zone` (the form
    sets it, e.g. to an account's zone; default the current zone). ISO 8601 input, with a
    `T` or a space, seconds and offset optional."""

    def __init__(
        self, *, date_range: DateRange, zone: dt.tzinfo | None = None, **kwargs: Any
    ) -> None:
        self.date_range = date_range
        self.zone = zone
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            parsed = value
        else:
            try:
                parsed = parse_datetime(str(value).strip())
            except ValueError:  # well formed, but not a real date (February 30th)
                parsed = None
            if parsed is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=self.zone or timezone.get_current_timezone())
        return parsed

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and (message := self.date_range.problem(value, zone=self.zone)):
            raise ValidationError(message, code=OUT_OF_RANGE_CODE)


class BoundedSplitDateTimeField(forms.SplitDateTimeField):
    """The admin's date-and-time input (two boxes), in `date_range` (default FILTER: staff
    may correct old rows, but nothing that cannot be shown in every zone)."""

    def __init__(self, *, date_range: DateRange = FILTER, **kwargs: Any) -> None:
        self.date_range = date_range
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and (message := self.date_range.problem(value)):
            raise ValidationError(message, code=OUT_OF_RANGE_CODE)


class FilterDateField(BoundedDateField):
    def __init__(self, *, date_range: DateRange = FILTER, **kwargs: Any) -> None:
        super().__init__(date_range=date_range, **kwargs)


class DateFilter(django_filters.DateFilter):
    """django-filter's DateFilter, limited to the `FILTER` range (a query-parameter date)."""

    field_class = FilterDateField
