"""Date and datetime ranges: every date input is checked against the range of its kind.

Four named ranges (README "Input rules"; the relative ones are settings):

- `BIRTH_DATE`: 1900-01-01 .. today.
- `EVENT` (something that happened: a call, an order): BOUNDARY_EVENT_MAX_AGE_DAYS before now
  .. now + BOUNDARY_CLOCK_SKEW_SECONDS (a client clock slightly ahead of ours).
- `PLANNED` (a planned call or follow-up): BOUNDARY_PLANNED_PAST_DAYS before now .. now +
  BOUNDARY_PLANNING_HORIZON_DAYS.
- `FILTER` (dates in query parameters, dates of operations commands, and what
  `manage.py check_datetimes` expects of stored rows): 1900-01-01 .. 2100-12-31.

Every range lies far inside years 2..9998, so a value it accepts converts into any IANA zone
(offsets stay within a day) and back without overflow. Checking never raises: a value whose
conversion to UTC overflows (year 1 west of Greenwich, year 9999 east of it) is out of range
and gets the range's message, like any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import ApplicationError

OUT_OF_RANGE_CODE = "out_of_range"
# Any datetime between these converts into every IANA zone without leaving Python's range.
SAFE_EARLIEST = dt.datetime(2, 1, 1, tzinfo=dt.UTC)
SAFE_LATEST = dt.datetime(9998, 12, 31, tzinfo=dt.UTC)
FILTER_EARLIEST = dt.date(1900, 1, 1)
FILTER_LATEST = dt.date(2100, 12, 31)
BIRTH_DATE_EARLIEST = dt.date(1900, 1, 1)


def _zone(zone: dt.tzinfo | None) -> dt.tzinfo:
    return zone or timezone.get_current_timezone()


def to_utc(value: dt.datetime, zone: dt.tzinfo | None = None) -> dt.datetime | None:
    """`value` in UTC (a naive value is read in `zone`, default the current zone), or None
    when the conversion leaves the range Python can represent."""
    try:
        aware = value if timezone.is_aware(value) else value.replace(tzinfo=_zone(zone))
        return aware.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return None


@dataclass(frozen=True)
class Bound:
    """One end of a range: a fixed date, or a moment relative to now (`relative(now)`)."""

    fixed: dt.date | None = None
    relative: Callable[[dt.datetime], dt.datetime] | None = None
    #: How a message names a relative bound instead of its date ("today", "now").
    word: str = ""

    def moment(self, now: dt.datetime, zone: dt.tzinfo, *, end: bool) -> dt.datetime:
        """The bound as an aware datetime: a fixed date covers its whole day in `zone`."""
        if self.fixed is not None:
            day_time = dt.time.max if end else dt.time.min
            moment = dt.datetime.combine(self.fixed, day_time).replace(tzinfo=zone)
        else:
            try:
                moment = self.relative(now)  # type: ignore[misc]
            except OverflowError:  # a setting far too large: the safe extreme
                moment = SAFE_LATEST if end else SAFE_EARLIEST
        utc = to_utc(moment, zone)
        if utc is None:
            return SAFE_LATEST if end else SAFE_EARLIEST
        return min(max(utc, SAFE_EARLIEST), SAFE_LATEST)

    def day(self, now: dt.datetime, zone: dt.tzinfo, *, end: bool) -> dt.date:
        if self.fixed is not None:
            return self.fixed
        return self.moment(now, zone, end=end).astimezone(zone).date()


@dataclass(frozen=True)
class DateRange:
    """The values a kind of date or datetime field accepts, computed when checked (so
    "today" is today). A range with several bounds on one side takes the tightest."""

    name: str
    earliest: tuple[Bound, ...]
    latest: tuple[Bound, ...]
    why: Callable[[], str] = field(default=lambda: "")

    def narrowed(self, *, earliest: Bound | None = None, latest: Bound | None = None) -> DateRange:
        """This range, tightened by the bounds a definition gives (never widened)."""
        return DateRange(
            name=self.name,
            earliest=self.earliest + ((earliest,) if earliest else ()),
            latest=self.latest + ((latest,) if latest else ()),
            why=self.why,
        )

    # --- the effective bounds -------------------------------------------------------------

    def _pick(self, now, zone, *, end: bool, days: bool) -> tuple[Any, Bound]:
        bounds = self.latest if end else self.earliest
        if days:
            values = [(b.day(now, zone, end=end), b) for b in bounds]
        else:
            values = [(b.moment(now, zone, end=end), b) for b in bounds]
        return (min if end else max)(values, key=lambda pair: pair[0])

    def date_bounds(
        self, *, now: dt.datetime | None = None, zone: dt.tzinfo | None = None
    ) -> tuple[dt.date, dt.date]:
        now, zone = now or timezone.now(), _zone(zone)
        return (
            self._pick(now, zone, end=False, days=True)[0],
            self._pick(now, zone, end=True, days=True)[0],
        )

    def datetime_bounds(
        self, *, now: dt.datetime | None = None, zone: dt.tzinfo | None = None
    ) -> tuple[dt.datetime, dt.datetime]:
        now, zone = now or timezone.now(), _zone(zone)
        return (
            self._pick(now, zone, end=False, days=False)[0],
            self._pick(now, zone, end=True, days=False)[0],
        )

    def message(self, *, now: dt.datetime | None = None, zone: dt.tzinfo | None = None) -> str:
        """ "Must be between 2026-11-22 and 2028-11-28 (the planning horizon).", the dates in
        `zone` (default the current zone)."""
        now, zone = now or timezone.now(), _zone(zone)
        low, low_bound = self._pick(now, zone, end=False, days=True)
        high, high_bound = self._pick(now, zone, end=True, days=True)
        why = self.why()
        return (
            f"Must be between {low_bound.word or low.isoformat()} and "
            f"{high_bound.word or high.isoformat()}{f' ({why})' if why else ''}."
        )

    # --- checks ---------------------------------------------------------------------------

    def problem(
        self, value: Any, *, now: dt.datetime | None = None, zone: dt.tzinfo | None = None
    ) -> str | None:
        """None when `value` (a date or a datetime; naive: read in `zone`) is in range,
        else the message for the person who typed it. Never raises."""
        if value is None:
            return None
        now, zone = now or timezone.now(), _zone(zone)
        if isinstance(value, dt.datetime):
            utc = to_utc(value, zone)
            if utc is not None:
                low, high = self.datetime_bounds(now=now, zone=zone)
                if low <= utc <= high:
                    return None
        elif isinstance(value, dt.date):
            low, high = self.date_bounds(now=now, zone=zone)
            if low <= value <= high:
                return None
        else:
            return "Enter a date."
        return self.message(now=now, zone=zone)

    def validate(self, value: Any) -> None:
        """A Django validator (models, forms): ValidationError when out of range."""
        if message := self.problem(value):
            raise ValidationError(message, code=OUT_OF_RANGE_CODE)


def _days(name: str) -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, name))


def _span(days: int) -> str:
    if days % 365 == 0:
        years = days // 365
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{days} day{'s' if days != 1 else ''}"


BIRTH_DATE = DateRange(
    name="birth date",
    earliest=(Bound(fixed=BIRTH_DATE_EARLIEST),),
    latest=(Bound(relative=lambda now: now, word="today"),),
)
EVENT = DateRange(
    name="event",
    earliest=(Bound(relative=lambda now: now - _days("BOUNDARY_EVENT_MAX_AGE_DAYS")),),
    latest=(
        Bound(
            relative=lambda now: now + dt.timedelta(seconds=settings.BOUNDARY_CLOCK_SKEW_SECONDS),
            word="now",
        ),
    ),
    why=lambda: (
        "something that happened: not in the future, at most "
        f"{_span(settings.BOUNDARY_EVENT_MAX_AGE_DAYS)} ago"
    ),
)
PLANNED = DateRange(
    name="planned",
    earliest=(Bound(relative=lambda now: now - _days("BOUNDARY_PLANNED_PAST_DAYS")),),
    latest=(Bound(relative=lambda now: now + _days("BOUNDARY_PLANNING_HORIZON_DAYS")),),
    why=lambda: "the planning horizon",
)
FILTER = DateRange(
    name="filter",
    earliest=(Bound(fixed=FILTER_EARLIEST),),
    latest=(Bound(fixed=FILTER_LATEST),),
)

RANGES = {r.name: r for r in (BIRTH_DATE, EVENT, PLANNED, FILTER)}


def out_of_range_fields(
    values: Mapping[str, tuple[Any, DateRange]],
    *,
    now: dt.datetime | None = None,
    zone: dt.tzinfo | None = None,
) -> dict[str, list[str]]:
    """{field: [message]} for each (value, range) out of its range; None values pass."""
    problems = {}
    for name, (value, date_range) in values.items():
        if message := date_range.problem(value, now=now, zone=zone):
            problems[name] = [message]
    return problems


def ensure_in_range(
    values: Mapping[str, tuple[Any, DateRange]],
    *,
    now: dt.datetime | None = None,
    zone: dt.tzinfo | None = None,
) -> None:
    """For services (called from views, commands and tasks alike): an ApplicationError
    naming every field out of its range."""
    if problems := out_of_range_fields(values, now=now, zone=zone):
        raise ApplicationError(
            "Some fields are not valid: " + ", ".join(sorted(problems)) + ".",
            code="validation_error",
            fields=problems,
        )


def parse_date_option(text: str, date_range: DateRange | None = FILTER) -> dt.date:
    """A management command's YYYY-MM-DD option, in `date_range` (None: any date): the
    date, or ValueError with one readable sentence (commands make it a CommandError)."""
    try:
        value = dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"must be a date written YYYY-MM-DD, got {text!r}.") from None
    if date_range is not None and (message := date_range.problem(value)):
        raise ValueError(f"{message[0].lower()}{message[1:]}")
    return value
