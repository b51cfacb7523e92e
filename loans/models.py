"""Customer loan applications and the scheduling state that drives them to a decision."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core import present
from core.audit import AuditAction


class Status(models.TextChoices):
    NEW = "new", "New (not yet at the bank)"
    PENDING = "pending", "Pending (the bank is deciding)"
    COMPLETED = "completed", "Completed"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"


OPEN_STATUSES = (Status.NEW, Status.PENDING)


class FailureCode(models.TextChoices):
    PAYLOAD_REJECTED = "payload_rejected", "The bank refused the application's data"
    UNKNOWN_AT_BANK = "unknown_at_bank", "The bank does not know this application"


class LoanAction(AuditAction):
    """What the audit trail of an application records (details in `changes` and `reason`)."""

    CREATED = "loans.created", "Application created"
    STATUS_CHANGED = "loans.status_changed", "Status changed"
    RESUBMITTED = "loans.resubmitted", "Re-submitted to the bank"
    POLL_REQUESTED = "loans.poll_requested", "Bank poll requested"


class LoanApplication(models.Model):
    """A customer's intent to get a loan; its `id` is the id we send to the bank."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    failure_code = models.CharField(max_length=32, choices=FailureCode.choices, blank=True)
    failure_reason = models.TextField(blank=True)
    bank_job_id = models.UUIDField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    request_id = models.CharField(
        "origin request id",
        max_length=128,
        blank=True,
        help_text="The id of the request that created it: every log line of its submission "
        "and polls carries it, so one id follows the application in the logs.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="The bank accepted it.")
    decided_at = models.DateTimeField(
        null=True, blank=True, help_text="We recorded the bank's decision."
    )

    # Scheduling: the database is the queue. A row is due when `next_attempt_at` has passed
    # and nobody holds an unexpired claim on it.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    submit_attempts = models.PositiveIntegerField(default=0)
    poll_count = models.PositiveIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    error_reference = models.CharField(
        max_length=128,
        blank=True,
        help_text="The id the log lines of the last error or failure carry (the task's id): "
        "support finds the technical detail with it.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The dispatcher's query: due open applications, oldest due first.
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=["new", "pending"]),
                name="loans_due_idx",
            ),
            models.Index(fields=["status", "-created_at"], name="loans_status_created_idx"),
            models.Index(fields=["email"], name="loans_email_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=Decimal("0")) & Q(amount__lte=Decimal("100000000")),
                name="loans_amount_positive_and_bounded",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in Status]),
                name="loans_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""),
                name="loans_failed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}, {present.money(self.amount, self.currency)}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def age(self) -> timedelta:
        """How long ago the application was created."""
        return timezone.now() - self.created_at

    @property
    def time_to_decision(self) -> timedelta | None:
        """From the bank accepting it to our record of its decision."""
        if self.submitted_at is None or self.decided_at is None:
            return None
        return self.decided_at - self.submitted_at


class IdempotencyKey(models.Model):
    """The first result of a create request, replayed for a retry with the same key."""

    key = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request_fingerprint = models.CharField(max_length=64)
    application = models.ForeignKey(LoanApplication, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="loans_idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key} -> {self.application_id}"
