"""Page forms. They parse what the page sends; the rules are the service's
(`loans.services.loan_application_create`), whose refusals go on the form field by field."""

import uuid

from django import forms
from django.conf import settings

from core import present
from core.boundary.forms import BoundaryForm
from loans.models import Status


class LoanApplicationForm(BoundaryForm):
    # Not required here: the service reports every missing or bad field at once.
    first_name = forms.CharField(required=False)
    last_name = forms.CharField(required=False)
    email = forms.CharField(required=False, widget=forms.EmailInput)
    amount = forms.CharField(required=False, widget=forms.NumberInput(attrs={"step": "0.01"}))
    currency = forms.CharField(required=False, widget=forms.Select)
    # One key per rendered form: a double click or a resubmitted page creates one application.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].widget.choices = [(c, c) for c in settings.LOANS_CURRENCIES]
        low, high = settings.LOANS_MIN_AMOUNT, settings.LOANS_MAX_AMOUNT
        self.fields[
            "amount"
        ].help_text = f"Between {present.number_text(low)} and {present.number_text(high)}."

    def application_data(self) -> dict[str, str]:
        """The application's fields, as the service takes them."""
        return {
            name: self.cleaned_data[name]
            for name in ("first_name", "last_name", "email", "amount", "currency")
        }


class StatusFilterForm(BoundaryForm):
    status = forms.ChoiceField(required=False, choices=[("", "All statuses"), *Status.choices])
    q = forms.CharField(required=False, label="Search")


class ResubmitForm(BoundaryForm):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Why (optional)",
        widget=forms.TextInput(attrs={"placeholder": "e.g. the bank fixed its outage"}),
    )
