"""The boundary at the HTTP door: one middleware and the 400 handler.

`InputBoundaryMiddleware` (settings.MIDDLEWARE) answers before any view runs:

- a request header with a control character (a NUL in a session cookie or a token would
  reach the database): 400 naming the header, answered as to an anonymous visitor;
- a body declared larger than the limit: 413 (multipart: `UPLOAD_MAX_BYTES`, files and fields
  together; any other body: `DATA_UPLOAD_MAX_MEMORY_SIZE`);
- a query parameter (key or value) with a control character: 400 naming the parameter;
- an admin form post with one: 400 (our own page forms refuse per field instead, see
  `core.boundary.forms`; API bodies are checked by `core.boundary.parsers`).

Under /api/ the answer is the API's JSON error shape; elsewhere the site's 400 page
(templates/400.html), which says what was wrong and what to do. `bad_request` (`handler400`)
and the API's exception handler turn Django's own refusals (a body over the limit read by a
view, too many fields or files) into the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from core.boundary.text import (
    HEADER_CONTROL_CHARACTERS,
    control_character_message,
    control_character_problem,
    printable,
)
from core.present import file_size


@dataclass(frozen=True)
class Refusal:
    """A request refused at the boundary: what the API answers, and what a page says."""

    status: int
    code: str
    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    #: Pages: what the person can do about it.
    advice: str = "Go back, correct what you sent and try again."


def body_too_large(limit: int, *, upload: bool) -> Refusal:
    what = "files and fields together" if upload else "the request body"
    return Refusal(
        413,
        "request_too_large",
        f"The request is too large: at most {file_size(limit)} ({what}) are accepted.",
        advice=f"Send less than {file_size(limit)}"
        + (": a smaller file, or one file at a time." if upload else "."),
    )


def refusal_for(exc: BaseException) -> Refusal | None:
    """Django's refusals of a body (raised when a view or a parser reads it) as Refusals."""
    if isinstance(exc, RequestDataTooBig):
        return body_too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0, upload=False)
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return Refusal(
            400,
            "too_many_fields",
            f"The request has too many fields or parameters: at most {limit} are accepted.",
            advice=f"Send at most {limit} fields or parameters.",
        )
    if isinstance(exc, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return Refusal(
            400,
            "too_many_files",
            f"The request has too many files: at most {limit} are accepted.",
            advice=f"Send at most {limit} files at once.",
        )
    return None


def _control_characters(pairs: Iterable[tuple[str, list]], what: str) -> Refusal | None:
    fields = {}
    for key, values in pairs:
        if problem := control_character_problem([key, *values]):
            fields[printable(key)] = [problem]
    if not fields:
        return None
    return Refusal(
        400,
        "validation_error",
        f"Some {what} are not valid: {', '.join(sorted(fields))}.",
        fields,
        advice=f"Remove the control characters from the {what} named below and try again.",
    )


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def refusal_response(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    if wants_json(request):
        from core.api.exceptions import error_body

        body = error_body(refusal.code, refusal.message, refusal.fields)
        return JsonResponse(body, status=refusal.status)
    return render(request, "400.html", {"refusal": refusal}, status=refusal.status)


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class InputBoundaryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.check_headers(request)
        if refusal is not None:
            from django.contrib.auth.models import AnonymousUser

            # Before the session (its cookie may be what is refused) is ever read.
            request.user = AnonymousUser()
            return refusal_response(request, refusal)
        try:
            refusal = self.check(request)
        except SuspiciousOperation as exc:
            refusal = refusal_for(exc)
            if refusal is None:
                raise
        if refusal is not None:
            return refusal_response(request, refusal)
        return self.get_response(request)

    @staticmethod
    def check_headers(request: HttpRequest) -> Refusal | None:
        fields = {}
        for key, value in request.META.items():
            if not (key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")):
                continue
            if isinstance(value, str) and (found := HEADER_CONTROL_CHARACTERS.search(value)):
                name = key.removeprefix("HTTP_").replace("_", "-").title()
                fields[name] = [control_character_message(found.group())]
        if not fields:
            return None
        return Refusal(
            400,
            "validation_error",
            f"Some headers are not valid: {', '.join(sorted(fields))}.",
            fields,
            advice="Your browser or client sent a damaged header; clear this site's cookies "
            "and try again.",
        )

    def check(self, request: HttpRequest) -> Refusal | None:
        upload = request.content_type.startswith("multipart/")
        limit = settings.UPLOAD_MAX_BYTES if upload else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _content_length(request) > limit:
            return body_too_large(limit, upload=upload)
        refusal = _control_characters(request.GET.lists(), "query parameters")
        if refusal is None and request.method == "POST" and self._is_admin(request):
            refusal = _control_characters([*request.POST.lists(), *request.FILES.lists()], "fields")
        return refusal

    @staticmethod
    def _is_admin(request: HttpRequest) -> bool:
        return request.path.startswith(reverse("admin:index"))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """`handler400`: Django's refusals (oversized bodies, too many fields) and any other bad
    request, in our JSON shape under /api/ and on the site's 400 page elsewhere."""
    refusal = (refusal_for(exception) if exception is not None else None) or Refusal(
        400, "bad_request", "The request could not be understood."
    )
    return refusal_response(request, refusal)
