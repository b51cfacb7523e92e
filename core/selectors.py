"""Platform reads."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from core import present
from core.models import QueueHeartbeat, UserPreferences, WorkerPing

#: What separates the words of a search: spaces and commas.
_WORDS = re.compile(r"[\s,]+")


def search_words(queryset: QuerySet, text: str | None, fields: Sequence[str]) -> QuerySet:
    """Rows where each word of `text` is found (case-insensitive) in one of `fields`: the one
    meaning of `?search=` in every app's selectors (pages and API alike)."""
    for word in _WORDS.split(text or ""):
        if word:
            match = Q()
            for name in fields:
                match |= Q(**{f"{name}__icontains": word})
            queryset = queryset.filter(match)
    return queryset


#: What each queue's work is, for people told that it has stopped.
QUEUE_PURPOSES = {
    "default": "lead qualifications, loan submissions, workflow steps, evaluations, reminders",
    "polling": "asking the bank for loan decisions",
}


def heartbeat_stale_after() -> timedelta:
    """A queue whose last heartbeat is older than this has no live consumer (beat sends one
    every 30 s; settings.QUEUE_HEARTBEAT_STALE_AFTER, 90 s by default: three missed beats)."""
    return timedelta(seconds=settings.QUEUE_HEARTBEAT_STALE_AFTER)


@dataclass(frozen=True)
class QueueStatus:
    queue: str
    last_seen_at: datetime | None
    hostname: str
    healthy: bool
    #: Seconds since the last heartbeat; None when there never was one.
    seconds_since: float | None = None

    @property
    def purpose(self) -> str:
        return QUEUE_PURPOSES.get(self.queue, "")

    @property
    def problem(self) -> str:
        """What is wrong, in a sentence for anyone (no host name); empty when healthy."""
        if self.healthy:
            return ""
        if self.seconds_since is None:
            return f"no worker has taken work from the {self.queue} queue yet (no heartbeat)"
        return (
            f"no worker has taken work from the {self.queue} queue for "
            f"{present.duration(self.seconds_since)}"
        )


def queue_statuses(*, now: datetime | None = None) -> list[QueueStatus]:
    """One line per configured queue: when a worker last consumed from it."""
    now = now or timezone.now()
    stale_after = heartbeat_stale_after()
    beats = {beat.queue: beat for beat in QueueHeartbeat.objects.all()}
    statuses = []
    for queue in settings.CELERY_TASK_QUEUES:
        beat = beats.get(queue.name)
        age = (now - beat.received_at) if beat else None
        statuses.append(
            QueueStatus(
                queue=queue.name,
                last_seen_at=beat.received_at if beat else None,
                hostname=beat.hostname if beat else "",
                healthy=age is not None and age <= stale_after,
                seconds_since=max(age.total_seconds(), 0.0) if age is not None else None,
            )
        )
    return statuses


def recent_pings(*, limit: int = 5) -> QuerySet[WorkerPing]:
    return WorkerPing.objects.select_related("requested_by").order_by("-requested_at")[:limit]


def user_zone(*, user_id: int) -> zoneinfo.ZoneInfo:
    """The zone a person's times are shown in, by their id (a KAM's "today" and reminders,
    another person's page): the one they chose on their settings page, else the server's."""
    name = UserPreferences.objects.filter(user_id=user_id).values_list("time_zone", flat=True)
    try:
        return zoneinfo.ZoneInfo(name.first() or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # a zone this server no longer has
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def user_time_zone(user) -> str:
    """The time zone `user` chose ("" when they did not: the server's applies)."""
    from core.models import UserPreferences

    if not getattr(user, "is_authenticated", False):
        return ""
    return (
        UserPreferences.objects.filter(user_id=user.pk).values_list("time_zone", flat=True).first()
        or ""
    )
