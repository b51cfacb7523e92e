"""Forms of the workflows pages. A person step's form is generated from its definition (the
step type's `build_form`, a `BoundaryForm`); the runs list filters with `RunFilterForm`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import ErrorDict

from core.boundary.forms import BoundaryForm
from core.errors import ApplicationError
from core.forms import add_application_error
from workflows.loader import Definition, StepSpec
from workflows.models import RunStatus


class RunFilterForm(BoundaryForm):
    """The runs list's filter: the arguments of `selectors.workflow_run_list`."""

    status = forms.ChoiceField(choices=[("", "All"), *RunStatus.choices], required=False)
    search = forms.CharField(required=False, max_length=200, label="Customer")


def step_form_class(definition: Definition, step: StepSpec) -> type[forms.BaseForm]:
    """The form class of a person step, as its definition (version) describes it."""
    return step.step_type.build_form(step, definition)


def file_fields(form: Any) -> list[str]:
    return [name for name, field in form.fields.items() if isinstance(field, forms.FileField)]


def step_form_refused(
    form_class: type[forms.BaseForm],
    data: Any,
    files: Any,
    error: ApplicationError,
    kept: set[str] | frozenset[str] = frozenset(),
) -> forms.BaseForm:
    """The step's form as the person filled it in, showing a service's refusal: the service
    cleaned the input (every problem in one pass), so the form is not validated a second
    time. A browser cannot re-fill a file input: a file that was sent and is fine is asked for
    again, next to its field, unless the page kept it (`kept`: the fields whose file is
    staged, see views._person_step)."""
    form = form_class(data)
    form.cleaned_data = {}
    form._errors = ErrorDict(renderer=form.renderer)  # the errors are the service's
    add_application_error(form, error)
    for name in file_fields(form):
        if name in files and name not in form.errors and name not in kept:
            form.add_error(
                name, "Choose the file again: files are not kept when the form has errors."
            )
    return form
