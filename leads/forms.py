"""HTML forms of the leads app: they parse input; the service checks the rules."""

from __future__ import annotations

from django import forms

from core.boundary.forms import BoundaryForm
from core.forms import ServiceErrorsMixin


class LeadForm(ServiceErrorsMixin, BoundaryForm):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    # Its range (core.boundary.BIRTH_DATE) is checked by the service with the other rules,
    # so every bad field shows at once.
    birth_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    national_id = forms.CharField(
        max_length=40, label="National id", help_text="Spaces allowed, e.g. 2 84 05 75 116 045 14."
    )
    email = forms.EmailField()
    phone = forms.CharField(max_length=32, widget=forms.TextInput(attrs={"type": "tel"}))
