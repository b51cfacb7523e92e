"""HTML forms of the leads app: they parse input; the service checks the rules."""

from __future__ import annotations

from django import forms

from core.boundary.forms import BoundaryForm
from core.forms import ServiceErrorsMixin
from leads.access import sales_agents


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


class ManagedLeadForm(LeadForm):
    """The form a sales manager sees: they also choose the agent in charge."""

    owner = forms.ModelChoiceField(
        queryset=None, label="Sales agent", required=False, empty_label="Me"
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = sales_agents().order_by("username")
        self.fields["owner"].label_from_instance = lambda user: user.get_username()

    def service_data(self, fields: dict | None = None) -> dict:
        fields = self.cleaned_data if fields is None else fields
        data = {k: v for k, v in fields.items() if k != "owner"}
        if fields.get("owner") is not None:
            data["owner_id"] = fields["owner"].pk
        return data
