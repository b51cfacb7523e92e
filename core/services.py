"""Platform use cases (writes)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from core.models import WorkerPing
from core.tasks import enqueue_on_commit, ping


@transaction.atomic
def worker_ping_create(
    *, requested_by: AbstractBaseUser | AnonymousUser | None = None, queue: str = "default"
) -> WorkerPing:
    """Create a ping and send it to a worker on `queue` once committed."""
    user = requested_by if requested_by is not None and requested_by.is_authenticated else None
    record = WorkerPing.objects.create(requested_by=user, queue=queue)
    enqueue_on_commit(ping, str(record.id), queue=queue)
    return record
