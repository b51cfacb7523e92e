"""Call planning: rhythm, retries, local days and daylight-saving days."""

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.planning import due_group, first_call, next_rhythm_call, next_working_day_retry

UTC = dt.UTC
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_every_n_days_counts_local_days_at_the_call_hour():
    # Tuesday 2026-11-17 16:00 in Paris -> 3 days later, 10:00 Paris (09:00 UTC in winter).
    after = utc(2026, 11, 17, 15)
    assert next_rhythm_call(after=after, zone=PARIS, hour=10, every_days=3) == utc(2026, 11, 20, 9)


def test_weekly_rhythm_takes_the_next_listed_weekday_strictly_after_the_call():
    # Wednesday call, rhythm Monday + Wednesday -> next Monday.
    after = utc(2026, 11, 18, 9)
    assert next_rhythm_call(after=after, zone=PARIS, hour=10, weekdays=[0, 2]) == utc(
        2026, 11, 23, 9
    )
    # Monday call -> Wednesday the same week.
    assert next_rhythm_call(after=utc(2026, 11, 23, 9), zone=PARIS, hour=10, weekdays=[0, 2]) == (
        utc(2026, 11, 25, 9)
    )


def test_the_call_day_is_the_accounts_local_day_not_utc():
    # 20:00 UTC on the 17th is already the 18th in Kolkata (01:30): the next day is the 19th.
    after = utc(2026, 11, 17, 20)
    got = next_rhythm_call(after=after, zone=KOLKATA, hour=11, every_days=1)
    assert got == dt.datetime(2026, 11, 19, 11, tzinfo=KOLKATA)
    assert got == utc(2026, 11, 19, 5, 30)


@pytest.mark.parametrize(
    ("weekday_of_call", "called_on", "retry_on"),
    [
        ("Monday", dt.date(2026, 11, 16), dt.date(2026, 11, 17)),
        ("Thursday", dt.date(2026, 11, 19), dt.date(2026, 11, 20)),
        ("Friday", dt.date(2026, 11, 20), dt.date(2026, 11, 23)),
        ("Saturday", dt.date(2026, 11, 21), dt.date(2026, 11, 23)),
        ("Sunday", dt.date(2026, 11, 22), dt.date(2026, 11, 23)),
    ],
)
def test_a_retry_is_the_next_working_day_skipping_weekends(weekday_of_call, called_on, retry_on):
    after = dt.datetime.combine(called_on, dt.time(15), tzinfo=PARIS)
    got = next_working_day_retry(after=after, zone=PARIS, hour=9)
    assert got.astimezone(PARIS) == dt.datetime.combine(retry_on, dt.time(9), tzinfo=PARIS)


def test_a_friday_evening_call_in_los_angeles_is_saturday_in_utc_but_retries_on_monday():
    # Friday 2026-11-20 17:00 in LA = Saturday 01:00 UTC: still Friday for the account.
    after = utc(2026, 11, 21, 1)
    got = next_working_day_retry(after=after, zone=LOS_ANGELES, hour=9)
    assert got.astimezone(LOS_ANGELES) == dt.datetime(2026, 11, 23, 9, tzinfo=LOS_ANGELES)


def test_daily_rhythm_keeps_the_local_hour_across_spring_forward():
    # Los Angeles moves to daylight time on Sunday 2026-03-08:
    # 10:00 is 18:00 UTC before, 17:00 UTC after.
    before = next_rhythm_call(after=utc(2026, 3, 6, 20), zone=LOS_ANGELES, hour=10, every_days=1)
    after = next_rhythm_call(after=utc(2026, 3, 7, 20), zone=LOS_ANGELES, hour=10, every_days=1)
    assert before == utc(2026, 3, 7, 18)
    assert after == utc(2026, 3, 8, 17)


def test_daily_rhythm_keeps_the_local_hour_across_fall_back_in_paris():
    # Paris returns to winter time on Sunday 2026-10-25.
    got = next_rhythm_call(after=utc(2026, 10, 24, 12), zone=PARIS, hour=10, every_days=1)
    assert got == utc(2026, 10, 25, 9)
    assert got.astimezone(PARIS).hour == 10


def test_a_call_hour_skipped_by_spring_forward_lands_after_the_jump():
    # 02:00 does not exist in Los Angeles on 2026-03-08 (02:00 -> 03:00).
    got = next_rhythm_call(after=utc(2026, 3, 7, 20), zone=LOS_ANGELES, hour=2, every_days=1)
    assert got == utc(2026, 3, 8, 10)
    assert got.astimezone(LOS_ANGELES).hour == 3


def test_due_groups_follow_each_accounts_local_day_around_midnight_utc():
    now = utc(2026, 11, 18, 0, 30)  # Kolkata: 18th 06:00; Los Angeles: 17th 16:30
    due = utc(2026, 11, 17, 22)  # Kolkata: 18th 03:30; Los Angeles: 17th 14:00
    assert due_group(due, now=now, zone=KOLKATA) == "today"
    assert due_group(due, now=now, zone=LOS_ANGELES) == "today"
    yesterday_in_kolkata = utc(2026, 11, 17, 18)  # Kolkata 17th 23:30
    assert due_group(yesterday_in_kolkata, now=now, zone=KOLKATA) == "overdue"
    assert due_group(yesterday_in_kolkata, now=now, zone=LOS_ANGELES) == "today"
    tomorrow_in_la = utc(2026, 11, 18, 9)  # LA 18th 01:00, Kolkata 18th 14:30
    assert due_group(tomorrow_in_la, now=now, zone=LOS_ANGELES) == "next_seven_days"
    assert due_group(tomorrow_in_la, now=now, zone=KOLKATA) == "today"


def test_due_groups_horizon_is_seven_local_days():
    now = utc(2026, 11, 18, 12)
    assert due_group(utc(2026, 11, 25, 12), now=now, zone=PARIS) == "next_seven_days"
    assert due_group(utc(2026, 11, 26, 12), now=now, zone=PARIS) is None


def test_first_call_is_today_when_the_hour_is_ahead_else_the_next_rhythm_day():
    assert first_call(now=utc(2026, 11, 18, 7), zone=PARIS, hour=10) == utc(2026, 11, 18, 9)
    assert first_call(now=utc(2026, 11, 18, 12), zone=PARIS, hour=10) == utc(2026, 11, 19, 9)
    # Weekly on Fridays only.
    assert first_call(now=utc(2026, 11, 18, 7), zone=PARIS, hour=10, weekdays=[4]) == utc(
        2026, 11, 20, 9
    )


ZONES = ["Asia/Kolkata", "America/Los_Angeles", "Europe/Paris", "Australia/Lord_Howe", "UTC"]


@given(
    after=st.datetimes(
        min_value=dt.datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=dt.datetime(2028, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    zone=st.sampled_from(ZONES).map(zoneinfo.ZoneInfo),
    hour=st.integers(0, 23),
    every=st.integers(1, 60),
    weekdays=st.sets(st.integers(0, 6), max_size=7),
)
@settings(max_examples=300, deadline=None)
def test_planned_calls_are_later_local_days_at_the_call_hour(after, zone, hour, every, weekdays):
    planned = next_rhythm_call(
        after=after, zone=zone, hour=hour, every_days=every, weekdays=weekdays
    )
    retry = next_working_day_retry(after=after, zone=zone, hour=hour, working_days=[0, 1, 2, 3, 4])
    called_on = after.astimezone(zone).date()

    for when in (planned, retry):
        local = when.astimezone(zone)
        assert local.date() > called_on
        # The call hour, or the hour after it when a daylight-saving jump skipped it.
        assert local.hour in (hour, (hour + 1) % 24)
        assert local.minute in (0, 30)
    assert retry.astimezone(zone).weekday() < 5
    assert (retry.astimezone(zone).date() - called_on).days <= 3
    if weekdays:
        assert planned.astimezone(zone).weekday() in weekdays
    else:
        assert (planned.astimezone(zone).date() - called_on).days == every
