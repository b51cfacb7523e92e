"""Models of the supplier evaluations app: one evaluation per company, one row per decay pass."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.audit import AuditAction
from evaluations.outcomes import VALID_OUTCOMES, Reason, State
from evaluations.types import registry

MAX_SCORE = 100


class EvaluationAction(AuditAction):
    """What the audit trail records about evaluations and decay passes; the details (state,
    reason, score, the counts of a pass) are in the event's changes, the source's words in
    its reason."""

    CREATED = "evaluations.created", "Evaluated for the first time"
    REEVALUATED = "evaluations.reevaluated", "Re-evaluated"
    DECAY_PASS_FINISHED = "evaluations.decay_pass_finished", "Decay pass finished"


def kind_choices() -> list[tuple[str, str]]:
    """Choices from the type registry: a callable, so adding a type needs no migration."""
    return registry.choices()


class Evaluation(models.Model):
    """How reliable one supplier company is: a state, a reason, and a score that decays.

    The score only goes up when the company is (re-)evaluated (to 100); the nightly pass
    (`services.decay_pass_run`) lowers it with set-based UPDATEs. `reevaluation_due` is the
    queue of re-evaluations, kept in the database so a lost task loses nothing.
    """

    kind = models.CharField(max_length=16, choices=kind_choices)
    value = models.CharField(max_length=32, help_text="The normalised identifier.")
    state = models.CharField(max_length=16, choices=State.choices)
    reason = models.CharField(max_length=32, choices=Reason.choices)
    score = models.SmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(MAX_SCORE)]
    )
    company_name = models.CharField(max_length=255, blank=True)
    company_address = models.CharField(
        max_length=255, blank=True, help_text="As the register gives it (VIES, HMRC)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_evaluated_at = models.DateTimeField()
    last_decayed_on = models.DateField(
        null=True, blank=True, help_text="Date of the last decay pass that applied the rules."
    )
    reevaluation_due = models.BooleanField(
        default=False, help_text="Waiting for a worker to re-evaluate it."
    )
    reevaluation_due_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it joined the re-evaluation queue (the queue's age, core.metrics).",
    )
    reevaluation_claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker is re-evaluating it until then (a lease)."
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="evaluation_kind_value_unique"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=MAX_SCORE), name="evaluation_score_0_100"
            ),
            models.CheckConstraint(
                condition=Q(
                    *(Q(state=state, reason=reason) for state, reason in VALID_OUTCOMES),
                    _connector=Q.OR,
                ),
                name="evaluation_state_reason_valid",
            ),
        ]
        indexes = [
            # The re-evaluation queue: small, because few rows are due at any time.
            models.Index(
                fields=["id"], condition=Q(reevaluation_due=True), name="evaluation_due_queue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"

    @property
    def is_final(self) -> bool:
        """Unfavorable never changes: a closed company does not reopen."""
        return self.state == State.UNFAVORABLE


class DecayPass(models.Model):
    """One nightly decay pass, at most one per date (a second one for the date does nothing)."""

    date = models.DateField(unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    chunk_size = models.PositiveIntegerField()
    favorable_decayed = models.PositiveIntegerField(default=0, help_text="Rule 3.")
    unreachable_decayed = models.PositiveIntegerField(default=0, help_text="Rule 4.")
    reached_zero = models.PositiveIntegerField(
        default=0, help_text="Rule 5: re-evaluated on the next pass."
    )
    marked_due = models.PositiveIntegerField(default=0, help_text="Rule 2: queued.")
    unfavorable_unchanged = models.PositiveIntegerField(default=0, help_text="Rule 1.")
    already_decayed = models.PositiveIntegerField(
        default=0, help_text="Skipped: already decayed for this date (a resumed pass)."
    )

    class Meta:
        ordering = ["-date"]
        verbose_name_plural = "decay passes"

    def __str__(self) -> str:
        status = "finished" if self.finished_at else "running or interrupted"
        return f"decay pass {self.date} ({status})"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


class RegisterLimit(models.Model):
    """A register's next free instant (seconds since the epoch) for the shared rate limit,
    when the limits live in the database (`evaluations.limits`)."""

    name = models.CharField(max_length=32, primary_key=True)
    next_at = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.name} limit"


class RegisterSlot(models.Model):
    """One of a register's concurrent-call slots, leased until `held_until` (epoch seconds)."""

    register = models.CharField(max_length=32)
    number = models.PositiveSmallIntegerField()
    held_until = models.FloatField(default=0)
    token = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["register", "number"], name="register_slot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.register} slot {self.number}"
