"""Platform use cases (writes)."""

from __future__ import annotations

import zoneinfo

from django.db import transaction

from core.audit import Actor
from core.errors import ApplicationError
from core.models import UserPreferences, WorkerPing
from core.tasks import enqueue_on_commit, ping


@transaction.atomic
def worker_ping_create(*, actor: Actor = None, queue: str = "default") -> WorkerPing:
    """Create a ping and send it to a worker on `queue` once committed. The ping records who
    asked when `actor` is a signed-in user (a command or a task: "system")."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    record = WorkerPing.objects.create(requested_by=user, queue=queue)
    enqueue_on_commit(ping, str(record.id), queue=queue)
    return record


def user_time_zone_set(*, user, time_zone: str) -> str:
    """Set the time zone a person's pages show times in ("" = the server's). Returns the
    name stored; an unknown zone is refused with a field message."""
    name = (time_zone or "").strip()
    if name and name not in available_time_zones():
        raise ApplicationError(
            "Choose a time zone from the list.",
            code="validation_error",
            fields={"time_zone": [f"{name[:64]} is not a time zone this server knows."]},
        )
    UserPreferences.objects.update_or_create(user=user, defaults={"time_zone": name})
    return name


def available_time_zones() -> frozenset[str]:
    """The IANA names people may choose (those zoneinfo knows, without the legacy aliases)."""
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    ) | {"UTC"}
