from django import forms

from core.boundary.forms import BoundaryForm
from evaluations.types import registry


class EvaluationCreateForm(BoundaryForm):
    kind = forms.ChoiceField(choices=lambda: registry.choices(), label="Type")
    value = forms.CharField(
        max_length=64,
        label="Number",
        help_text="A SIREN (e.g. 732 829 320) or an EU/UK VAT number (e.g. IE6388047V).",
    )
