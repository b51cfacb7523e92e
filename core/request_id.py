"""One id per request (or per background task), on every log line, shown to people.

Support finds in the log what a person saw: the id is

* the `X-Request-ID` a caller sent, when it is sane (8 to 128 characters from letters,
  digits and `._:-`: a proxy's id is kept, a header-injection or log-forging attempt is not),
  otherwise a new one, for a request (`RequestIdMiddleware`, first in MIDDLEWARE);
* the Celery task id, for work done in a worker (`task_prerun`, connected in core.apps);
* a new id for work started elsewhere (a management command) via `request_id_scope()`.

It is returned in the `X-Request-ID` response header, put on every log record
(`RequestIdLogFilter`, configured in settings LOGGING: `[%(request_id)s]` in the format),
given to templates as `request_id` (`request_id_context`) and to every API error body
(`core.api.exceptions.error_body`). Records that keep a failure for people to read keep the
id under which its technical detail was logged (e.g. a lead's qualification run, a loan
application's last error, every audit event).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
#: What an incoming id may look like; anything else is replaced by one of ours.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
#: Shown in log lines written outside any request or task (startup, beat's scheduler...).
NO_REQUEST_ID = "-"

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_request_id() -> str:
    """16 hexadecimal characters: short enough to read out to support, unique enough to find
    one request in the log (64 random bits)."""
    return secrets.token_hex(8)


def current_request_id() -> str:
    """The id of the request or task being served here; "" outside of one."""
    return _current.get() or ""


def accept_request_id(value: str | None) -> str:
    """The incoming id when it is sane, else a new one."""
    if value and SANE_REQUEST_ID.fullmatch(value):
        return value
    return new_request_id()


@contextmanager
def request_id_scope(value: str | None = None) -> Iterator[str]:
    """Serve the enclosed work under `value` (default: the current id, or a new one)."""
    request_id = value or current_request_id() or new_request_id()
    token = _current.set(request_id)
    try:
        yield request_id
    finally:
        _current.reset(token)


class RequestIdMiddleware:
    """Give each request its id, for the whole time it is served (put it first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accept_request_id(request.META.get(META_KEY))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to every record, so a format can show `%(request_id)s`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # Django logs a 4xx ("Not Found: /x") after the middleware has returned, with the
            # request in `extra`: the id is then read from the request.
            request = getattr(record, "request", None)
            record.request_id = (
                current_request_id() or getattr(request, "request_id", "") or NO_REQUEST_ID
            )
        return True


def request_id_context(request: HttpRequest) -> dict[str, str]:
    """Template context processor: `{{ request_id }}` (pages quote it to support)."""
    return {"request_id": getattr(request, "request_id", "") or current_request_id()}


# --- Celery: a task's log lines carry its task id ---------------------------------------------

_task_tokens: dict[str, Any] = {}


def task_started(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id:
        _task_tokens[task_id] = _current.set(task_id)


def task_finished(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None) if task_id else None
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # set in another context (a thread pool): just clear it
            _current.set(None)
