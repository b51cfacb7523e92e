"""Enqueue on commit: never before the row exists, never after a rollback, never a 500."""

import logging

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from core.models import QueueHeartbeat, WorkerPing
from core.tasks import enqueue_on_commit, heartbeat, ping

pytestmark = pytest.mark.django_db


def test_nothing_is_sent_before_commit_or_after_rollback(monkeypatch):
    sent = []
    monkeypatch.setattr(ping, "apply_async", lambda **kw: sent.append(kw))

    with transaction.atomic():
        enqueue_on_commit(ping, "abc", queue="polling")
        assert sent == []  # still inside the transaction
        transaction.set_rollback(True)

    assert sent == []


def test_the_task_is_sent_once_committed_with_its_queue(
    monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(ping, "apply_async", lambda **kw: sent.append(kw))

    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(ping, "abc", queue="polling")

    assert sent == [{"args": ("abc",), "kwargs": {}, "queue": "polling"}]


def test_a_broker_failure_after_commit_is_logged_not_raised(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(**kwargs):
        raise OperationalError("Error 111 connecting to redis: Connection refused.")

    monkeypatch.setattr(ping, "apply_async", broker_down)

    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(ping, "abc")

    assert "Connection refused" in caplog.text


def test_ping_task_is_idempotent():
    record = WorkerPing.objects.create()

    ping.run(str(record.id))
    first = WorkerPing.objects.get(pk=record.pk).executed_at
    ping.run(str(record.id))  # a redelivered message changes nothing

    assert WorkerPing.objects.get(pk=record.pk).executed_at == first
    assert first is not None


def test_heartbeat_keeps_one_row_per_queue():
    heartbeat.run(queue="polling")
    heartbeat.run(queue="polling")

    assert QueueHeartbeat.objects.filter(queue="polling").count() == 1
