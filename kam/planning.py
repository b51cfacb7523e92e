"""Call planning rules, as pure functions of an account's settings and an instant.

Every date rule works in the *account's* local time (its IANA time zone): the call hour, the
rhythm's days, "today", working days. Instants are stored and compared in UTC.

- A connected call moves the next call by the rhythm: every N days -> N local days after the
  call's local date; weekly -> the next listed weekday strictly after it; at the call hour.
- No answer or busy proposes a retry the next working day (settings.KAM_WORKING_DAYS,
  Monday-Friday by default) at the call hour.
- A call hour that does not exist on a daylight-saving day (clocks jump over it) lands on the
  same wall-clock reading after the jump; an ambiguous one takes the first occurrence.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.conf import settings

UTC = dt.UTC


def at_local_hour(day: dt.date, hour: int, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """`hour`:00 on `day` in `zone`, as a UTC instant."""
    local = dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone)
    # Normalise a wall time that does not exist (spring forward) to the real instant.
    return local.astimezone(UTC)


def local_date(instant: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.date:
    return instant.astimezone(zone).date()


def next_rhythm_call(
    *,
    after: dt.datetime,
    zone: zoneinfo.ZoneInfo,
    hour: int,
    every_days: int | None = None,
    weekdays: Iterable[int] = (),
) -> dt.datetime:
    """The next planned call after a call made at `after` (a connected call)."""
    day = local_date(after, zone)
    days = sorted(set(weekdays))
    if days:
        for step in range(1, 8):
            candidate = day + dt.timedelta(days=step)
            if candidate.weekday() in days:
                return at_local_hour(candidate, hour, zone)
    return at_local_hour(day + dt.timedelta(days=every_days or 1), hour, zone)


def next_working_day_retry(
    *, after: dt.datetime, zone: zoneinfo.ZoneInfo, hour: int, working_days: Iterable[int] = ()
) -> dt.datetime:
    """The retry proposed after no answer / busy: the next working day, at the call hour."""
    allowed = set(working_days) or set(settings.KAM_WORKING_DAYS) or set(range(7))
    day = local_date(after, zone)
    for step in range(1, 8):
        candidate = day + dt.timedelta(days=step)
        if candidate.weekday() in allowed:
            return at_local_hour(candidate, hour, zone)
    raise ValueError("no working day in a week")  # unreachable: allowed is never empty


def first_call(
    *,
    now: dt.datetime,
    zone: zoneinfo.ZoneInfo,
    hour: int,
    weekdays: Iterable[int] = (),
) -> dt.datetime:
    """The first call of a new account: today at the call hour if that is still ahead (and,
    with a weekly rhythm, today is one of its days), else the next such day."""
    days = set(weekdays)
    today = local_date(now, zone)
    for step in range(0, 8):
        candidate = today + dt.timedelta(days=step)
        if days and candidate.weekday() not in days:
            continue
        at = at_local_hour(candidate, hour, zone)
        if at > now:
            return at
    raise ValueError("no call day in a week")  # unreachable


DUE_GROUPS = ("overdue", "today", "next_seven_days")


def due_group(
    due_at: dt.datetime, *, now: dt.datetime, zone: zoneinfo.ZoneInfo, horizon_days: int = 7
) -> str | None:
    """Which group a planned call falls in, by the account's local calendar day:
    before today -> overdue; today (even if the hour has passed) -> today; within the next
    `horizon_days` days -> next_seven_days; later -> None."""
    today = local_date(now, zone)
    day = local_date(due_at, zone)
    if day < today:
        return "overdue"
    if day == today:
        return "today"
    if day <= today + dt.timedelta(days=horizon_days):
        return "next_seven_days"
    return None


def due_window_end(now: dt.datetime, horizon_days: int = 7) -> dt.datetime:
    """A UTC bound past the end of the last local day of the horizon in every time zone
    (UTC+14 is the furthest ahead), so the database returns a superset that `due_group`
    then sorts out per account."""
    return now + dt.timedelta(days=horizon_days + 1, hours=14)
