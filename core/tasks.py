"""Platform tasks, and the helper every app uses to enqueue work after a commit."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from celery import Task, shared_task
from django.db import transaction
from django.utils import timezone

from core.models import QueueHeartbeat, WorkerPing

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: Any, queue: str | None = None, **kwargs: Any) -> None:
    """Send `task` once the current transaction commits (at once outside a transaction).

    A worker must never see an id before its row is committed, and a rolled-back request
    must not leave a task behind. If the broker is unreachable at that moment the error is
    logged, not raised: the row is already committed, and every app keeps enough state in the
    database (a due-time column, a status) for a periodic sweep to pick the work up again.
    """
    options: dict[str, Any] = {"queue": queue} if queue else {}
    send: Callable[[], Any] = lambda: task.apply_async(args=args, kwargs=kwargs, **options)  # noqa: E731
    transaction.on_commit(send, robust=True)


@shared_task(name="core.heartbeat", ignore_result=True)
def heartbeat(*, queue: str) -> None:
    """Record that a worker consumed from `queue` (sent by beat to each queue)."""
    QueueHeartbeat.objects.update_or_create(
        queue=queue,
        defaults={
            "received_at": timezone.now(),
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
        },
    )


@shared_task(name="core.ping", ignore_result=True)
def ping(ping_id: str) -> None:
    """Complete a `WorkerPing`: proves web -> broker -> worker -> database works."""
    updated = WorkerPing.objects.filter(id=ping_id, executed_at__isnull=True).update(
        executed_at=timezone.now(), worker_hostname=socket.gethostname(), worker_pid=os.getpid()
    )
    if not updated:
        logger.info("ping %s already done or unknown; nothing to do", ping_id)
