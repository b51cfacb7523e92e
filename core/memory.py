"""The garbage collector of a web process (issue 12: the p95 of the list endpoints).

Reference counting frees most of what a request allocates; what it leaves is the request's
reference cycles (DRF serializers and their bound fields, query expression trees...). With
CPython's default thresholds (700, 10, 10) the collector runs four times in the middle of a
200-row request, promotes the cycles still in use to the older generations, and every few
requests a full collection walks them all: 20-50 ms pauses, the p95 of the big lists.

So a web process (config/wsgi.py, and the benchmarks that stand for it):

1. imports every view, then moves everything loaded out of the collector's reach
   (`gc.freeze`, as the gc documentation advises for pre-forked servers): a collection never
   walks Django and the apps again;
2. raises the young generation's threshold (`WEB_GC_YOUNG_THRESHOLD`, default 100,000
   allocations) so that a request almost never pauses in the middle;
3. collects the young generations once each response has been sent (Django's
   `request_finished`, sent when the server closes the response): ~1 ms, after the client has
   its answer; the request's cycles die young and the oldest generation stays small, so a
   full collection is rare and short.

Measured on `GET /api/kam/performance/?page_size=200` (100 requests): CPython's defaults gave
433 collections (2.0 ms a request) including 2 full ones of 22-37 ms; this gives one
collection a request (1.1 ms, p50), none full.
"""

from __future__ import annotations

import gc
import os
from typing import Any

from django.core.signals import request_finished

DEFAULT_YOUNG_THRESHOLD = 100_000


def _collect_young(**kwargs: Any) -> None:
    gc.collect(1)


def tune_web_process() -> None:
    """Freeze what is loaded, raise the young threshold, collect after each response. Call
    once per process, after the application is loaded (config/wsgi.py)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (import every view now, before the freeze)
    young = int(os.environ.get("WEB_GC_YOUNG_THRESHOLD", DEFAULT_YOUNG_THRESHOLD))
    _, middle, old = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(young, middle, old)
    request_finished.connect(_collect_young, dispatch_uid="core.memory.collect_young")


def untune_web_process() -> None:
    """Back to CPython's defaults (tests)."""
    request_finished.disconnect(dispatch_uid="core.memory.collect_young")
    gc.set_threshold(700, 10, 10)
    gc.unfreeze()
