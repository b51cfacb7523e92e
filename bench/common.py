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
