"""The one domain error type.

Services raise `ApplicationError` (or a subclass) for anything a caller did wrong or a rule
that refuses the request. The API turns it into the shared JSON error shape
(`core.api.exceptions`); HTML views show `message` and `fields` on the form or page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class ApplicationError(Exception):
    status_code = 400
    default_code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: Mapping[str, str | Iterable[str]] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields: dict[str, list[str]] = {
            name: [messages] if isinstance(messages, str) else list(messages)
            for name, messages in (fields or {}).items()
        }
        if status_code is not None:
            self.status_code = status_code

    def __str__(self) -> str:
        if not self.fields:
            return self.message
        details = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in self.fields.items())
        return f"{self.message} ({details})"


class NotFoundError(ApplicationError):
    status_code = 404
    default_code = "not_found"


class ConflictError(ApplicationError):
    """The request is valid but clashes with the object's current state."""

    status_code = 409
    default_code = "conflict"


class PermissionDeniedError(ApplicationError):
    status_code = 403
    default_code = "permission_denied"
