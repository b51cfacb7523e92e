"""Evaluations: the nightly decay pass over one million rows in PostgreSQL.

Compares, on the same data and in the same run, side by side and interleaved (raw, pass,
raw, pass ...; RUNS >= 5 each, a fresh load of the million rows before every run):
- the pass (`evaluations.services.decay_pass_run`: one UPDATE per primary-key chunk, its
  CASE built from the rules, counting per rule from what the UPDATE returns; the rows it
  leaves alone counted once; the DecayPass bookkeeping and the audit event);
- one raw SQL `UPDATE ... CASE` doing the same arithmetic on the same columns.
The ratio pass/raw (median, min, max of the pairs) has a target: <= 1.1x (issue 12). Every
run's result (sum of scores, rows due, rows decayed) must equal the raw statement's.
Also: the pass without counting, the per-row Python loop (`rules.decide` + `save()`) on
10,000 rows extrapolated to the million, and the pass's peak Python memory (tracemalloc).
The re-evaluation phase is excluded (the pass only queues the due rows; no source is called).
Runtime: about 5 minutes on an idle machine (13 loads of a million rows).

Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_evaluations \
    python -m bench evaluations`.
BENCH_EVALUATIONS_ROWS (default 1,000,000), BENCH_EVALUATIONS_RUNS (default 5).
"""

from __future__ import annotations

import datetime
import os
import resource
import time
import tracemalloc

from bench.common import figure, heading, interleaved, setup_django, target

ROWS = int(os.environ.get("BENCH_EVALUATIONS_ROWS", 1_000_000))
RUNS = max(5, int(os.environ.get("BENCH_EVALUATIONS_RUNS", 5)))
RATIO_TARGET = 1.1
LOOP_ROWS = 10_000
DAY = datetime.date(2026, 11, 21)

# 60 % favorable, 10 % unfavorable, 20 % unreachable, 10 % ongoing update; scores 0..100;
# SIREN and VAT alternate every 7 rows. Deterministic, so every load is the same data.
LOAD_SQL = """
INSERT INTO evaluations_evaluation
    (kind, value, state, reason, score, company_name, company_address, created_at,
     last_evaluated_at, last_decayed_on, reevaluation_due)
SELECT
    CASE WHEN (g / 7) %% 2 = 0 THEN 'SIREN' ELSE 'VAT' END,
    'B' || g,
    CASE WHEN g %% 10 < 6 THEN 'favorable' WHEN g %% 10 = 6 THEN 'unfavorable'
         ELSE 'unconfirmed' END,
    CASE WHEN g %% 10 < 6 THEN 'company_opened' WHEN g %% 10 = 6 THEN 'company_closed'
         WHEN g %% 10 < 9 THEN 'unable_to_reach_api' ELSE 'ongoing_database_update' END,
    (g * 37) %% 101,
    '', '',
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

    results = set()

    def raw_side() -> float:
        elapsed, result = time_raw_update()
        results.add(result)
        return elapsed

    def pass_side() -> float:
        elapsed, result = time_pass(chunk_size=chunk)
        results.add(result)
        return elapsed

    raw, passes, ratio = interleaved(raw_side, pass_side, runs=RUNS)
    assert len(results) == 1, f"the pass differs from the raw UPDATE: {results}"
    figure("single raw UPDATE ... CASE (s)", str(raw))
    figure(f"the pass, chunks of {chunk:,} (s)", str(passes))
    target(
        "evaluations: decay pass / raw UPDATE",
        ratio.median,
        RATIO_TARGET,
        unit="x",
        detail=f"ratio {ratio}; {ROWS:,} rows, interleaved",
    )
    figure("same result as the raw UPDATE", f"yes, every run (sum, due, decayed = {results})")

    elapsed, result = time_pass(chunk_size=chunk, count=False)
    assert {result} == results
    figure("  the pass without counting", f"{elapsed:.2f} s = {elapsed / raw.median:.2f}x raw")

    loop = time_row_loop()
    figure(
        f"per-row loop, {LOOP_ROWS:,} rows",
        f"{loop:.2f} s -> {loop * ROWS / LOOP_ROWS:.0f} s extrapolated "
        f"= {loop * ROWS / LOOP_ROWS / passes.median:.0f}x the pass",
    )

    _, (peak,) = time_pass(chunk_size=chunk, trace=True)
    figure("peak Python memory of the pass (tracemalloc)", f"{peak / 1024:.0f} KiB")
    figure(
        "process max RSS", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    _execute("TRUNCATE evaluations_evaluation, evaluations_decaypass RESTART IDENTITY")
