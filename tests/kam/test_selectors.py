"""Selectors: calls due around midnight UTC and on daylight-saving days; query counts."""

import datetime as dt

import pytest
import time_machine

from core.models import UserPreferences
from core.selectors import user_zone
from kam.selectors import (
    account_list,
    calls_due,
    contact_list,
    interaction_list,
    kam_get,
    kam_list,
    order_list,
    performance_list,
    primary_contact,
)
from tests.kam.conftest import ContactFactory, InteractionFactory, OrderFactory, RestaurantFactory

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
def test_calls_due_runs_one_query_whatever_the_number_of_accounts(
    n, kam, restaurant_factory, django_assert_num_queries
):
    now = utc(2026, 11, 18, 9)
    _accounts(kam, restaurant_factory, n, now)
    with django_assert_num_queries(1):
        due = calls_due(kam=kam, now=now)
        assert all(primary_contact(c.account).name for c in due.today)
    assert len(due.today) == n


@pytest.mark.parametrize("n", [1, 25])
def test_the_underperforming_list_runs_two_queries(
    n, kam, restaurant_factory, django_assert_num_queries
):
    now = utc(2026, 11, 18, 9)
    _accounts(kam, restaurant_factory, n, now)
    # The user's roles (once per request), the accounts with their figures and contacts.
    with django_assert_num_queries(2):
        rows = list(performance_list(user=kam, band="underperforming", now=now))
        assert all(row.order_figures.orders_30d == 1 for row in rows)
    assert len(rows) == n


# --- the lists of the pages and the API ------------------------------------------------------


def test_every_list_shows_only_the_accounts_the_user_sees(kam, other_kam, kam_lead, outsider):
    mine = RestaurantFactory(owner=kam, name="Mine")
    theirs = RestaurantFactory(owner=other_kam, name="Theirs")
    for account in (mine, theirs):
        ContactFactory(restaurant=account, is_primary=True)
        OrderFactory(restaurant=account)
        InteractionFactory(restaurant=account)

    def seen(user) -> dict[str, set[int]]:
        return {
            "accounts": set(account_list(user=user).values_list("pk", flat=True)),
            "contacts": set(contact_list(user=user).values_list("restaurant", flat=True)),
            "interactions": set(interaction_list(user=user).values_list("restaurant", flat=True)),
            "orders": set(order_list(user=user).values_list("restaurant", flat=True)),
        }

    assert set(map(frozenset, seen(kam).values())) == {frozenset({mine.pk})}
    assert set(map(frozenset, seen(kam_lead).values())) == {frozenset({mine.pk, theirs.pk})}
    assert set(map(frozenset, seen(outsider).values())) == {frozenset()}
    # Naming another KAM's account does not widen what a KAM sees.
    assert not contact_list(user=kam, restaurant=theirs.pk).exists()


def test_the_filters_are_the_selectors_arguments(kam, kam_lead, other_kam):
    lyon = RestaurantFactory(owner=kam, name="Bouchon", city="Lyon", status="new", band="at_risk")
    paris = RestaurantFactory(owner=other_kam, name="Lyonnais", city="Paris")
    ContactFactory(restaurant=lyon, is_primary=True, name="First")
    ContactFactory(restaurant=lyon, is_primary=False, name="Second")
    InteractionFactory(restaurant=lyon, kind="visit", outcome="")
    InteractionFactory(restaurant=lyon, kind="call", outcome="busy")
    OrderFactory(restaurant=paris)

    def names(rows) -> list[str]:
        return [row.name for row in rows]

    assert names(account_list(user=kam_lead, city="LYON")) == ["Bouchon"]
    assert names(account_list(user=kam_lead, owner=other_kam.pk)) == ["Lyonnais"]
    assert names(account_list(user=kam_lead, status="new", band="at_risk")) == ["Bouchon"]
    # The accounts page's search: the name or the city.
    assert names(account_list(user=kam_lead, search="lyon")) == ["Bouchon", "Lyonnais"]
    assert names(contact_list(user=kam, restaurant=lyon.pk, is_primary=False)) == ["Second"]
    assert [i.kind for i in interaction_list(user=kam, kind="visit")] == ["visit"]
    assert [i.outcome for i in interaction_list(user=kam, outcome="busy")] == ["busy"]
    assert order_list(user=kam_lead, restaurant=paris.pk).count() == 1
    assert not order_list(user=kam_lead, restaurant=lyon.pk).exists()


def test_who_may_look_at_whose_calls(kam, other_kam, kam_lead):
    RestaurantFactory(owner=kam)
    UserPreferences.objects.create(user=other_kam, time_zone="Asia/Kolkata")

    assert kam_list(user=kam) == []
    assert [k.username for k in kam_list(user=kam_lead)] == ["kam-ann"]  # owners of accounts
    assert kam_get(user=kam, kam_id=kam.pk) == kam
    assert kam_get(user=kam, kam_id=other_kam.pk) is None
    assert kam_get(user=kam_lead, kam_id=other_kam.pk) == other_kam
    assert kam_get(user=kam_lead, kam_id=10**12) is None
    assert user_zone(user_id=other_kam.pk).key == "Asia/Kolkata"  # the zone they chose
    assert user_zone(user_id=kam.pk).key == "Europe/Paris"  # none chosen: the server's
