"""One access-log line per HTTP request, written by us (gunicorn's own access log is off).

Logger `core.access`, event "request finished", INFO (the health probes `/healthz` and
`/readyz` at DEBUG: the cluster asks every few seconds). Written inside
`RequestIdMiddleware`'s scope, so it carries the request id; fields: `method`, `route` (the
URL pattern, e.g. `loans/<uuid:pk>/`; empty when nothing matched), `path` (without the query
string, which may hold search terms or personal data: never logged), `status`,
`duration_ms`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("core.access")

QUIET_PATHS = frozenset({"/healthz", "/readyz"})
MAX_PATH = 200


def _safe_path(path: str) -> str:
    """The path as a log line may show it: printable, bounded (it is whatever was asked)."""
    cleaned = "".join(char if char.isprintable() else "?" for char in path[: MAX_PATH + 1])
    return cleaned if len(cleaned) <= MAX_PATH else cleaned[:MAX_PATH] + "…"


class AccessLogMiddleware:
    """Put it right after `RequestIdMiddleware`, so it times (almost) everything."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = 500  # if what follows raises, Django answers a 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            match = getattr(request, "resolver_match", None)
            route = str(getattr(match, "route", "") or "")
            path = _safe_path(request.path)
            logger.log(
                logging.DEBUG if request.path in QUIET_PATHS else logging.INFO,
                "request finished",
                extra={
                    "method": request.method,
                    "route": route,
                    "path": path,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
