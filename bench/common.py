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
