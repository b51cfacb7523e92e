"""Models of the key accounts app: restaurant accounts, their contacts, interactions, orders,
performance history and the daily call reminders.

Rules live in `kam/services/` (writes), `kam/planning.py` (call rhythm, retries, due
groups) and `kam/performance.py` (health bands); models hold data, constraints, indexes
and the audit vocabulary (`KamAction`).
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core import present
from core.audit import AuditAction


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(
            "Enter an IANA time zone, e.g. Europe/Paris or Asia/Kolkata.", code="invalid_tz"
        ) from None


def validate_weekdays(value: str) -> None:
    """Weekdays as digits, Monday 0 to Sunday 6, e.g. "024" for Monday, Wednesday, Friday."""
    if not value:
        return
    if any(ch not in "0123456" for ch in value) or len(set(value)) != len(value):
        raise ValidationError(
            "Weekdays are distinct digits from 0 (Monday) to 6 (Sunday), e.g. 024.",
            code="invalid_weekdays",
        )


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    QUALIFIED = "qualified", "Qualified"
    ONBOARDING = "onboarding", "Onboarding"
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    LOST = "lost", "Lost"


#: The one table of allowed moves (`services.account_transition` is the only writer).
#: "Lost" is reachable from every open status (every status but lost itself).
TRANSITIONS: dict[str, frozenset[str]] = {
    LeadStatus.NEW: frozenset({LeadStatus.CONTACTED, LeadStatus.LOST}),
    LeadStatus.CONTACTED: frozenset({LeadStatus.QUALIFIED, LeadStatus.LOST}),
    LeadStatus.QUALIFIED: frozenset({LeadStatus.ONBOARDING, LeadStatus.LOST}),
    LeadStatus.ONBOARDING: frozenset({LeadStatus.ACTIVE, LeadStatus.LOST}),
    LeadStatus.ACTIVE: frozenset({LeadStatus.INACTIVE, LeadStatus.LOST}),
    LeadStatus.INACTIVE: frozenset({LeadStatus.ACTIVE, LeadStatus.LOST}),
    LeadStatus.LOST: frozenset(),
}


class Segment(models.TextChoices):
    FINE_DINING = "fine_dining", "Fine dining"
    CASUAL = "casual", "Casual dining"
    QUICK_SERVICE = "quick_service", "Quick service"
    CAFE = "cafe", "Café / bakery"
    BAR = "bar", "Bar / pub"
    HOTEL = "hotel", "Hotel restaurant"
    CATERING = "catering", "Catering"
    CHAIN = "chain", "Chain"


class Rhythm(models.TextChoices):
    EVERY_N_DAYS = "every_n_days", "Every N days"
    WEEKLY = "weekly", "Weekly on given weekdays"


class Band(models.TextChoices):
    """Health band of an account (rules and thresholds: `kam/performance.py`)."""

    WELL_PERFORMING = "well_performing", "Well-performing"
    STEADY = "steady", "Steady"
    AT_RISK = "at_risk", "At risk"
    UNDERPERFORMING = "underperforming", "Underperforming"
    NOT_RATED = "not_rated", "Not rated yet"


class KamAction(AuditAction):
    """What the audit trail of an account records (`core.audit`): the details (outcome,
    from/to, the contact) are in the event's changes, the why in its reason."""

    ACCOUNT_CREATED = "kam.account_created", "Account created"
    ACCOUNT_UPDATED = "kam.account_updated", "Account updated"
    STATUS_CHANGED = "kam.status_changed", "Status changed"
    REASSIGNED = "kam.reassigned", "Reassigned to another KAM"
    CONTACT_ADDED = "kam.contact_added", "Contact added"
    CONTACT_UPDATED = "kam.contact_updated", "Contact updated"
    CONTACT_REMOVED = "kam.contact_removed", "Contact removed"
    CALL_LOGGED = "kam.call_logged", "Call logged"


class Restaurant(models.Model):
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=120)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. FR.")
    time_zone = models.CharField(
        max_length=64,
        validators=[validate_time_zone],
        help_text="IANA time zone of the restaurant; call hours and 'today' are in it.",
    )
    cuisine = models.CharField(max_length=80, blank=True)
    segment = models.CharField(max_length=20, choices=Segment.choices, default=Segment.CASUAL)
    currency = models.CharField(
        max_length=3, default="EUR", help_text="Every order of the account is in it."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="kam_accounts",
        help_text="The key-account manager in charge.",
    )
    status = models.CharField(max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    rhythm = models.CharField(max_length=16, choices=Rhythm.choices, default=Rhythm.EVERY_N_DAYS)
    call_every_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="With the every-N-days rhythm.",
    )
    call_weekdays = models.CharField(
        max_length=7,
        blank=True,
        validators=[validate_weekdays],
        help_text="With the weekly rhythm: digits 0 (Monday) to 6 (Sunday), e.g. 024.",
    )
    call_hour = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(23)],
        help_text="Preferred hour of the call in the restaurant's time zone (0-23).",
    )
    next_call_due_at = models.DateTimeField(
        null=True, blank=True, help_text="UTC; none for a lost account."
    )
    band = models.CharField(
        max_length=16,
        choices=Band.choices,
        default=Band.NOT_RATED,
        help_text="Latest health band (each night and after every order).",
    )
    band_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # Calls due for one KAM: owner = ? AND next_call_due_at < ?
            models.Index(fields=["owner", "next_call_due_at"], name="kam_rest_owner_due"),
            # Performance lists and the band filter for one KAM.
            models.Index(fields=["owner", "band"], name="kam_rest_owner_band"),
            models.Index(fields=["band"], name="kam_rest_band"),
            models.Index(fields=["status"], name="kam_rest_status"),
            models.Index(fields=["city"], name="kam_rest_city"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(call_hour__gte=0, call_hour__lte=23), name="kam_rest_call_hour_0_23"
            ),
            models.CheckConstraint(
                condition=Q(call_every_days__gte=1), name="kam_rest_every_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def weekdays(self) -> list[int]:
        return sorted(int(ch) for ch in self.call_weekdays)

    @property
    def rhythm_display(self) -> str:
        if self.rhythm == Rhythm.WEEKLY:
            names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            return "Weekly on " + ", ".join(names[d] for d in self.weekdays)
        n = self.call_every_days
        return "Every day" if n == 1 else f"Every {n} days"


class ContactRole(models.TextChoices):
    OWNER = "owner", "Owner"
    GENERAL_MANAGER = "general_manager", "General manager"
    PROCUREMENT = "procurement", "Procurement"
    CHEF = "chef", "Chef"
    ACCOUNTS = "accounts", "Accounts"
    OTHER = "other", "Other"


class PointOfContact(models.Model):
    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=ContactRole.choices, default=ContactRole.OTHER)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +33612345678.")
    email = models.EmailField(blank=True)
    preferred_hours = models.CharField(
        max_length=60, blank=True, help_text="Free text in the restaurant's time, e.g. 14:00-16:00."
    )
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["restaurant"],
                condition=Q(is_primary=True),
                name="kam_one_primary_contact_per_restaurant",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class InteractionKind(models.TextChoices):
    CALL = "call", "Call"
    VISIT = "visit", "Visit"
    EMAIL = "email", "Email"


class CallOutcome(models.TextChoices):
    CONNECTED = "connected", "Connected"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    RESCHEDULED = "rescheduled", "Rescheduled"


class Interaction(models.Model):
    restaurant = models.ForeignKey(
        Restaurant, on_delete=models.CASCADE, related_name="interactions"
    )
    contact = models.ForeignKey(
        PointOfContact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    kind = models.CharField(max_length=8, choices=InteractionKind.choices)
    outcome = models.CharField(
        max_length=12, choices=CallOutcome.choices, blank=True, help_text="Calls only."
    )
    occurred_at = models.DateTimeField()
    details = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # The timeline of one account, and its last call.
            models.Index(
                fields=["restaurant", "kind", "-occurred_at"], name="kam_inter_rest_kind_at"
            ),
            models.Index(fields=["restaurant", "-occurred_at"], name="kam_inter_rest_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="call", outcome__in=CallOutcome.values)
                | (~Q(kind="call") & Q(outcome="")),
                name="kam_inter_outcome_only_for_calls",
            )
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.outcome:
            label += f" ({self.get_outcome_display().lower()})"
        return f"{label} on {present.day(self.occurred_at)}"


class Order(models.Model):
    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="orders")
    contact = models.ForeignKey(
        PointOfContact, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    placed_at = models.DateTimeField()
    details = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            # Performance: count/sum/min/max of one account's orders over a period.
            models.Index(fields=["restaurant", "placed_at"], name="kam_order_rest_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="kam_order_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{present.money(self.amount, self.currency)} on {present.day(self.placed_at)}"


class PerformanceSnapshot(models.Model):
    """One account's performance on one day (the nightly task writes one per account)."""

    restaurant = models.ForeignKey(
        Restaurant, on_delete=models.CASCADE, related_name="performance_snapshots"
    )
    date = models.DateField()
    band = models.CharField(max_length=16, choices=Band.choices)
    orders_30d = models.PositiveIntegerField(default=0)
    revenue_30d = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    orders_90d = models.PositiveIntegerField(default=0)
    revenue_90d = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    average_interval_days = models.FloatField(null=True, blank=True)
    days_since_last_order = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-date", "restaurant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["restaurant", "date"], name="kam_one_snapshot_per_account_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.restaurant_id} on {present.day(self.date)}: {self.get_band_display()}"


class CallReminder(models.Model):
    """The daily list of one KAM's due calls (the reminder task writes it and logs it)."""

    kam = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kam_call_reminders"
    )
    date = models.DateField(help_text="The KAM's local date.")
    overdue = models.PositiveIntegerField(default=0)
    today = models.PositiveIntegerField(default=0)
    next_seven_days = models.PositiveIntegerField(default=0)
    calls = models.JSONField(default=list, help_text="[{restaurant, name, due_at, group}]")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-date", "kam_id"]
        constraints = [
            models.UniqueConstraint(fields=["kam", "date"], name="kam_one_reminder_per_kam_per_day")
        ]

    def __str__(self) -> str:
        return f"Reminder for {self.kam} on {present.day(self.date)}"
