"""Platform reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from core.models import QueueHeartbeat, WorkerPing

#: A queue whose last heartbeat is older than this has no live consumer (beat sends every 30 s).
HEARTBEAT_STALE_AFTER = timedelta(seconds=90)


@dataclass(frozen=True)
class QueueStatus:
    queue: str
    last_seen_at: datetime | None
    hostname: str
    healthy: bool


def queue_statuses(*, now: datetime | None = None) -> list[QueueStatus]:
    """One line per configured queue: when a worker last consumed from it."""
    now = now or timezone.now()
    beats = {beat.queue: beat for beat in QueueHeartbeat.objects.all()}
    statuses = []
    for queue in settings.CELERY_TASK_QUEUES:
        beat = beats.get(queue.name)
        statuses.append(
            QueueStatus(
                queue=queue.name,
                last_seen_at=beat.received_at if beat else None,
                hostname=beat.hostname if beat else "",
                healthy=bool(beat and now - beat.received_at <= HEARTBEAT_STALE_AFTER),
            )
        )
    return statuses


def recent_pings(*, limit: int = 5) -> QuerySet[WorkerPing]:
    return WorkerPing.objects.select_related("requested_by").order_by("-requested_at")[:limit]
