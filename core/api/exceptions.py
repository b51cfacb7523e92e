"""One JSON shape for every API error:

    {"error": {"code": "validation_error", "message": "...", "fields": {"amount": ["..."]},
               "request_id": "3f9c2a7b1d4e5f60"}}

`fields` maps a field (dotted for nested input, e.g. `items.0.name`) to its messages; it is
empty when the error is not about a particular field. `request_id` is the id the request's
log lines carry (also the `X-Request-ID` response header): a client quotes it to support.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.boundary.http import refusal_for
from core.errors import ApplicationError
from core.request_id import current_request_id

logger = logging.getLogger(__name__)

NON_FIELD_KEYS = {"non_field_errors", "__all__"}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail -> {"dotted.field": [messages]}."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _flatten(value, name).items():
                out.setdefault(field, []).extend(messages)
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix: [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            if item in ({}, []):
                continue
            name = f"{prefix}.{index}" if prefix else str(index)
            for field, messages in _flatten(item, name).items():
                out.setdefault(field, []).extend(messages)
        return out
    return {prefix: [str(detail)]}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {
        "error": {
            "code": code,
            "message": message,
            "fields": fields or {},
            "request_id": current_request_id(),
        }
    }


def _validation_response(detail: Any) -> Response:
    fields = _flatten(detail)
    general = [msg for key in NON_FIELD_KEYS | {""} for msg in fields.pop(key, [])]
    if general:
        message = " ".join(general)
    elif fields:
        message = "Some fields are not valid: " + ", ".join(sorted(fields)) + "."
    else:
        message = "The request is not valid."
    return Response(error_body("validation_error", message, fields), status=400)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return _validation_response(detail)
    if isinstance(exc, SuspiciousOperation) and (refusal := refusal_for(exc)):
        # A body over DATA_UPLOAD_MAX_MEMORY_SIZE (413), too many fields or files (400).
        body = error_body(refusal.code, refusal.message, refusal.fields)
        return Response(body, status=refusal.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ValidationError):
        return _validation_response(exc.detail)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django logs it and answers 500 (JSON, see core.views)
    detail = exc.detail  # drf_exception_handler answers only for APIException
    message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
    response.data = error_body(str(exc.default_code), message)
    return response
