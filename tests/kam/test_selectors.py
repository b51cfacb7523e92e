"""Selectors: calls due around midnight UTC and on daylight-saving days; query counts."""

import datetime as dt

import pytest
import time_machine

from kam.selectors import calls_due, performance_list
from tests.kam.conftest import ContactFactory, OrderFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def _names(calls) -> list[str]:
    return [call.account.name for call in calls]


@pytest.mark.parametrize(
    ("now", "kolkata", "los_angeles"),
    [
        # 23:30 UTC Tue: Kolkata already Wed 05:00; LA Tue 15:30.
        (utc(2026, 11, 17, 23, 30), "today", "next_seven_days"),
        # 00:30 UTC Wed: same local days as an hour before for both.
        (utc(2026, 11, 18, 0, 30), "today", "next_seven_days"),
        # 08:30 UTC Wed: LA reaches Wednesday 00:30 -> today.
        (utc(2026, 11, 18, 8, 30), "today", "today"),
        # 18:30 UTC Wed: Kolkata is Thursday 00:00 -> the Wednesday call is overdue.
        (utc(2026, 11, 18, 18, 30), "overdue", "today"),
    ],
)
def test_the_same_kam_sees_each_account_by_its_own_local_day(
    now, kolkata, los_angeles, kam, restaurant_factory
):
    # Both calls are due on Wednesday 18 November at 10:00 local time.
    restaurant_factory(owner=kam, name="Kolkata", time_zone="Asia/Kolkata",
                       next_call_due_at=utc(2026, 11, 18, 4, 30))  # fmt: skip
    restaurant_factory(owner=kam, name="Los Angeles", time_zone="America/Los_Angeles",
                       next_call_due_at=utc(2026, 11, 18, 18))  # fmt: skip

    with time_machine.travel(now, tick=False):
        due = calls_due(kam=kam)

    groups = {call.account.name: group for group, calls in due.groups() for call in calls}
    assert groups == {"Kolkata": kolkata, "Los Angeles": los_angeles}


def test_an_overdue_call_stays_overdue_and_comes_first(kam, restaurant_factory):
    restaurant_factory(owner=kam, name="Today", next_call_due_at=utc(2026, 11, 18, 9))
    restaurant_factory(owner=kam, name="Last month", next_call_due_at=utc(2026, 10, 1, 9))
    restaurant_factory(owner=kam, name="Yesterday", next_call_due_at=utc(2026, 11, 17, 9))
    restaurant_factory(owner=kam, name="Lost", status="lost", next_call_due_at=None)
    restaurant_factory(owner=kam, name="Far", next_call_due_at=utc(2026, 12, 30, 9))

    due = calls_due(kam=kam, now=utc(2026, 11, 18, 20))

    assert _names(due.overdue) == ["Last month", "Yesterday"]
    assert _names(due.today) == ["Today"]
    assert due.next_seven_days == []


def test_on_a_daylight_saving_day_today_is_the_local_day(kam, restaurant_factory):
    # Sunday 2026-03-08, Los Angeles springs forward at 02:00 (UTC-8 -> UTC-7).
    restaurant_factory(owner=kam, name="LA", time_zone="America/Los_Angeles",
                       next_call_due_at=utc(2026, 3, 8, 17))  # 10:00 PDT  # fmt: skip
    # 07:30 UTC Sunday = 23:30 PST Saturday: tomorrow; 08:30 UTC = 01:30 PST Sunday: today.
    assert calls_due(kam=kam, now=utc(2026, 3, 8, 7, 30)).next_seven_days
    assert calls_due(kam=kam, now=utc(2026, 3, 8, 8, 30)).today
    # 07:30 UTC Monday = 00:30 PDT Monday (UTC-7 now): overdue.
    assert calls_due(kam=kam, now=utc(2026, 3, 9, 7, 30)).overdue


def test_on_the_fall_back_day_the_local_day_has_25_hours(kam, restaurant_factory):
    # Paris falls back on Sunday 2026-10-25 (UTC+2 -> UTC+1): the day ends at 23:00 UTC.
    restaurant_factory(owner=kam, name="Paris", next_call_due_at=utc(2026, 10, 25, 9))
    assert calls_due(kam=kam, now=utc(2026, 10, 25, 22, 30)).today
    assert calls_due(kam=kam, now=utc(2026, 10, 25, 23, 30)).overdue


def _accounts(kam, restaurant_factory, n, now):
    for _ in range(n):
        account = restaurant_factory(owner=kam, band="underperforming",
                                     next_call_due_at=now + dt.timedelta(hours=2))  # fmt: skip
        ContactFactory(restaurant=account, is_primary=True)
        OrderFactory(restaurant=account, placed_at=now - dt.timedelta(days=3))


@pytest.mark.parametrize("n", [1, 25])
def test_calls_due_runs_two_queries_whatever_the_number_of_accounts(
    n, kam, restaurant_factory, django_assert_num_queries
):
    now = utc(2026, 11, 18, 9)
    _accounts(kam, restaurant_factory, n, now)
    with django_assert_num_queries(2):
        due = calls_due(kam=kam, now=now)
        assert [c.account.primary_contacts[0].name for c in due.today]
    assert len(due.today) == n


@pytest.mark.parametrize("n", [1, 25])
def test_the_underperforming_list_runs_three_queries(
    n, kam, restaurant_factory, django_assert_num_queries
):
    now = utc(2026, 11, 18, 9)
    _accounts(kam, restaurant_factory, n, now)
    # The user's roles (once per request), the accounts with their figures, primary contacts.
    with django_assert_num_queries(3):
        rows = list(performance_list(user=kam, band="underperforming", now=now))
        assert all(row.orders_30d == 1 for row in rows)
    assert len(rows) == n
