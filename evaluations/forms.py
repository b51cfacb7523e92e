from django import forms
from django.utils.functional import lazy

from core.boundary.forms import BoundaryForm
from evaluations.types import registry


class EvaluationCreateForm(BoundaryForm):
    kind = forms.ChoiceField(choices=lambda: registry.choices(), label="Type")
    value = forms.CharField(
        max_length=64,
        label="Number",
        help_text=lazy(registry.help_text, str)(),
    )
