"""Workflow definitions (as synced from their files, and the files the last sync refused),
customers, runs, step results, uploads."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from core.audit import AuditAction


class WorkflowAction(AuditAction):
    """What the audit trail of a run records (the details in `changes` and `reason`)."""

    STARTED = "workflows.started", "Run started"
    STEP_COMPLETED = "workflows.step_completed", "Step completed"
    COMPLETED = "workflows.completed", "Run completed"
    FAILED = "workflows.failed", "Run failed"


class WorkflowDefinition(models.Model):
    """One version of a definition file's content. A run points at the row it started
    with, so editing or replacing the file never changes a run in progress."""

    key = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    checksum = models.CharField(max_length=64, help_text="sha256 of the canonical JSON spec")
    title = models.CharField(max_length=200)
    spec = models.JSONField()
    source = models.CharField(max_length=255, blank=True, help_text="the file it came from")
    is_current = models.BooleanField(
        default=False, help_text="The last sync found this content in the file: new runs use it."
    )
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "-version", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version", "checksum"], name="workflows_definition_unique"
            )
        ]
        indexes = [models.Index(fields=["key", "is_current"], name="workflows_def_current_idx")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version} ({self.checksum[:8]})"


class DefinitionProblem(models.Model):
    """A definition file the last sync refused, with every problem found in it. The sync
    replaces these rows; the runs page shows them to administrators without reading files."""

    source = models.CharField(max_length=255, help_text="the file name")
    problems = models.JSONField(default=list, help_text="one readable line per problem")
    found_at = models.DateTimeField()

    class Meta:
        ordering = ["source", "id"]

    def __str__(self) -> str:
        return f"{self.source}: {'; '.join(self.problems)}"


class Customer(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            # The same person captured twice is one customer (names compared case-blind).
            models.UniqueConstraint(
                Lower("first_name"),
                Lower("last_name"),
                "date_of_birth",
                name="workflows_customer_unique_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.date_of_birth:%Y-%m-%d})"


class RunStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for input"
    RUNNING = "running", "Running (automatic steps)"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class WorkflowRun(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    definition = models.ForeignKey(
        WorkflowDefinition, on_delete=models.PROTECT, related_name="runs"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.WAITING)
    current_step = models.CharField(max_length=64, blank=True, help_text="blank once finished")
    error = models.TextField(blank=True)
    error_details = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # An automatic step is claimed by one worker at a time; a claim expires, so the work of a
    # killed worker is picked up again.
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["status", "updated_at"],
                condition=Q(status="running"),
                name="workflows_run_running_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in RunStatus]),
                name="workflows_run_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error=""), name="workflows_failed_has_error"
            ),
        ]

    def __str__(self) -> str:
        who = f" for {self.customer}" if self.customer_id else ""
        return f"{self.definition.title}{who} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in (RunStatus.WAITING, RunStatus.RUNNING)


class StepStatus(models.TextChoices):
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class StepResult(models.Model):
    """One step done (or failed) in a run: who or what did it, its output, its errors."""

    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="step_results")
    step_id = models.CharField(max_length=64)
    step_type = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=StepStatus.choices)
    output = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        ordering = ["finished_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "step_id"],
                condition=Q(status="completed"),
                name="workflows_step_done_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.step_id} ({self.status})"

    @property
    def duration_ms(self) -> int:
        return int((self.finished_at - self.started_at).total_seconds() * 1000)


def uploads_storage():
    """`STORAGES["uploads"]`, chosen by UPLOADS_STORAGE (a callable, so the choice stays out
    of the migrations)."""
    return storages["uploads"]


def upload_file_name(upload: Upload, filename: str) -> str:
    """`uploads/workflows/<run id>/<upload id>.<ext>`: the person's file name (which may carry
    personal data) stays in `original_name`, never in the storage."""
    suffix = Path(filename).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,10}", suffix):
        suffix = ""
    return f"uploads/workflows/{upload.run_id}/{upload.id}{suffix}"


class Upload(models.Model):
    """An uploaded file, kept through the `uploads` storage: with UPLOADS_STORAGE=database
    (production) any worker on any machine reads it by name, no shared volume; the size limit
    (WORKFLOWS_UPLOAD_MAX_BYTES, 2 MiB) keeps the stored files small."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="uploads")
    step_id = models.CharField(max_length=64)
    field = models.CharField(max_length=64)
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=upload_file_name, storage=uploads_storage, max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.size} bytes)"

    def read_bytes(self) -> bytes:
        """The whole file, read by name from the uploads storage."""
        with self.file.storage.open(self.file.name, "rb") as stored:
            return stored.read()
