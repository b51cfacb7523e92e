"""Evaluations: the nightly decay pass over one million rows in PostgreSQL.

Compares, on the same data and in the same run:
- the pass (`evaluations.services.decay_pass_run`: ORM Case/When UPDATEs in primary-key
  chunks, plus the per-rule counting query and the DecayPass bookkeeping);
- one raw SQL `UPDATE ... CASE` doing the same arithmetic on the same columns;
- the per-row Python loop (`rules.decide` + `save()`), measured on 10,000 rows and
  extrapolated to the million.
The re-evaluation phase is excluded (the pass only queues the due rows; no source is called).
Peak memory of the pass: tracemalloc (Python allocations) on a separate run.

Run: `psql -h 127.0.0.1 -U postgres -c 'create database bench_evaluations'`, then
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_evaluations python -m bench evaluations`.
"""

from __future__ import annotations

import datetime
import os
import resource
import time
import tracemalloc

from bench.common import figure, heading, setup_django

ROWS = int(os.environ.get("BENCH_EVALUATIONS_ROWS", 1_000_000))
LOOP_ROWS = 10_000
DAY = datetime.date(2026, 11, 21)

# 60 % favorable, 10 % unfavorable, 20 % unreachable, 10 % ongoing update; scores 0..100;
# SIREN and VAT alternate every 7 rows. Deterministic, so every load is the same data.
LOAD_SQL = """
INSERT INTO evaluations_evaluation
    (kind, value, state, reason, score, company_name, created_at, last_evaluated_at,
     last_decayed_on, reevaluation_due)
SELECT
    CASE WHEN (g / 7) %% 2 = 0 THEN 'SIREN' ELSE 'VAT' END,
    'B' || g,
    CASE WHEN g %% 10 < 6 THEN 'favorable' WHEN g %% 10 = 6 THEN 'unfavorable'
         ELSE 'unconfirmed' END,
    CASE WHEN g %% 10 < 6 THEN 'company_opened' WHEN g %% 10 = 6 THEN 'company_closed'
         WHEN g %% 10 < 9 THEN 'unable_to_reach_api' ELSE 'ongoing_database_update' END,
    (g * 37) %% 101,
    '',
    now(), now(), NULL, false
FROM generate_series(1, %s) AS g
"""

# The same rules, written by hand (amounts: favorable 1; SIREN 5/1; VAT 1/3).
RAW_UPDATE_SQL = """
UPDATE evaluations_evaluation SET
    score = CASE
        WHEN score = 0 OR (state = 'unconfirmed' AND reason = 'ongoing_database_update')
            THEN score
        WHEN state = 'favorable' THEN GREATEST(score - 1, 0)
        WHEN state = 'unconfirmed' AND reason = 'unable_to_reach_api' AND kind = 'SIREN'
            THEN GREATEST(score - CASE WHEN score >= 50 THEN 5 ELSE 1 END, 0)
        WHEN state = 'unconfirmed' AND reason = 'unable_to_reach_api' AND kind = 'VAT'
            THEN GREATEST(score - CASE WHEN score >= 50 THEN 1 ELSE 3 END, 0)
        ELSE score
    END,
    reevaluation_due = CASE
        WHEN score = 0 OR (state = 'unconfirmed' AND reason = 'ongoing_database_update')
            THEN true
        ELSE reevaluation_due
    END,
    last_decayed_on = %s
WHERE state <> 'unfavorable' AND (last_decayed_on IS NULL OR last_decayed_on < %s)
"""


def _execute(sql: str, params: tuple = ()) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def load(rows: int) -> float:
    """Fresh table with `rows` rows, vacuumed and analysed, and a checkpoint so that the
    measured statement does not pay for the load's dirty pages."""
    started = time.perf_counter()
    _execute("TRUNCATE evaluations_evaluation, evaluations_decaypass RESTART IDENTITY")
    _execute(LOAD_SQL, (rows,))
    _execute("VACUUM ANALYZE evaluations_evaluation")
    _execute("CHECKPOINT")
    return time.perf_counter() - started


def fingerprint() -> tuple:
    from django.db.models import Count, Q, Sum

    from evaluations.models import Evaluation

    return tuple(
        Evaluation.objects.aggregate(
            total=Sum("score"),
            due=Count("pk", filter=Q(reevaluation_due=True)),
            decayed=Count("pk", filter=Q(last_decayed_on=DAY)),
        ).values()
    )


def time_raw_update() -> tuple[float, tuple]:
    load(ROWS)
    started = time.perf_counter()
    _execute(RAW_UPDATE_SQL, (DAY, DAY))
    return time.perf_counter() - started, fingerprint()


def time_pass(*, chunk_size: int, count: bool = True, trace: bool = False) -> tuple[float, tuple]:
    from evaluations.services import decay_pass_run

    load(ROWS)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    decay_pass_run(on_date=DAY, chunk_size=chunk_size, count=count)
    elapsed = time.perf_counter() - started
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return elapsed, (peak,)
    return elapsed, fingerprint()


def time_row_loop() -> float:
    from evaluations.models import Evaluation
    from evaluations.rules import decide

    load(LOOP_ROWS)
    started = time.perf_counter()
    for evaluation in Evaluation.objects.iterator(chunk_size=2000):
        if evaluation.state == "unfavorable":
            continue
        decision = decide(
            kind=evaluation.kind,
            state=evaluation.state,
            reason=evaluation.reason,
            score=evaluation.score,
        )
        evaluation.score = decision.score
        evaluation.reevaluation_due = evaluation.reevaluation_due or decision.reevaluate
        evaluation.last_decayed_on = DAY
        evaluation.save(update_fields=["score", "reevaluation_due", "last_decayed_on"])
    return time.perf_counter() - started


def run() -> None:
    setup_django()
    from django.conf import settings
    from django.db import connection

    heading(f"evaluations: nightly decay pass over {ROWS:,} rows")
    if connection.vendor != "postgresql":
        print(
            "  skipped: needs PostgreSQL (DATABASE_URL=postgres://.../bench_evaluations); "
            f"the database is {connection.vendor}",
            flush=True,
        )
        return
    chunk = settings.EVALUATIONS_DECAY_CHUNK_SIZE
    figure("load (INSERT ... SELECT generate_series)", f"{load(ROWS):.1f} s incl. VACUUM ANALYZE")

    raw_times, pass_times, nocount_times = [], [], []
    expected = None
    for _ in range(2):  # interleaved, so that drift (cache, autovacuum) hits both alike
        elapsed, result = time_raw_update()
        raw_times.append(elapsed)
        expected = expected or result
        assert result == expected, (result, expected)
        elapsed, result = time_pass(chunk_size=chunk)
        pass_times.append(elapsed)
        assert result == expected, f"the pass differs from the raw UPDATE: {result} != {expected}"
    elapsed, result = time_pass(chunk_size=chunk, count=False)
    nocount_times.append(elapsed)
    assert result == expected
    raw, best_pass, nocount = min(raw_times), min(pass_times), min(nocount_times)
    figure("single raw UPDATE ... CASE", f"{raw:.2f} s (runs: {_list(raw_times)})")
    figure(
        f"the pass, chunks of {chunk:,}",
        f"{best_pass:.2f} s = {best_pass / raw:.2f}x raw (runs: {_list(pass_times)})",
    )
    figure("  of which without the counting query", f"{nocount:.2f} s = {nocount / raw:.2f}x raw")
    for other in (5_000, 100_000):
        elapsed, result = time_pass(chunk_size=other)
        assert result == expected
        figure(f"the pass, chunks of {other:,}", f"{elapsed:.2f} s = {elapsed / raw:.2f}x raw")
    figure("same result as the raw UPDATE", f"yes (sum, due, decayed = {expected})")

    loop = time_row_loop()
    figure(
        f"per-row loop, {LOOP_ROWS:,} rows",
        f"{loop:.2f} s -> {loop * ROWS / LOOP_ROWS:.0f} s extrapolated "
        f"= {loop * ROWS / LOOP_ROWS / best_pass:.0f}x the pass",
    )

    _, (peak,) = time_pass(chunk_size=chunk, trace=True)
    figure("peak Python memory of the pass (tracemalloc)", f"{peak / 1024:.0f} KiB")
    figure(
        "process max RSS", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    _execute("TRUNCATE evaluations_evaluation, evaluations_decaypass RESTART IDENTITY")


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)
