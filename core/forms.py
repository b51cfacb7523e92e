"""Form helpers shared by every app's pages."""

from __future__ import annotations

from django import forms

from core.boundary.forms import BoundaryForm
from core.errors import ApplicationError


def add_application_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's refusal on the form, field by field (unknown fields: at the top).
    A field the form already refused keeps the form's message (it says what to type)."""
    for name, messages in error.fields.items():
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


class ServiceErrorsMixin:
    """`form.add_application_error(error)` for forms whose input a service validates."""

    def add_application_error(self, error: ApplicationError) -> None:
        add_application_error(self, error)  # type: ignore[arg-type]


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
