"""Through a real Celery worker: the nightly snapshot and the daily reminder tasks."""

import datetime as dt

import pytest
from django.utils import timezone

from kam.models import CallReminder, PerformanceSnapshot
from kam.tasks import call_reminders, performance_snapshot
from tests.harness.waiting import wait_until
from tests.kam.conftest import OrderFactory, RestaurantFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_nightly_snapshot_and_the_reminders_run_on_a_real_worker(live_worker, kam):
    now = timezone.now()
    account = RestaurantFactory(owner=kam, next_call_due_at=now - dt.timedelta(days=1))
    for days in (80, 70, 60, 50, 40, 30, 20, 10):
        OrderFactory(restaurant=account, placed_at=now - dt.timedelta(days=days))

    performance_snapshot.delay()
    call_reminders.delay()

    snapshot = wait_until(
        lambda: PerformanceSnapshot.objects.filter(restaurant=account).first(),
        timeout=30,
        message="snapshot written by the worker",
    )
    reminder = wait_until(
        lambda: CallReminder.objects.filter(kam=kam).first(), timeout=30, message="reminder"
    )
    account.refresh_from_db()
    assert snapshot.band == account.band == "steady"
    assert (snapshot.orders_30d, snapshot.average_interval_days) == (2, 10.0)
    assert reminder.overdue == 1
    assert reminder.calls[0]["restaurant"] == account.pk
