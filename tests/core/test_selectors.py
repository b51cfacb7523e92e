from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import QueueHeartbeat
from core.selectors import heartbeat_stale_after, queue_statuses

pytestmark = pytest.mark.django_db


def test_queue_status_is_healthy_only_with_a_recent_heartbeat():
    now = timezone.now()
    HEARTBEAT_STALE_AFTER = heartbeat_stale_after()
    QueueHeartbeat.objects.create(queue="default", received_at=now - HEARTBEAT_STALE_AFTER,
                                  hostname="w1", pid=1)  # fmt: skip
    QueueHeartbeat.objects.create(
        queue="polling", received_at=now - HEARTBEAT_STALE_AFTER - timedelta(seconds=1),
        hostname="p1", pid=2,
    )  # fmt: skip

    statuses = {status.queue: status for status in queue_statuses(now=now)}

    assert statuses["default"].healthy is True
    assert statuses["polling"].healthy is False
    assert statuses["polling"].hostname == "p1"


def test_a_queue_never_heard_from_is_listed_as_unhealthy():
    statuses = queue_statuses()

    assert [(s.queue, s.healthy, s.last_seen_at) for s in statuses] == [
        ("default", False, None),
        ("polling", False, None),
    ]


def test_the_threshold_is_a_setting(settings):
    settings.QUEUE_HEARTBEAT_STALE_AFTER = 300
    assert heartbeat_stale_after() == timedelta(seconds=300)


def test_a_stopped_queue_says_for_how_long_as_every_page_says_a_duration():
    now = timezone.now()
    QueueHeartbeat.objects.create(
        queue="polling", received_at=now - timedelta(seconds=400), hostname="p1", pid=2
    )

    statuses = {status.queue: status for status in queue_statuses(now=now)}

    assert statuses["polling"].problem == (
        "no worker has taken work from the polling queue for 6 min 40 s"
    )
