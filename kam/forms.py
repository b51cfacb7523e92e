"""HTML forms of the key accounts app: they parse input; the services check the rules."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from core.boundary import EVENT, PLANNED
from core.boundary.forms import BoundaryForm, BoundedDateTimeField
from core.forms import ServiceErrorsMixin
from kam.access import possible_owners
from kam.models import (
    CallOutcome,
    ContactRole,
    InteractionKind,
    LeadStatus,
    Rhythm,
    Segment,
)

WEEKDAYS = [("0", "Mon"), ("1", "Tue"), ("2", "Wed"), ("3", "Thu"), ("4", "Fri"), ("5", "Sat"),
            ("6", "Sun")]  # fmt: skip


class LocalDateTimeField(BoundedDateTimeField):
    """A `datetime-local` input read in the account's time zone (the form sets `zone`)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AccountForm(ServiceErrorsMixin, BoundaryForm):
    name = forms.CharField(max_length=200)
    address = forms.CharField(max_length=300, required=False)
    city = forms.CharField(max_length=120)
    country = forms.CharField(max_length=2, help_text="Two letters, e.g. FR, IN, US.")
    time_zone = forms.CharField(
        max_length=64, initial="Europe/Paris", help_text="IANA name, e.g. Asia/Kolkata."
    )
    cuisine = forms.CharField(max_length=80, required=False)
    segment = forms.ChoiceField(choices=Segment.choices, initial=Segment.CASUAL)
    currency = forms.ChoiceField(choices=[])
    rhythm = forms.ChoiceField(choices=Rhythm.choices, initial=Rhythm.EVERY_N_DAYS)
    call_every_days = forms.IntegerField(
        min_value=1, max_value=365, initial=14, label="Every N days"
    )
    call_weekdays = forms.MultipleChoiceField(
        choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple, label="Weekdays"
    )
    call_hour = forms.IntegerField(
        min_value=0, max_value=23, initial=10, help_text="In the restaurant's time zone."
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in settings.KAM_CURRENCIES]

    def clean_call_weekdays(self) -> str:
        return "".join(sorted(self.cleaned_data.get("call_weekdays") or []))


class TransitionForm(ServiceErrorsMixin, BoundaryForm):
    """The list offers the moves allowed from the current status; the service decides (its
    one table of moves), so a status not allowed from here is its message, not the form's."""

    status = forms.ChoiceField(choices=LeadStatus.choices, label="New status")
    reason = forms.CharField(max_length=1000)
    service_names = {"status": "to_status"}

    def __init__(self, *args, allowed=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = [(value, label) for value, label in LeadStatus.choices if value in allowed]
        self.fields["status"].widget.choices = self.allowed


class ContactForm(ServiceErrorsMixin, BoundaryForm):
    name = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=ContactRole.choices)
    phone = forms.CharField(
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
        help_text="International (+33 6 ...) or national for the restaurant's country.",
    )
    email = forms.EmailField(required=False)
    preferred_hours = forms.CharField(max_length=60, required=False, help_text="e.g. 14:00-16:00")
    is_primary = forms.BooleanField(required=False, label="Primary contact")


class _AccountBoundForm(ServiceErrorsMixin, BoundaryForm):
    service_names = {"contact": "contact_id"}

    def __init__(self, *args, account, contacts, **kwargs) -> None:
        """`contacts`: the account's (the view reads them with `selectors.contact_list`)."""
        super().__init__(*args, **kwargs)
        self.account = account
        for field in self.fields.values():
            if isinstance(field, LocalDateTimeField):
                field.zone = account.zone
        self.fields["contact"].choices = [("", "—")] + [(str(c.pk), str(c)) for c in contacts]

    def clean_contact(self) -> int | None:
        value = self.cleaned_data.get("contact")
        return int(value) if value else None


class CallForm(_AccountBoundForm):
    kind = forms.ChoiceField(choices=InteractionKind.choices, initial=InteractionKind.CALL)
    outcome = forms.ChoiceField(
        choices=[("", "— (visits, emails)"), *list(CallOutcome.choices)],
        required=False,
        initial=CallOutcome.CONNECTED,
    )
    contact = forms.ChoiceField(required=False)
    occurred_at = LocalDateTimeField(
        date_range=EVENT,
        required=False,
        label="When",
        help_text="Restaurant's local time; empty: now.",
    )
    next_call_at = LocalDateTimeField(
        date_range=PLANNED,
        required=False,
        label="Next call",
        help_text="Restaurant's local time; required when rescheduled, else proposed for you.",
    )
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class OrderForm(_AccountBoundForm):
    amount = forms.DecimalField(max_digits=14, decimal_places=4)
    currency = forms.CharField(max_length=3, required=False)
    placed_at = LocalDateTimeField(
        date_range=EVENT,
        required=False,
        label="Placed at",
        help_text="Restaurant's local time; empty: now.",
    )
    contact = forms.ChoiceField(required=False)
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, account, contacts, **kwargs) -> None:
        super().__init__(*args, account=account, contacts=contacts, **kwargs)
        self.fields["currency"].initial = account.currency


class ReassignForm(ServiceErrorsMixin, BoundaryForm):
    """The new KAM and the reason (the accounts come from the list's checkboxes)."""

    kam = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        label="New KAM",
        error_messages={"required": "Choose the KAM who takes the accounts."},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": "Say why the accounts change hands."},
        help_text="Recorded in each account's history.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kam"].queryset = possible_owners().order_by("username")
        self.fields["kam"].label_from_instance = lambda user: user.get_username()

    def service_data(self, fields: dict | None = None) -> dict:
        data = dict(self.cleaned_data if fields is None else fields)
        if "kam" in data:
            data["kam_id"] = data.pop("kam").pk
        return data
