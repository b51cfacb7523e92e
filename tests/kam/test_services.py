"""Services: calls move the plan in the account's time, orders, contacts, snapshots, reminders."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError

from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from kam.models import Band, CallReminder, PerformanceSnapshot, PointOfContact, Restaurant
from kam.services import (
    account_create,
    account_transition,
    account_update,
    accounts_reassign,
    call_log,
    call_reminder_send,
    contact_create,
    contact_delete,
    contact_update,
    order_log,
    performance_snapshot_take,
)
from tests.kam.conftest import ContactFactory, OrderFactory, RestaurantFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@time_machine.travel(utc(2026, 11, 18, 7), tick=False)  # Wednesday 08:00 in Paris
def test_a_new_account_gets_its_first_call_today_at_its_hour(kam):
    account = account_create(
        actor=kam, name="Le Train Bleu", city="Paris", country="fr", time_zone="Europe/Paris",
        call_hour=11,
    )  # fmt: skip
    assert account.next_call_due_at == utc(2026, 11, 18, 10)
    assert account.status == "new"
    assert account.country == "FR"


def test_a_kam_cannot_create_an_account_for_another_kam(kam, other_kam, kam_lead):
    fields = {"name": "X", "city": "Y", "country": "FR", "time_zone": "UTC"}
    with pytest.raises(PermissionDeniedError):
        account_create(actor=kam, owner_id=other_kam.pk, **fields)
    assert account_create(actor=kam_lead, owner_id=other_kam.pk, **fields).owner == other_kam


@pytest.mark.parametrize(
    ("outcome", "expected_local"),
    [
        ("connected", (2026, 11, 27, 10)),  # Friday + 7 days
        ("no_answer", (2026, 11, 23, 10)),  # next working day: Monday
        ("busy", (2026, 11, 23, 10)),
    ],
)
def test_call_outcomes_move_the_next_call(outcome, expected_local, kam, restaurant_factory):
    account = restaurant_factory(
        owner=kam, time_zone="Asia/Kolkata", call_every_days=7, call_hour=10
    )
    friday_evening = dt.datetime(2026, 11, 20, 18, tzinfo=account.zone)

    call_log(actor=kam, restaurant_id=account.pk, outcome=outcome, occurred_at=friday_evening,
             now=friday_evening)  # fmt: skip

    account.refresh_from_db()
    assert account.next_call_due_at == dt.datetime(*expected_local, tzinfo=account.zone)


def test_a_weekly_rhythm_and_a_rescheduled_call(kam, restaurant_factory):
    account = restaurant_factory(owner=kam, rhythm="weekly", call_weekdays="13", call_hour=9)
    tuesday = utc(2026, 11, 17, 12)
    call_log(actor=kam, restaurant_id=account.pk, outcome="connected", occurred_at=tuesday,
             now=tuesday)  # fmt: skip
    account.refresh_from_db()
    assert account.next_call_due_at == utc(2026, 11, 19, 8)  # Thursday 09:00 Paris

    with pytest.raises(ApplicationError) as missing:
        call_log(actor=kam, restaurant_id=account.pk, outcome="rescheduled", now=tuesday,
                 occurred_at=tuesday)  # fmt: skip
    assert "next_call_at" in missing.value.fields
    call_log(actor=kam, restaurant_id=account.pk, outcome="rescheduled", occurred_at=tuesday,
             next_call_at=utc(2026, 11, 17, 15), now=tuesday)  # fmt: skip
    account.refresh_from_db()
    assert account.next_call_due_at == utc(2026, 11, 17, 15)


def test_another_kams_account_is_not_found(kam, other_kam, account):
    with pytest.raises(NotFoundError):
        call_log(actor=other_kam, restaurant_id=account.pk, outcome="connected")


def test_allowed_transitions_and_lost_clears_the_plan(kam, account):
    Restaurant.objects.filter(pk=account.pk).update(status="new")
    for status in ["contacted", "qualified", "onboarding", "active", "inactive", "active"]:
        account_transition(actor=kam, restaurant_id=account.pk, to_status=status, reason="r")
    account_transition(actor=kam, restaurant_id=account.pk, to_status="lost", reason="closed")
    account.refresh_from_db()
    assert (account.status, account.next_call_due_at) == ("lost", None)
    with pytest.raises(ConflictError):
        account_transition(actor=kam, restaurant_id=account.pk, to_status="active", reason="r")


def test_exactly_one_primary_contact(kam, account):
    first = contact_create(actor=kam, restaurant_id=account.pk, name="A", phone="+33612345678")
    second = contact_create(actor=kam, restaurant_id=account.pk, name="B", is_primary=True)
    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)

    contact_delete(actor=kam, contact_id=second.pk)
    first.refresh_from_db()
    assert first.is_primary

    with pytest.raises(IntegrityError):
        PointOfContact.objects.create(restaurant=account, name="C", is_primary=True)


def test_an_order_needs_a_positive_amount_and_a_contact_of_the_same_account(kam, account):
    stranger = ContactFactory(restaurant=RestaurantFactory())
    with pytest.raises(ApplicationError) as error:
        order_log(actor=kam, restaurant_id=account.pk, amount="-1", contact_id=stranger.pk)
    assert set(error.value.fields) == {"amount", "contact"}


def test_reassignment_is_for_leads_only(kam, other_kam, account):
    with pytest.raises(PermissionDeniedError):
        accounts_reassign(actor=kam, restaurant_ids=[account.pk], kam_id=other_kam.pk, reason="x")


def _history(account, *, every_days: float, count: int, last_days_ago: float, now):
    for i in range(count):
        OrderFactory(
            restaurant=account,
            amount=Decimal("100"),
            placed_at=now - dt.timedelta(days=last_days_ago + i * every_days),
        )


def test_the_nightly_snapshot_stores_each_band_once_per_day(kam):
    now = utc(2026, 11, 21, 1)
    accounts = {band: RestaurantFactory(owner=kam, name=band) for band in Band.values}
    # Usually every ~10 days, lately every 5: more than its own rhythm.
    _history(accounts["well_performing"], every_days=10, count=20, last_days_ago=91, now=now)
    _history(accounts["well_performing"], every_days=5, count=18, last_days_ago=1, now=now)
    # Usual rhythm 10 days, but nothing for 2.5 weeks -> late: at risk.
    _history(accounts["at_risk"], every_days=10, count=20, last_days_ago=17, now=now)
    _history(accounts["underperforming"], every_days=10, count=20, last_days_ago=40, now=now)
    steady = accounts["steady"]
    _history(steady, every_days=10, count=20, last_days_ago=3, now=now)
    _history(accounts["not_rated"], every_days=10, count=1, last_days_ago=3, now=now)

    assert performance_snapshot_take(now=now, chunk_size=2) == 5
    assert performance_snapshot_take(now=now) == 5  # idempotent per day

    got = dict(PerformanceSnapshot.objects.values_list("restaurant__name", "band"))
    assert got == {band: band for band in Band.values}
    assert dict(Restaurant.objects.values_list("name", "band")) == got
    snap = PerformanceSnapshot.objects.get(restaurant=steady)
    assert (snap.orders_30d, snap.orders_90d, snap.average_interval_days) == (3, 9, 10.0)


def test_logging_an_order_refreshes_the_band(kam, account):
    now = utc(2026, 11, 21, 12)
    _history(account, every_days=10, count=5, last_days_ago=45, now=now)
    order_log(actor=kam, restaurant_id=account.pk, amount="10", placed_at=now, now=now)
    account.refresh_from_db()
    assert account.band != Band.NOT_RATED
    assert account.band_updated_at == now


def test_the_reminder_lists_each_accounts_calls_by_its_local_day(kam, restaurant_factory):
    # 00:30 UTC on Wednesday: Kolkata is at 06:00 Wednesday, Los Angeles at 16:30 Tuesday.
    now = utc(2026, 11, 18, 0, 30)
    due = utc(2026, 11, 17, 20)  # Kolkata: Wed 01:30 (today); LA: Tue 12:00 (today)
    kolkata = restaurant_factory(owner=kam, time_zone="Asia/Kolkata", next_call_due_at=due)
    la = restaurant_factory(owner=kam, time_zone="America/Los_Angeles", next_call_due_at=due)
    late = restaurant_factory(
        owner=kam, time_zone="Asia/Kolkata", next_call_due_at=utc(2026, 11, 17, 18)
    )

    reminder = call_reminder_send(kam_id=kam.pk, now=now)
    again = call_reminder_send(kam_id=kam.pk, now=now)

    assert (reminder.overdue, reminder.today) == (1, 2)
    groups = {row["restaurant"]: row["group"] for row in reminder.calls}
    assert groups == {late.pk: "overdue", kolkata.pk: "today", la.pk: "today"}
    assert again.pk == reminder.pk
    assert CallReminder.objects.count() == 1


def test_unknown_details_are_a_400_naming_them_not_a_type_error(kam, account, contact):
    with pytest.raises(ApplicationError) as created:
        account_create(actor=kam, name="X", city="Y", country="FR", time_zone="UTC", colour="red")
    with pytest.raises(ApplicationError) as updated:
        account_update(actor=kam, restaurant_id=account.pk, status="lost")
    with pytest.raises(ApplicationError) as added:
        contact_create(actor=kam, restaurant_id=account.pk, name="Z", restaurant_id_=1)
    with pytest.raises(ApplicationError) as changed:
        contact_update(actor=kam, contact_id=contact.pk, restaurant=None)

    assert list(created.value.fields) == ["colour"]
    assert list(updated.value.fields) == ["status"]  # a status moves by account_transition
    assert list(added.value.fields) == ["restaurant_id_"]
    assert list(changed.value.fields) == ["restaurant"]
    account.refresh_from_db()
    assert account.status == "active"


def test_owners_are_given_by_id_and_must_be_kams(kam, kam_lead, outsider, account, other_kam):
    fields = {"name": "X", "city": "Y", "country": "FR", "time_zone": "UTC"}
    with pytest.raises(ApplicationError) as nobody:
        account_create(actor=kam_lead, owner_id=10**12, **fields)
    with pytest.raises(ApplicationError) as not_a_kam:
        account_create(actor=kam_lead, owner_id=outsider.pk, **fields)
    with pytest.raises(ApplicationError) as reassigned_by_update:
        account_update(actor=kam, restaurant_id=account.pk, owner_id=other_kam.pk)
    with pytest.raises(ApplicationError) as to_nobody:
        accounts_reassign(actor=kam_lead, restaurant_ids=[account.pk], kam_id=10**12, reason="")

    assert nobody.value.fields == {"owner": ["Choose a key-account manager."]}
    assert not_a_kam.value.fields == {"owner": ["loans-lou is not an active key-account manager."]}
    assert list(reassigned_by_update.value.fields) == ["owner"]
    assert set(to_nobody.value.fields) == {"kam", "reason"}
    # Repeating the current owner is no change of hands.
    assert account_update(actor=kam, restaurant_id=account.pk, owner_id=kam.pk, cuisine="Thai")
    assert (
        accounts_reassign(
            actor=kam_lead, restaurant_ids=[account.pk], kam_id=other_kam.pk, reason="cover"
        )
        == 1
    )


def test_a_contact_is_cleaned_the_same_way_when_added_and_when_changed(kam, account):
    added = contact_create(
        actor=kam, restaurant_id=account.pk, name="  Zoé ", email=" zoe@example.test ",
        phone="06 12 34 56 78", preferred_hours=" 9-11 ",
    )  # fmt: skip
    changed = contact_update(
        actor=kam, contact_id=added.pk, name=" Zoé B ", phone="06 12 34 56 79",
        preferred_hours=" 14-16 ",
    )  # fmt: skip

    assert (added.name, added.email, added.phone, added.preferred_hours) == (
        "Zoé", "zoe@example.test", "+33612345678", "9-11",
    )  # fmt: skip
    assert (changed.name, changed.phone, changed.preferred_hours) == (
        "Zoé B", "+33612345679", "14-16",
    )  # fmt: skip


# --- every field's problem at once (the API and the pages' checks alike) ----------------------


def test_the_services_report_every_bad_field_at_once(kam, account, contact):
    with pytest.raises(ApplicationError) as created:
        account_create(actor=kam, name="X", city="Y", country="FR", time_zone="Mars/Olympus",
                       rhythm="weekly", call_weekdays="", currency="XYZ")  # fmt: skip
    assert set(created.value.fields) == {"time_zone", "call_weekdays", "currency"}

    with pytest.raises(ApplicationError) as called:
        call_log(actor=kam, restaurant_id=account.pk, outcome="rescheduled",
                 contact_id=ContactFactory().pk)  # fmt: skip
    assert set(called.value.fields) == {"next_call_at", "contact"}

    with pytest.raises(ApplicationError) as updated:
        contact_update(actor=kam, contact_id=contact.pk, phone="123", is_primary=False)
    assert set(updated.value.fields) == {"phone", "is_primary"}

    with pytest.raises(ApplicationError) as moved:
        accounts_reassign(actor="test", restaurant_ids=[], kam_id=None, reason=" ")
    assert set(moved.value.fields) == {"accounts", "kam", "reason"}


def test_the_checks_write_nothing_and_skip_what_is_not_given(kam, account):
    from kam.services import account_check, interaction_check, order_check, transition_check

    account_check(name="Fine")  # nothing else given: nothing else checked
    interaction_check(restaurant_id=account.pk, kind="call")
    with pytest.raises(ApplicationError) as order:
        order_check(restaurant_id=account.pk, amount="0", currency="INR")
    assert set(order.value.fields) == {"amount", "currency"}
    with pytest.raises(ApplicationError) as status:
        transition_check(restaurant_id=account.pk, to_status="new", reason="")
    assert set(status.value.fields) == {"status", "reason"}
    assert not account.orders.exists()
