import uuid

from django import forms
from django.conf import settings

from core.boundary.forms import BoundaryForm


class LoanApplicationForm(BoundaryForm):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(max_length=254)
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=settings.LOANS_MIN_AMOUNT,
        max_value=settings.LOANS_MAX_AMOUNT,
        help_text=f"Between {settings.LOANS_MIN_AMOUNT:,} and {settings.LOANS_MAX_AMOUNT:,}.",
    )
    currency = forms.ChoiceField(choices=[(c, c) for c in settings.LOANS_CURRENCIES])
    # One key per rendered form: a double click or a resubmitted page creates one application.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, initial=uuid.uuid4)


class StatusFilterForm(BoundaryForm):
    status = forms.ChoiceField(required=False)
    q = forms.CharField(required=False, label="Search")

    def __init__(self, *args, **kwargs):
        from loans.models import Status

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "All statuses"), *Status.choices]
