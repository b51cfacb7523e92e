"""Forms of the workflows pages. A person step's form is generated from its definition (the
step type's `build_form`, a `BoundaryForm`); the runs list filters with `RunFilterForm`."""

from __future__ import annotations

from typing import Any

from django import forms

from core.boundary.forms import BoundaryForm
from workflows.loader import Definition, StepSpec
from workflows.models import RunStatus


class RunFilterForm(BoundaryForm):
    """The runs list's filter: the arguments of `selectors.workflow_run_list`."""

    status = forms.ChoiceField(choices=[("", "All"), *RunStatus.choices], required=False)


def step_form_class(definition: Definition, step: StepSpec) -> type[forms.BaseForm]:
    """The form class of a person step, as its definition (version) describes it."""
    return step.step_type.build_form(step, definition)


def file_fields(form: Any) -> list[str]:
    return [name for name, field in form.fields.items() if isinstance(field, forms.FileField)]
