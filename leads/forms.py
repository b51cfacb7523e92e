"""HTML forms of the leads app: they parse input; the service checks the rules."""

from __future__ import annotations

from django import forms

from core.forms import ServiceErrorsMixin


class LeadForm(ServiceErrorsMixin, forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    birth_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    national_id = forms.CharField(
        max_length=40, label="National id", help_text="Spaces allowed, e.g. 2 84 05 75 116 045 14."
    )
    email = forms.EmailField()
    phone = forms.CharField(max_length=32, widget=forms.TextInput(attrs={"type": "tel"}))
