"""The API's OpenAPI description: the error shape, and the error responses every operation
documents (drf-spectacular, `/api/schema/`).

`AutoSchema` is REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS. To every operation it adds, each in
the one error shape (`ErrorResponseSerializer`, see `core.api.exceptions`):

- 400 everywhere: messages per field for input, and the input boundary (`core.boundary`)
  refuses control characters in any query parameter or header;
- 401 and 403 everywhere: every endpoint needs authentication, and roles decide the rest;
- 404 when it has a path parameter (no such object, or not one you may see) or answers a
  paginated list (`page` past the last page);
- 413 and 415 when it takes a body (over the size limit; a media type it does not parse).

What only the operation knows it declares itself, usually as a description alone: e.g. 409
where its service can raise `ConflictError`,
`responses={200: ..., 409: OpenApiResponse(description="Unfavorable is final.")}`. Any error
response declared without a body gets the error shape, and an operation's own description
of a code replaces the generic one. 405 is documented nowhere: an operation in the schema is
a method the endpoint accepts (others answer 405 with `Allow`, in the error shape).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. `validation_error`.")
    message = serializers.CharField(help_text="A sentence a person can read.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field (dotted for nested input); empty when none.",
    )
    request_id = serializers.CharField(
        help_text="The request's id (also the `X-Request-ID` response header): quote it to "
        "support, who find the request's log lines with it.",
    )


class ErrorResponseSerializer(serializers.Serializer):
    """The shape of every API error response."""

    error = ErrorDetailSerializer()


INVALID = (
    "Invalid input: `error.fields` names each field (dotted for nested input) with its "
    "messages; `error.message` sums them up."
)
REFUSED = (
    "Refused at the input boundary: a query parameter or header holds a control character, "
    "or there are too many parameters (`error.fields` names them)."
)
NOT_AUTHENTICATED = "Not authenticated: no credentials, or a token or session that is not valid."
FORBIDDEN = (
    "Authenticated, but your roles do not allow this (or a session write came without its "
    "CSRF token)."
)
NO_SUCH_OBJECT = "No such object, or not one you may see."
NO_SUCH_PAGE = "No such page: `page` is past the last page."
TOO_LARGE = "The request body is over the size limit."
UNSUPPORTED_MEDIA_TYPE = "The request body's Content-Type is not one this operation accepts."
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "schema": {"type": "string"},
        "description": "`Token`: send `Authorization: Token <key>`.",
    }
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, with the error responses every operation can give."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code, description in self._error_descriptions(operation).items():
            responses.setdefault(code, {"description": description})
        for code, response in responses.items():
            if int(code) >= 400 and not response.get("content"):
                # Built like any declared response, so the operation's examples for this
                # status code and its response headers are attached too.
                error = OpenApiResponse(
                    ErrorResponseSerializer, description=response["description"]
                )
                responses[code] = {**response, **self._get_response_for_code(error, code)}
        if "401" in responses:
            responses["401"].setdefault("headers", WWW_AUTHENTICATE)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_descriptions(self, operation: dict) -> dict[str, str]:
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        takes_input = has_body or any(p["in"] != "path" for p in parameters)
        not_found = []
        if any(p["in"] == "path" for p in parameters):
            not_found.append(NO_SUCH_OBJECT)
        if self.method == "GET" and self._is_list_view() and self._get_paginator():
            not_found.append(NO_SUCH_PAGE)

        # Every request passes the input boundary (core.boundary): a control character in a
        # query parameter or header, or too many parameters, is a 400 anywhere.
        errors = {"400": INVALID if takes_input else REFUSED, "401": NOT_AUTHENTICATED}
        errors["403"] = FORBIDDEN
        if not_found:
            errors["404"] = " ".join(not_found)
        if has_body:
            errors["413"] = TOO_LARGE
            errors["415"] = UNSUPPORTED_MEDIA_TYPE
        return errors
