"""One id per request (or per background task), on every log line, shown to people.

Support finds in the log what a person saw: the id is

* the `X-Request-ID` a caller sent, when it is sane (8 to 128 characters from letters,
  digits and `._:-`: a proxy's id is kept, a header-injection or log-forging attempt is not),
  otherwise a new one, for a request (`RequestIdMiddleware`, first in MIDDLEWARE);
* for work done in a worker (`task_prerun`, connected in core.apps): the id of the request
  (or task) that enqueued the task, which `before_task_publish` puts in the message's
  headers, so one id follows a request into the tasks it causes; the task's own id when it
  was sent from nowhere (beat, a shell). The task's own id and name are on every record as
  `task_id` and `task`;
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
    """Adds `request_id` to every record, so a format can show `%(request_id)s`; and in a
    task, `task_id` and `task` (its name). An explicit `extra={"request_id": ...}` is kept
    (e.g. a loan's poll logs under the id of the request that created the application)."""

    def filter(self, record: logging.LogRecord) -> bool:
        task = _current_task.get()
        if task is not None and not getattr(record, "task_id", None):
            record.task_id, record.task = task
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


# --- Celery: a task logs under the id of the request that enqueued it ---------------------

#: The message header that carries the enqueuing request's id to the worker.
TASK_HEADER = "request_id"

#: (task id, task name) of the task being run here.
_current_task: ContextVar[tuple[str, str] | None] = ContextVar("current_task", default=None)
_task_tokens: dict[str, Any] = {}


def task_published(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """`before_task_publish`: the current request's (or task's) id goes with the message."""
    request_id = current_request_id()
    if request_id and headers is not None and not headers.get(TASK_HEADER):
        headers[TASK_HEADER] = request_id


def task_started(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """`task_prerun`: serve the task under the id its message carries, else its own id."""
    if not task_id:
        return
    context = getattr(task, "request", None)
    origin = context.get(TASK_HEADER) if context is not None else None
    if not origin and context is not None and getattr(context, "is_eager", False):
        origin = current_request_id()  # run in-process (eager): the caller's id goes on
    request_id = origin if origin and SANE_REQUEST_ID.fullmatch(str(origin)) else task_id
    name = getattr(task, "name", None) or ""
    _task_tokens[task_id] = (_current.set(request_id), _current_task.set((task_id, name)))


def task_finished(task_id: str | None = None, **kwargs: Any) -> None:
    tokens = _task_tokens.pop(task_id, None) if task_id else None
    if tokens is not None:
        for var, token in zip((_current, _current_task), tokens, strict=True):
            try:
                var.reset(token)
            except ValueError:  # set in another context (a thread pool): just clear it
                var.set(None)
