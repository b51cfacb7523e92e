from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """Who or what changed which object, from what to what, why, and when.

    Any app writes these through `core.audit.audit_record` and shows them with
    `core.audit.audit_timeline` and the `{% timeline %}` tag of the `present` library.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The person who made the change; empty when the system did.",
    )
    actor_label = models.CharField(
        max_length=150, help_text="Username at the time, or 'system: <component>'."
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=64)
    changes = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text='{"field": {"from": old, "to": new}, ...}',
    )
    reason = models.TextField(blank=True)
    request_id = models.CharField(
        max_length=128,
        blank=True,
        help_text="The id of the request or task that made the change: its log lines carry it "
        "(e.g. the technical detail of a failure the reason describes).",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "created_at"], name="audit_subject_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_repr}: {self.action} by {self.actor_label}"


class QueueHeartbeat(models.Model):
    """The last time a worker consumed a heartbeat task from each queue.

    Beat sends one to every queue every 30 s, so a stale row means no worker is consuming
    that queue (or beat is not running): the dashboard shows it.
    """

    queue = models.CharField(max_length=64, primary_key=True)
    received_at = models.DateTimeField()
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.queue}: {self.hostname} at {self.received_at:%H:%M:%S}"


class WorkerPing(models.Model):
    """A round trip web -> broker -> worker -> database, asked for by a person or a test."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    queue = models.CharField(max_length=64, default="default")
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    executed_at = models.DateTimeField(null=True, blank=True)
    worker_hostname = models.CharField(max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"ping {self.id} ({'done' if self.executed_at else 'waiting'})"

    @property
    def round_trip_seconds(self) -> float | None:
        if self.executed_at is None:
            return None
        return (self.executed_at - self.requested_at).total_seconds()


class UserPreferences(models.Model):
    """What a person chose for themselves: the time zone every page shows times in (blank:
    the server's, settings.TIME_ZONE)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    time_zone = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "user preferences"

    def __str__(self) -> str:
        return f"preferences of user {self.user_id}"


class StoredFile(models.Model):
    """One file of `core.storage.DatabaseStorage`: the bytes in the row, so every process on
    every machine reads them with no shared volume, and a backup or a transaction covers the
    files together with the rows that point at them. For small files only (uploads are at
    most WORKFLOWS_UPLOAD_MAX_BYTES)."""

    name = models.CharField(max_length=255, unique=True)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.size} bytes)"
