"""The input boundary's rules (core.boundary): control characters, date ranges."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.boundary import (
    BIRTH_DATE,
    EVENT,
    FILTER,
    PLANNED,
    control_character_problem,
    control_characters_in,
    ensure_in_range,
    find_control_character,
    parse_date_option,
    printable,
    to_utc,
)
from core.errors import ApplicationError
from tests.harness import boundary as harness

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
RANGES = [BIRTH_DATE, EVENT, PLANNED, FILTER]


# --- control characters ------------------------------------------------------------------------


@pytest.mark.parametrize("character", harness.CONTROL)
def test_every_control_character_is_refused(character):
    assert find_control_character(f"ab{character}cd") == character
    assert f"U+{ord(character):04X}" in control_character_problem(f"x{character}")


@pytest.mark.parametrize("text", ["tab\there", "two\nlines", "crlf\r\n", "émoji 🍜", "\u00a0nbsp"])
def test_tab_newlines_and_printable_unicode_pass(text):
    assert find_control_character(text) is None
    assert control_character_problem(text) is None


def test_lists_nested_values_and_file_names_are_looked_into():
    class Upload:
        name = "report\x1b.xlsx"

    assert control_character_problem(["ok", ["fine", "bad\x00"]])
    assert control_character_problem([Upload()])
    assert control_character_problem([1, None, True, "ok"]) is None


def test_nested_input_is_reported_by_dotted_path_keys_included():
    data = {"items": [{"name": "ok"}, {"name": "b\x00d"}], "k\x07ey": 1, "note": "\x85"}

    found = dict(control_characters_in(data))

    assert set(found) == {"items.1.name", "k\\u0007ey", "note"}
    assert printable("a\x00b") == "a\\u0000b"


def test_walking_very_deep_input_does_not_recurse():
    value: object = "bad\x00"
    for _ in range(50_000):
        value = [value]

    path, _ = next(iter(control_characters_in(value)))
    assert path.startswith("0.0.0")


# --- date ranges ---------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_ranges_and_their_messages(settings):
    settings.TIME_ZONE = "UTC"
    assert PLANNED.message() == "Must be between 2026-11-22 and 2028-11-28 (the planning horizon)."
    assert EVENT.message() == (
        "Must be between 2021-11-30 and now (something that happened: not in the future, "
        "at most 5 years ago)."
    )
    assert BIRTH_DATE.message() == "Must be between 1900-01-01 and today."
    assert FILTER.message() == "Must be between 1900-01-01 and 2100-12-31."


@time_machine.travel(NOW, tick=False)
def test_the_relative_ranges_are_settings(settings):
    settings.TIME_ZONE = "UTC"
    settings.BOUNDARY_PLANNING_HORIZON_DAYS = 30
    settings.BOUNDARY_EVENT_MAX_AGE_DAYS = 10
    settings.BOUNDARY_CLOCK_SKEW_SECONDS = 0

    assert PLANNED.date_bounds() == (dt.date(2026, 11, 22), dt.date(2026, 12, 29))
    assert EVENT.message() == (
        "Must be between 2026-11-19 and now (something that happened: not in the future, "
        "at most 10 days ago)."
    )
    assert EVENT.problem(NOW + dt.timedelta(seconds=1))
    assert EVENT.problem(NOW) is None


@time_machine.travel(NOW, tick=False)
def test_a_setting_far_too_large_still_gives_convertible_bounds(settings):
    settings.BOUNDARY_PLANNING_HORIZON_DAYS = 10**9

    _, high = PLANNED.datetime_bounds()

    assert high.year == 9998
    assert PLANNED.problem(dt.datetime(9999, 12, 31, tzinfo=dt.UTC))


@time_machine.travel(NOW, tick=False)
def test_the_edges_of_each_range(settings):
    settings.TIME_ZONE = "UTC"
    skew = dt.timedelta(seconds=settings.BOUNDARY_CLOCK_SKEW_SECONDS)
    assert EVENT.problem(NOW + skew) is None
    assert EVENT.problem(NOW + skew + dt.timedelta(seconds=1))
    assert PLANNED.problem(NOW + dt.timedelta(days=730)) is None
    assert PLANNED.problem(NOW + dt.timedelta(days=731))
    assert PLANNED.problem(NOW - dt.timedelta(days=8))
    assert BIRTH_DATE.problem(dt.date(1900, 1, 1)) is None
    assert BIRTH_DATE.problem(dt.date(1899, 12, 31))
    assert BIRTH_DATE.problem(dt.date(2026, 11, 29)) is None
    assert BIRTH_DATE.problem(dt.date(2026, 11, 30))
    assert FILTER.problem(dt.date(2100, 12, 31)) is None
    assert FILTER.problem(dt.date(2101, 1, 1))


@pytest.mark.parametrize(
    ("value", "zone"),
    [
        (dt.datetime.fromisoformat("0001-01-01T00:00"), "Asia/Kolkata"),  # UTC: year 0
        (dt.datetime.fromisoformat("0001-01-01T00:00"), "America/Los_Angeles"),
        (dt.datetime.fromisoformat("9999-12-31T23:00"), "America/Los_Angeles"),  # year 10000
        (dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-12))), None),
        (dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))), None),
    ],
)
def test_values_that_overflow_are_out_of_range_and_never_raise(value, zone):
    tz = zoneinfo.ZoneInfo(zone) if zone else None
    for date_range in RANGES:
        assert date_range.problem(value, zone=tz) == date_range.message(zone=tz)
    if tz is not None and value.year == 1 and zone == "Asia/Kolkata":
        assert to_utc(value, tz) is None


@given(
    value=st.datetimes(timezones=st.sampled_from([None, *map(zoneinfo.ZoneInfo, harness.ZONES)]))
)
@harness.fast(200)
def test_a_value_in_range_converts_into_every_zone(value):
    """What a range accepts can be shown in any IANA zone (and one that cannot is refused)."""
    for date_range in RANGES:
        if date_range.problem(value) is None:
            for zone in EXTREME_ZONES:
                value.astimezone(zone).astimezone(dt.UTC)


EXTREME_ZONES = [zoneinfo.ZoneInfo(name) for name in ("Pacific/Kiritimati", "Etc/GMT+12",
                                                       "Pacific/Pago_Pago", "America/Juneau",
                                                       "Asia/Manila")]  # fmt: skip


def test_the_bounds_of_every_range_convert_into_every_iana_zone():
    zones = [zoneinfo.ZoneInfo(name) for name in sorted(zoneinfo.available_timezones())]
    for date_range in RANGES:
        for bound in date_range.datetime_bounds():
            for zone in zones:
                bound.astimezone(zone)


def test_a_validator_for_models_and_forms():
    with pytest.raises(ValidationError) as caught:
        BIRTH_DATE.validate(dt.date(1, 1, 1))
    assert caught.value.code == "out_of_range"
    BIRTH_DATE.validate(dt.date(1980, 1, 1))


def test_services_get_every_field_out_of_range_at_once():
    with pytest.raises(ApplicationError) as caught:
        ensure_in_range(
            {
                "occurred_at": (dt.datetime(1, 1, 1, tzinfo=dt.UTC), EVENT),
                "next_call_at": (dt.datetime(9999, 1, 1, tzinfo=dt.UTC), PLANNED),
                "fine": (None, PLANNED),
            }
        )

    assert caught.value.code == "validation_error"
    assert caught.value.fields == {
        "occurred_at": [EVENT.message()],
        "next_call_at": [PLANNED.message()],
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13-01", "must be a date written YYYY-MM-DD, got '2026-13-01'."),
        ("1899-12-31", "must be between 1900-01-01 and 2100-12-31."),
        ("10000-01-01", "must be a date written YYYY-MM-DD, got '10000-01-01'."),
    ],
)
def test_command_date_options(text, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        parse_date_option(text)
    assert parse_date_option("2026-02-01") == dt.date(2026, 2, 1)
    assert parse_date_option("0001-01-01", None) == dt.date(1, 1, 1)
