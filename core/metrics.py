"""Prometheus metrics (prometheus-client): every metric declared once here, named `backoffice_*`.

Two kinds of figures (the names and their meaning are listed in docs/operations.md):

* **Observed in code**, as things happen, in whichever process they happen: HTTP requests
  (`MetricsMiddleware`), Celery tasks (signals connected in core/apps.py), external calls
  (core.http), loan decisions recorded (loans.services.polling), qualification runs
  (leads.services.qualification). The helpers below are the only way code touches them.
* **Database state**, computed at scrape time by `BusinessCollector` through each app's
  selectors (loan applications by status, the age of the oldest due row of every database
  queue, the last nightly decay pass). It is registered only on the registry the /metrics view
  builds for one scrape, never on the process-wide one, so a worker never queries for it.

Processes: when PROMETHEUS_MULTIPROC_DIR is set (before the process starts: prometheus-client
reads it at import), every process (gunicorn workers, Celery prefork children) writes its
samples to files in that directory and a scrape aggregates them (`MultiProcessCollector`),
the documented "multiprocess mode". So on one machine the web's /metrics also shows the
workers' tasks. Workers on other machines serve their own directory on METRICS_PORT
(`start_worker_metrics_server`, from a worker signal). Without the variable, each process has
its own in-memory registry (runserver, tests).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

logger = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
if os.environ.get(MULTIPROC_ENV):  # the files are written there: it must exist (a fresh pod)
    os.makedirs(os.environ[MULTIPROC_ENV], exist_ok=True)

#: Seconds: from a few milliseconds (a page) to the task time limit (150 s).
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 150)
#: Seconds: the bank decides in 5-20 s; we poll every 2 s then back off to minutes.
_LAG_BUCKETS = (0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)

# --- observed in code ---------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "backoffice_http_requests",
    "HTTP requests answered, by method, route template (never the raw path) and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "backoffice_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
TASKS = Counter(
    "backoffice_celery_tasks",
    "Celery tasks run, by task name and outcome (success, failure, retry...).",
    ["task", "outcome"],
)
TASK_DURATION = Histogram(
    "backoffice_celery_task_duration_seconds",
    "Run time of a Celery task, by task name and outcome.",
    ["task", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
EXTERNAL_CALLS = Counter(
    "backoffice_external_calls",
    "Calls to external systems, by system and outcome (2xx, 4xx, 5xx, timeout, error).",
    ["system", "outcome"],
)
EXTERNAL_LATENCY = Histogram(
    "backoffice_external_call_duration_seconds",
    "Time an external system took to answer (or fail), by system and outcome.",
    ["system", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
LOAN_DECISION_LAG = Histogram(
    "backoffice_loans_decision_record_lag_seconds",
    "From the bank's decision to our record of it, at most: the bank does not say when it "
    "decided, so this is the time since we last saw the application pending (or since it "
    "was submitted), by decision.",
    ["decision"],
    buckets=_LAG_BUCKETS,
)
QUALIFICATION_RUNS = Counter(
    "backoffice_leads_qualification_runs",
    "Lead qualification runs decided, by decision (prospect, rejected, needs_review).",
    ["decision"],
)
QUALIFICATION_CHECK_LATENCY = Histogram(
    "backoffice_leads_qualification_check_duration_seconds",
    "Time of each external check of a qualification run, by system and check status.",
    ["system", "status"],
    buckets=_LATENCY_BUCKETS,
)


def observe_http_request(*, method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def observe_task(*, task: str, outcome: str, seconds: float | None) -> None:
    TASKS.labels(task, outcome).inc()
    if seconds is not None:
        TASK_DURATION.labels(task, outcome).observe(seconds)


def external_outcome(status_code: int | None, error: BaseException | None = None) -> str:
    """'2xx'...'5xx' for an answer, 'timeout' or 'error' (connection, protocol) without one."""
    if status_code is not None:
        return f"{status_code // 100}xx"
    import httpx

    return "timeout" if isinstance(error, httpx.TimeoutException) else "error"


def observe_external_call(*, system: str, outcome: str, seconds: float) -> None:
    EXTERNAL_CALLS.labels(system, outcome).inc()
    EXTERNAL_LATENCY.labels(system, outcome).observe(seconds)


def observe_loan_decision(*, decision: str, lag_seconds: float) -> None:
    LOAN_DECISION_LAG.labels(decision).observe(max(lag_seconds, 0.0))


def observe_qualification(
    *, decision: str, checks: Iterable[tuple[str, str, float | None]]
) -> None:
    """One decided run: its decision, and (system, status, latency in ms) of each check."""
    QUALIFICATION_RUNS.labels(decision).inc()
    for system, status, latency_ms in checks:
        if latency_ms is not None:
            QUALIFICATION_CHECK_LATENCY.labels(system, status).observe(latency_ms / 1000)


# --- the HTTP middleware ------------------------------------------------------------------------


class MetricsMiddleware:
    """Counts and times every request by method, route template and status. The route is the
    URL pattern that matched ("api/loans/<uuid:pk>/"), never the path: ids and search words
    would make one series per value. A request no pattern matched is "unmatched"."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match is not None else "unmatched"
        method = request.method if request.method in _METHODS else "other"
        try:
            observe_http_request(
                method=method,
                route=route or "unmatched",
                status=response.status_code,
                seconds=time.perf_counter() - started,
            )
        except Exception:  # metrics never break a request
            logger.exception("could not record the request's metrics")
        return response


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# --- Celery signals -----------------------------------------------------------------------------

_task_started: dict[str, float] = {}
_task_lock = threading.Lock()


def task_started(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id:
        with _task_lock:
            _task_started[task_id] = time.perf_counter()


def task_finished(task_id: str | None = None, task: Any = None, state: str | None = None, **kw):
    """task_postrun: the outcome is the state the task ended in (SUCCESS, FAILURE, RETRY...)."""
    with _task_lock:
        started = _task_started.pop(task_id, None) if task_id else None
    seconds = time.perf_counter() - started if started is not None else None
    name = getattr(task, "name", None) or "unknown"
    try:
        observe_task(task=name, outcome=(state or "unknown").lower(), seconds=seconds)
    except Exception:
        logger.exception("could not record the task's metrics")


def connect_task_signals() -> None:
    from celery.signals import task_postrun, task_prerun, worker_process_shutdown, worker_ready

    task_prerun.connect(task_started, weak=False, dispatch_uid="core.metrics.task_started")
    task_postrun.connect(task_finished, weak=False, dispatch_uid="core.metrics.task_finished")
    worker_process_shutdown.connect(
        _worker_process_shutdown, weak=False, dispatch_uid="core.metrics.process_shutdown"
    )
    worker_ready.connect(_worker_ready, weak=False, dispatch_uid="core.metrics.worker_ready")


def _worker_process_shutdown(pid: int | None = None, **kwargs: Any) -> None:
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid or os.getpid())


def _worker_ready(**kwargs: Any) -> None:
    from django.conf import settings

    if not settings.METRICS_PORT:
        return
    if not settings.METRICS_TOKEN:
        # Never an open port: the same token as the web's /metrics, or nothing served.
        logger.warning("METRICS_PORT is set but METRICS_TOKEN is empty: worker metrics not served")
        return
    start_worker_metrics_server(settings.METRICS_PORT, token=settings.METRICS_TOKEN)


def metrics_wsgi_app(registry: CollectorRegistry, token: str) -> Callable:
    """prometheus-client's WSGI app behind the web's rule: `Authorization: Bearer <token>`
    or 401 (no credentials) / 403 (wrong ones), saying nothing more."""
    import hmac

    from prometheus_client import make_wsgi_app

    served = make_wsgi_app(registry)
    expected = token.encode()

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if not header:
            start_response(
                "401 Unauthorized",
                [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="metrics"')],
            )
            return [b""]
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b""]
        return served(environ, start_response)

    return app


def start_worker_metrics_server(port: int, *, token: str, addr: str = "0.0.0.0") -> Any:  # noqa: S104
    """Serve this worker's metrics on `port` (every path answers them) to callers with the
    METRICS_TOKEN, for a worker with no web process beside it (Kubernetes). With
    PROMETHEUS_MULTIPROC_DIR, the prefork children's samples (they run the tasks) are
    aggregated from the directory; without it only this process's, which is right for the
    solo and threads pools only. prometheus-client's own threaded WSGI server, in a daemon
    thread."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from prometheus_client.exposition import ThreadingWSGIServer

    class _Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # no access lines on stderr
            pass

    if not token:
        raise ValueError("the worker metrics server needs a token")
    server = make_server(
        addr,
        port,
        metrics_wsgi_app(process_registry(), token),
        ThreadingWSGIServer,
        handler_class=_Quiet,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="metrics")
    thread.start()
    logger.info("worker metrics served on port %s (bearer token)", port)
    return server, thread


# --- scrape -------------------------------------------------------------------------------------


class _Forward:
    """Registers the collectors of another registry on a scrape's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        return self._registry.collect()


def process_registry() -> CollectorRegistry:
    """What this machine's processes observed: aggregated from the multiprocess directory
    when there is one, else this process's own registry."""
    path = os.environ.get(MULTIPROC_ENV)
    registry = CollectorRegistry(auto_describe=False)
    if path:
        multiprocess.MultiProcessCollector(registry, path=path)
    else:
        registry.register(_Forward(REGISTRY))
    return registry


def scrape() -> tuple[bytes, str]:
    """The /metrics body and content type: the processes' samples and the database state."""
    registry = process_registry()
    registry.register(BusinessCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class BusinessCollector:
    """Database state at scrape time, read through each app's selectors (cheap indexed
    queries: one per figure). A part that fails is logged and left out; the rest is served."""

    def collect(self) -> Iterator[Metric]:
        for part in (self._loans, self._queues, self._decay_pass):
            try:
                yield from part()
            except Exception:
                logger.exception("metrics: %s could not be read", part.__name__.strip("_"))

    def _loans(self) -> Iterator[Metric]:
        from loans.selectors import loan_application_status_counts

        family = GaugeMetricFamily(
            "backoffice_loans_applications",
            "Loan applications in each status (every status, zeros included).",
            labels=["status"],
        )
        for status, count in loan_application_status_counts().items():
            family.add_metric([status], count)
        yield family

    def _queues(self) -> Iterator[Metric]:
        from django.utils import timezone

        from evaluations.selectors import reevaluations_oldest_due_age
        from loans.selectors import loan_queues_oldest_due_age
        from workflows.selectors import workflow_steps_oldest_due_age

        now = timezone.now()
        ages = {
            **{f"loans_{name}": age for name, age in loan_queues_oldest_due_age(now=now).items()},
            "evaluations_reevaluations": reevaluations_oldest_due_age(now=now),
            "workflows_steps": workflow_steps_oldest_due_age(now=now),
        }
        family = GaugeMetricFamily(
            "backoffice_queue_oldest_due_age_seconds",
            "Age of the oldest due row of each database queue (0 when none is due).",
            labels=["queue"],
        )
        for queue, age in ages.items():
            family.add_metric([queue], age)
        yield family

    def _decay_pass(self) -> Iterator[Metric]:
        from evaluations.selectors import decay_pass_latest_finished

        last = decay_pass_latest_finished()
        if last is None:
            return
        yield GaugeMetricFamily(
            "backoffice_evaluations_decay_pass_duration_seconds",
            "How long the last finished nightly decay pass took.",
            value=(last.finished_at - last.started_at).total_seconds(),
        )
        yield GaugeMetricFamily(
            "backoffice_evaluations_decay_pass_finished_timestamp_seconds",
            "When the last nightly decay pass finished (Unix time): alert when it is old.",
            value=last.finished_at.timestamp(),
        )
        rows = GaugeMetricFamily(
            "backoffice_evaluations_decay_pass_rows",
            "Rows of the last finished nightly decay pass, by rule outcome.",
            labels=["outcome"],
        )
        for outcome in DECAY_PASS_COUNTS:
            rows.add_metric([outcome], getattr(last, outcome))
        yield rows


#: The DecayPass columns the last pass's counts come from.
DECAY_PASS_COUNTS = (
    "unfavorable_unchanged",
    "marked_due",
    "favorable_decayed",
    "unreachable_decayed",
    "reached_zero",
    "already_decayed",
)
