"""Form helpers shared by every app's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import Http404

from core.boundary.forms import BoundaryForm
from core.errors import ApplicationError, NotFoundError


def add_application_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's refusal on the form, field by field (unknown fields: at the top).
    A field the form already refused keeps the form's message (it says what to type). A
    service's argument name (`service_names`, e.g. `contact_id`) finds its form field."""
    field_of = {arg: name for name, arg in getattr(form, "service_names", {}).items()}
    for name, messages in error.fields.items():
        name = field_of.get(name, name)
        target = name if name in form.fields else None
        if target is not None and target in form.errors:
            continue
        for message in messages:
            form.add_error(target, message)
    if not error.fields:
        form.add_error(None, error.message)


def parsed_fields(form: forms.BaseForm) -> dict:
    """What the form could parse, after `is_valid()`: the fields without an error (so a
    service can check them in the same pass as the form's own checks)."""
    cleaned = getattr(form, "cleaned_data", {}) or {}
    return {name: value for name, value in cleaned.items() if name not in form.errors}


def submit(
    form: forms.BaseForm,
    write: Callable[[dict[str, Any]], Any],
    check: Callable[[dict[str, Any]], None],
) -> Any:
    """Every check of a submit in one pass, so one submit shows every field's message.

    A valid form goes to `write` (the service, which checks all its rules at once); a form
    with field errors goes to `check` (the service's rules without writing) with whatever
    did parse, and the service's field messages join the form's. Both receive the form's
    `service_data` (the service's argument names). Returns what `write` returned (never
    None), or None when something was refused: the form then carries every message. A
    service's NotFoundError is a 404, as everywhere."""
    valid = form.is_valid()
    try:
        if valid:
            return write(service_data(form))
        check(service_data(form, parsed_fields(form)))
    except NotFoundError as error:
        raise Http404(error.message) from None
    except ApplicationError as error:
        add_application_error(form, error)
    return None


def service_data(form: forms.BaseForm, fields: dict | None = None) -> dict[str, Any]:
    """`fields` (default: all the cleaned data) under the service's argument names."""
    if isinstance(form, ServiceErrorsMixin):
        return form.service_data(fields)
    return dict(form.cleaned_data if fields is None else fields)


class ServiceErrorsMixin:
    """For forms whose input a service validates: `form.add_application_error(error)`, and
    `service_data()`, the cleaned data under the service's argument names
    (`service_names`: form field -> argument, where they differ)."""

    service_names: dict[str, str] = {}

    def add_application_error(self, error: ApplicationError) -> None:
        add_application_error(self, error)  # type: ignore[arg-type]

    def service_data(self, fields: dict | None = None) -> dict[str, Any]:
        data = self.cleaned_data if fields is None else fields  # type: ignore[attr-defined]
        return {self.service_names.get(name, name): value for name, value in data.items()}


class ProfileForm(BoundaryForm):
    """A person's own settings (the service checks the zone; the list offers only known ones)."""

    time_zone = forms.ChoiceField(
        required=False,
        label="Time zone",
        help_text="Every page shows times in this zone. Key-account pages also show each "
        "restaurant's local time.",
    )

    def __init__(self, *args, **kwargs) -> None:
        from django.conf import settings

        from core.services import available_time_zones

        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [
            ("", f"The server's ({settings.TIME_ZONE})"),
            *((name, name.replace("_", " ")) for name in sorted(available_time_zones())),
        ]


class SearchForm(BoundaryForm):
    """The top bar's search box (core.search cuts what is typed to its maximum length)."""

    q = forms.CharField(required=False, label="Search")
