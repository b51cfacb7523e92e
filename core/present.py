"""How the pages show things to people, in one place: money, numbers, dates and times with
their zone named, months, durations and how long ago, file sizes, choice labels and field
labels.

Babel does the locale work (grouping, decimal marks, currency symbols and their position,
month names): the locale comes from the active language (settings.LANGUAGE_CODE, `en-gb`).
Templates use the `present` library (`{% load present %}`, core/templatetags/present.py);
Python code (messages, CSV, charts) calls these functions. None shows as an em dash.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import numbers as babel_numbers
from babel.dates import format_date, format_datetime
from django.db import models
from django.utils import timezone, translation

EMPTY = "—"


def locale() -> str:
    """The Babel locale of the active language ('en_GB')."""
    return translation.to_locale(translation.get_language() or "en-gb")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def money(amount: Any, currency: str | None) -> str:
    """'€14,232.45', '₹123,456.00', 'JP¥123,456': the currency's own digits and symbol, the
    grouping of the person's locale (en-GB)."""
    number = _decimal(amount)
    if number is None:
        return EMPTY
    if not currency:
        return number_text(number, digits=2)
    try:
        return babel_numbers.format_currency(number, currency.upper(), locale=locale())
    except (babel_numbers.UnknownCurrencyError, ValueError):
        return f"{number_text(number, digits=2)} {currency}"


def number_text(value: Any, *, digits: int | None = None) -> str:
    """'12,345' or with `digits` decimals '12,345.60'."""
    number = _decimal(value)
    if number is None:
        return EMPTY
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return babel_numbers.format_decimal(number, format=pattern, locale=locale())


def _zone(zone: Any) -> dt.tzinfo:
    if zone is None or zone == "":
        return timezone.get_current_timezone()
    if isinstance(zone, dt.tzinfo):
        return zone
    try:
        return zoneinfo.ZoneInfo(str(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def zone_name(value: dt.datetime) -> str:
    """The zone as people read it: 'CET', 'IST', 'PST'; 'UTC+04' where the zone has no
    letters of its own."""
    abbreviation = value.tzname() or ""
    if abbreviation and abbreviation[0] not in "+-":
        return abbreviation
    offset = value.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}" + (f":{rest:02d}" if rest else "")


def moment(value: dt.datetime | None, zone: Any = None, *, seconds: bool = False) -> str:
    """'29 Nov 2026, 17:05 CET': a point in time in `zone` (default: the current zone, i.e.
    the person's), the zone always named."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, str):
        parsed = _parse_datetime(value)
        if parsed is None:
            return value
        value = parsed
    if not isinstance(value, dt.datetime):
        return day(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    try:
        local = value.astimezone(_zone(zone))
    except (OverflowError, ValueError):
        return value.isoformat()
    pattern = "d MMM y, HH:mm:ss" if seconds else "d MMM y, HH:mm"
    return f"{format_datetime(local, pattern, locale=locale())} {zone_name(local)}"


def also_yours(value: dt.datetime | None, zone: Any) -> str:
    """The moment in the person's own zone when it reads differently from `zone` (a
    restaurant's), else "": shown beside a local time so both are at hand."""
    if not isinstance(value, dt.datetime):
        return ""
    yours = moment(value)
    return "" if yours == moment(value, zone) else yours


def day(value: dt.date | dt.datetime | None, zone: Any = None) -> str:
    """'29 Nov 2026' (a datetime: its day in `zone`)."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.astimezone(_zone(zone)).date() if timezone.is_aware(value) else value.date()
    return format_date(value, "d MMM y", locale=locale())


def month(value: dt.date | str | None) -> str:
    """'Jan 2026' for a date or 'YYYY-MM'."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, str):
        try:
            year, number = value[:7].split("-")
            value = dt.date(int(year), int(number), 1)
        except ValueError:
            return value
    return format_date(value, "MMM y", locale=locale())


def duration(value: dt.timedelta | float | int | None, *, unit: str = "s") -> str:
    """'420 ms', '3.2 s', '2 min 05 s', '1 h 02 min', '3 days 4 h'. A number is in `unit`
    ('ms' or 's')."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    else:
        try:
            seconds = float(value) / (1000 if unit == "ms" else 1)
        except (TypeError, ValueError):
            return str(value)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 1:
        return f"{sign}{round(seconds * 1000)} ms"
    if seconds < 60:
        text = f"{seconds:.1f}".rstrip("0").rstrip(".")
        return f"{sign}{text} s"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{sign}{hours} h {minutes:02d} min"
    return f"{sign}{minutes} min {secs:02d} s"


def ago(value: dt.datetime | None, *, now: dt.datetime | None = None) -> str:
    """'7 min 00 s ago', '12 s ago' (whole seconds: a relative time is refreshed, not read
    to the tenth), 'in 3 s' for a moment ahead, 'just now' within a second."""
    if value is None or value == "":
        return EMPTY
    if not isinstance(value, dt.datetime):
        return str(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    seconds = ((now or timezone.now()) - value).total_seconds()
    if abs(seconds) < 1:
        return "just now"
    text = duration(round(abs(seconds)))
    return f"{text} ago" if seconds > 0 else f"in {text}"


#: Binary multiples, as the upload and body limits are written (README "Input rules").
_SIZE_UNITS = (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024))


def file_size(value: Any) -> str:
    """'512 bytes', '1.5 KiB', '2 MiB': in the largest binary unit the size reaches, one
    decimal at most, the locale's digits."""
    number = _decimal(value)
    if number is None:
        return EMPTY
    for unit, factor in _SIZE_UNITS:
        if abs(number) >= factor:
            amount = number / factor
            return f"{babel_numbers.format_decimal(amount, '#,##0.#', locale=locale())} {unit}"
    return f"{number_text(number)} byte{'' if number == 1 else 's'}"


def choice_label(value: Any, choices: Iterable[tuple[Any, Any]] | type[models.Choices]) -> str:
    """The label of a stored choice value ('no_answer' -> 'No answer'); unknown values are
    shown as they are, blank as an em dash."""
    if value is None or value == "":
        return EMPTY
    if isinstance(choices, type) and issubclass(choices, models.Choices):
        choices = choices.choices
    for key, label in choices:
        if key == value or str(key) == str(value):
            return str(label)
    return str(value)


def field_label(model: type[models.Model] | models.Model, name: str) -> str:
    """'Owner' for `owner` or `owner_id`, from the field's verbose name."""
    field = model_field(model, name)
    label = str(field.verbose_name) if field is not None else name.replace("_", " ")
    return label[:1].upper() + label[1:]


def model_field(model: type[models.Model] | models.Model, name: str) -> models.Field | None:
    opts = model._meta
    for candidate in (name, name.removesuffix("_id")):
        try:
            return opts.get_field(candidate)
        except Exception:  # noqa: S112 - FieldDoesNotExist, or a reverse relation
            continue
    return None


def _parse_datetime(text: str) -> dt.datetime | None:
    if len(text) < 16 or text[4] != "-" or ("T" not in text and " " not in text):
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
