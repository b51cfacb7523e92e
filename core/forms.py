"""Form helpers shared by every app's pages."""

from __future__ import annotations

from django import forms

from core.errors import ApplicationError


def add_application_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's refusal on the form, field by field (unknown fields: at the top)."""
    for name, messages in error.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)


class ServiceErrorsMixin:
    """`form.add_application_error(error)` for forms whose input a service validates."""

    def add_application_error(self, error: ApplicationError) -> None:
        add_application_error(self, error)  # type: ignore[arg-type]
