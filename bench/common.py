"""What benchmarks share: Django set-up on a scratch database, percentiles, printing."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_VAR = REPO / "var" / "bench"


def setup_django() -> None:
    """Configure Django for a benchmark run (test settings, scratch database) and migrate."""
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_VAR / 'db.sqlite3'}")
    os.environ.setdefault("CELERY_FILESYSTEM_BROKER_DIR", str(BENCH_VAR / "broker"))
    _create_postgres_database_if_missing(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_postgres_database_if_missing(url: str) -> None:
    """`make bench-pg` points at a scratch database; create it on first use."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    params = {
        "host": config["HOST"] or "localhost",
        "port": config["PORT"] or 5432,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values_s: Sequence[float]) -> str:
    ms = [v * 1000 for v in values_s]
    return (
        f"p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
        f"max {max(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms (n={len(ms)})"
    )


def heading(title: str) -> None:
    print(f"\n## {title}", flush=True)


def figure(label: str, value: str) -> None:
    print(f"  {label:<44} {value}", flush=True)


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as elapsed: ...` then `elapsed[0]` is the wall time in seconds."""
    result: list[float] = []
    started = time.perf_counter()
    try:
        yield result
    finally:
        result.append(time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------
# Targets, interleaved comparisons and the summary table (issue 12).
#
# Every benchmark that has a target calls `target(...)`: it prints the measured figure next to
# the target with "met" / "not met", and records it for the summary table that
# `python -m bench` prints at the end. Ratios are measured with `interleaved(...)`: the two
# sides alternate run by run (A B A B ...), at least five runs each, and are reported as the
# median with min and max, so drift (caches, autovacuum, a busy neighbour) hits both alike.

TARGETS: list[dict] = []


def target(
    name: str,
    measured: float,
    limit: float,
    *,
    unit: str = "",
    detail: str = "",
    higher_is_better: bool = False,
) -> bool:
    """Record and print one target: `measured` against `limit` (<= limit unless
    `higher_is_better`). Returns whether it is met."""
    met = measured >= limit if higher_is_better else measured <= limit
    sign = ">=" if higher_is_better else "<="
    verdict = "met" if met else "NOT MET"
    TARGETS.append(
        {
            "name": name,
            "measured": measured,
            "limit": limit,
            "unit": unit,
            "sign": sign,
            "met": met,
            "detail": detail,
        }
    )
    figure(
        name,
        f"{_fmt(measured)}{unit} (target {sign} {_fmt(limit)}{unit}): {verdict}"
        + (f"  [{detail}]" if detail else ""),
    )
    return met


def _fmt(value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


class Spread:
    """Median, min and max of repeated runs (seconds or any unit)."""

    def __init__(self, values: Sequence[float]):
        self.values = list(values)
        self.median = statistics.median(self.values) if self.values else float("nan")
        self.min = min(self.values) if self.values else float("nan")
        self.max = max(self.values) if self.values else float("nan")

    def __str__(self) -> str:
        return (
            f"median {_fmt(self.median)} (min {_fmt(self.min)}, max {_fmt(self.max)}, "
            f"n={len(self.values)})"
        )


def interleaved(side_a, side_b, *, runs: int = 5) -> tuple[Spread, Spread, Spread]:
    """Run `side_a()` and `side_b()` alternately `runs` times each (each returns the seconds
    it measured itself, or None to have the call timed here). Returns the spread of A, of B,
    and of the per-pair ratio A/B."""
    if runs < 5:
        raise ValueError("a ratio needs at least five runs per side")
    a_times: list[float] = []
    b_times: list[float] = []
    for _ in range(runs):
        for fn, out in ((side_a, a_times), (side_b, b_times)):
            started = time.perf_counter()
            measured = fn()
            out.append(measured if measured is not None else time.perf_counter() - started)
    ratios = [a / b for a, b in zip(a_times, b_times, strict=True) if b]
    return Spread(a_times), Spread(b_times), Spread(ratios)


def print_summary() -> bool:
    """The table of every target recorded in this run; returns True if all are met."""
    if not TARGETS:
        return True
    print("\n# summary: every target of this run\n", flush=True)
    print("| target | measured | limit | verdict |")
    print("|---|---|---|---|")
    for t in TARGETS:
        print(
            f"| {t['name']} | {_fmt(t['measured'])}{t['unit']} | {t['sign']} "
            f"{_fmt(t['limit'])}{t['unit']} | {'met' if t['met'] else '**not met**'} |"
        )
    met = sum(t["met"] for t in TARGETS)
    print(f"\n{met} of {len(TARGETS)} targets met", flush=True)
    return met == len(TARGETS)


# ---------------------------------------------------------------------------------------------
# List endpoints at index speed (issue 12): the same requests in-process and through gunicorn.

P95_TARGET_MS = 50.0


class GcPauses:
    """Wall time of every garbage collection while active (`gc.callbacks`)."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self.full: list[float] = []
        self._started = 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            elapsed = time.perf_counter() - self._started
            self.pauses.append(elapsed)
            if info.get("generation") == 2:
                self.full.append(elapsed)

    def __enter__(self) -> GcPauses:
        import gc

        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc) -> None:
        import gc

        gc.callbacks.remove(self._callback)


def allocation_per_request(call, runs: int = 3) -> tuple[float, int]:
    """(peak KiB, allocated blocks still alive at the peak) of one call, by tracemalloc: the
    median of `runs` calls."""
    import tracemalloc

    peaks = []
    for _ in range(runs):
        tracemalloc.start()
        tracemalloc.reset_peak()
        call()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peaks.append(peak / 1024)
    return statistics.median(peaks), runs


def time_requests(call, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return timings


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn_server(*, workers: int = 1, timeout_s: float = 60.0) -> Iterator[str]:
    """A real HTTP server (gunicorn, sync workers) on a free port with this process's
    settings and database; yields its base URL and stops it (the process group) after."""
    import signal
    import subprocess
    import sys
    import urllib.request

    port = free_port()
    log = open(BENCH_VAR / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {BENCH_VAR / 'gunicorn.log'}")
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer in time") from None
                time.sleep(0.1)
        yield base
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def http_getter(base: str, token: str):
    """A function GETting `path` from `base` with `Authorization: Token`, asserting a 200."""
    import http.client
    from urllib.parse import urlsplit

    netloc = urlsplit(base).netloc

    def get(path: str) -> bytes:
        connection = http.client.HTTPConnection(netloc, timeout=30)
        try:
            connection.request("GET", path, headers={"Authorization": f"Token {token}"})
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
        return body

    return get


def measure_endpoints(
    title: str,
    endpoints: Sequence[tuple[str, str]],
    *,
    user,
    repeat: int,
    http_repeat: int | None = None,
    limit_ms: float = P95_TARGET_MS,
) -> None:
    """Each (label, path) GET as `user`: in-process (DRF's APIClient: routing, authentication,
    permissions, filters, selectors, serializers, pagination, JSON) and through gunicorn
    (`Authorization: Token`): p50/p95/max, queries, rows, allocation per request
    (tracemalloc peak), garbage-collection pauses; each p95 against `limit_ms`."""
    import json

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    for _, path in endpoints:
        client.get(path)  # import and warm everything once
    # What config/wsgi.py does in the server (core/memory.py): what is loaded is out of the
    # collector's reach, and each request's garbage is collected once it has answered (inside
    # the timings here: the test client closes the response before `get` returns).
    from core.memory import tune_web_process, untune_web_process

    tune_web_process()
    heading(f"{title}: in-process (APIClient), {repeat} requests each")
    for label, path in endpoints:
        response = client.get(path)  # warm up (roles, caches)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        body = json.loads(response.content)
        connection.queries_log.clear()  # a full log (9,000 entries) would count nothing
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        queries = len(captured)  # now: the log is a view that later requests change
        peak_kib, _ = allocation_per_request(lambda p=path: client.get(p))
        with GcPauses() as gc_pauses:
            timings = time_requests(lambda p=path: client.get(p), repeat)
        ms = [t * 1000 for t in timings]
        full = gc_pauses.full
        target(
            f"{label} p95 in-process",
            percentile(ms, 95),
            limit_ms,
            unit=" ms",
            detail=(
                f"p50 {percentile(ms, 50):.1f}, max {max(ms):.1f} ms; {queries} queries; "
                f"{_rows(body)} rows; {len(response.content) / 1024:.0f} KiB; alloc peak "
                f"{peak_kib:,.0f} KiB/request; full GCs {len(full)}"
                + (f" (max {max(full) * 1000:.0f} ms)" if full else "")
            ),
        )
    untune_web_process()
    if os.environ.get("BENCH_HTTP", "1") == "0":
        print("  (BENCH_HTTP=0: not through gunicorn)", flush=True)
        return
    token, _ = Token.objects.get_or_create(user=user)
    http_repeat = http_repeat or repeat
    heading(f"{title}: through gunicorn (1 sync worker), {http_repeat} requests each")
    connection.close()  # the server opens its own connections
    with gunicorn_server() as base:
        get = http_getter(base, token.key)
        for label, path in endpoints:
            for _ in range(3):
                get(path)  # warm up the worker
            ms = [t * 1000 for t in time_requests(lambda p=path: get(p), http_repeat)]
            target(
                f"{label} p95 gunicorn",
                percentile(ms, 95),
                limit_ms,
                unit=" ms",
                detail=f"p50 {percentile(ms, 50):.1f}, max {max(ms):.1f} ms",
            )


def _rows(body) -> int:
    if isinstance(body, dict) and "results" in body:
        return len(body["results"])
    if isinstance(body, dict):
        return sum(len(v) for v in body.values() if isinstance(v, list))
    return len(body) if isinstance(body, list) else 1
