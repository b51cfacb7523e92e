"""Form helpers shared by every app's pages."""

from __future__ import annotations

from django import forms

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
