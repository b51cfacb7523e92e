"""The boundary on API input fields: range-checked date and datetime fields. (Control
characters, depth and number sizes are checked once for the whole body by the parsers.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework import serializers

from core.boundary.dates import DateRange, to_utc


class BoundedDateField(serializers.DateField):
    """A date in `date_range`; out of range is a 400 with the range's message."""

    def __init__(self, *, date_range: DateRange, **kwargs: Any) -> None:
        self.date_range = date_range
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.date:
        parsed = super().to_internal_value(value)
        if message := self.date_range.problem(parsed):
            raise serializers.ValidationError(message, code="out_of_range")
        return parsed


class BoundedDateTimeField(serializers.DateTimeField):
    """A datetime in `date_range` (without an offset: read in the current zone). A value
    whose conversion overflows (year 1 west of UTC) is out of range, not a server error."""

    def __init__(self, *, date_range: DateRange, **kwargs: Any) -> None:
        self.date_range = date_range
        super().__init__(**kwargs)

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        # Before DRF's own conversion, which answers "Datetime value out of range." for some
        # overflows and raises OverflowError for others (a naive year 1).
        if to_utc(value) is None:
            raise serializers.ValidationError(self.date_range.message(), code="out_of_range")
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            raise serializers.ValidationError(
                self.date_range.message(), code="out_of_range"
            ) from None

    def to_internal_value(self, value: Any) -> dt.datetime:
        parsed = super().to_internal_value(value)
        if message := self.date_range.problem(parsed):
            raise serializers.ValidationError(message, code="out_of_range")
        return parsed
