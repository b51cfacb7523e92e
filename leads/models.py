"""Models of the leads app: the lead, its qualification runs, each run's checks (one row per
external system), and the app's audit vocabulary (`LeadAction`)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.audit import AuditAction
from core.boundary import BIRTH_DATE
from leads.national_id import format_national_id, validate_national_id


def validate_not_in_future(value) -> None:
    """The input boundary's birth-date range, 1900-01-01 .. today (core.boundary). The name
    is kept because the initial migration refers to it."""
    BIRTH_DATE.validate(value)


validate_phone = RegexValidator(
    r"^\+?[0-9][0-9 .()-]{5,30}$",
    "Enter a phone number: digits, spaces, dots or dashes, optionally starting with +.",
    code="invalid_phone",
)


class Stage(models.TextChoices):
    """Where a lead is in the sales pipeline; the last finished run decides it."""

    LEAD = "lead", "Lead"
    PROSPECT = "prospect", "Prospect"
    REJECTED = "rejected", "Rejected"
    NEEDS_REVIEW = "needs_review", "Needs review"


class LeadAction(AuditAction):
    """What can happen to a lead, as its audit trail says it (details in changes/reason)."""

    CREATED = "leads.lead_created", "Lead created"
    UPDATED = "leads.lead_updated", "Lead updated"
    DELETED = "leads.lead_deleted", "Lead deleted"
    #: The reason names the run and where it was asked from (api, page, admin, cli).
    QUALIFICATION_REQUESTED = "leads.qualification_requested", "Qualification requested"
    #: The stage's change is in `changes`; the reason is the run's and its decision's.
    QUALIFICATION_DECIDED = "leads.qualification_decided", "Qualification decided"


class Lead(models.Model):
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    birth_date = models.DateField(validators=[validate_not_in_future])
    national_id = models.CharField(
        "national id",
        max_length=32,
        unique=True,
        validators=[validate_national_id],
        help_text="National identification number (country: settings.NATIONAL_ID_COUNTRY), "
        "stored without spaces.",
    )
    email = models.EmailField()
    phone = models.CharField(max_length=32, validators=[validate_phone])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="leads",
        help_text="The sales agent in charge of the lead.",
    )
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.LEAD)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["stage", "-created_at"], name="leads_lead_stage_created"),
            models.Index(fields=["owner", "stage"], name="leads_lead_owner_stage"),
            # The list, newest first (its ordering), for everyone and for one agent.
            models.Index(fields=["-created_at", "-id"], name="leads_lead_created"),
            models.Index(fields=["owner", "-created_at", "-id"], name="leads_lead_owner_created"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.get_stage_display().lower()})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def national_id_display(self) -> str:
        return format_national_id(self.national_id)


class CheckStatus(models.TextChoices):
    """The result of one external check in a run (also used for the score)."""

    PENDING = "pending", "Pending"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    UNAVAILABLE = "unavailable", "Unavailable"
    SKIPPED = "skipped", "Skipped"


class System(models.TextChoices):
    """The external systems a qualification asks, in the order it asks them (the registry
    and the archives at once, then the scoring)."""

    REGISTRY = "registry", "National registry"
    ARCHIVES = "archives", "Judicial archives"
    SCORING = "scoring", "Qualification scoring"


class RunStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    ABANDONED = "abandoned", "Abandoned"


ACTIVE_RUN_STATUSES = (RunStatus.PENDING, RunStatus.RUNNING)


class RunSource(models.TextChoices):
    """Where a qualification was asked for."""

    API = "api", "API"
    PAGE = "page", "Lead page"
    ADMIN = "admin", "Admin"
    CLI = "cli", "Command line"


class QualificationRun(models.Model):
    """One qualification of one lead: the decision, the score, who asked; what each system
    answered is one `QualificationCheck` per system (`run.checks`).

    At most one run per lead is active (pending or running): a partial unique constraint
    makes the database refuse a second one, whatever the entry point.
    """

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(max_length=16, choices=RunSource.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    score = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(
        max_length=16,
        choices=[(s.value, s.label) for s in (Stage.PROSPECT, Stage.REJECTED, Stage.NEEDS_REVIEW)],
        blank=True,
        help_text="The decision; empty until the run is done.",
    )
    reasons = models.JSONField(default=list, blank=True)
    reference = models.CharField(
        max_length=128,
        blank=True,
        help_text="The id the run's log lines carry (its task's id, or the request's or the "
        "command's): support finds the technical detail of a failed check with it.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=Q(status__in=["pending", "running"]),
                name="leads_one_active_run_per_lead",
                violation_error_message="This lead is already being qualified.",
            ),
        ]
        indexes = [
            models.Index(fields=["lead", "-created_at"], name="leads_run_lead_created"),
            models.Index(fields=["status", "created_at"], name="leads_run_status_created"),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of lead {self.lead_id} ({self.outcome or self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def wall_ms(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds() * 1000

    def checks_by_system(self) -> dict[str, QualificationCheck]:
        """Each system's check, in the order they are asked; a system not heard from yet is a
        pending check (not stored). Reads `run.checks` (prefetch it for lists)."""
        stored = {check.system: check for check in self.checks.all()}
        return {
            system: stored.get(system) or QualificationCheck(run=self, system=system)
            for system in System.values
        }

    @property
    def check_list(self) -> list[QualificationCheck]:
        return list(self.checks_by_system().values())


class QualificationCheck(models.Model):
    """What one external system answered in one run: the verdict, why, when, how fast, and
    the answer itself (the scoring system is sent the other two's)."""

    run = models.ForeignKey(QualificationRun, on_delete=models.CASCADE, related_name="checks")
    system = models.CharField(max_length=16, choices=System.choices)
    status = models.CharField(
        max_length=16, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    reason = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    latency_ms = models.FloatField("latency (ms)", null=True, blank=True)
    response = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "system"], name="leads_one_check_per_system"),
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} check of run {self.run_id}: {self.status}"
