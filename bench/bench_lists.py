"""The other apps' list endpoints at 100,000 rows each: leads, loan applications,
evaluations and workflow runs (issue 12: "the same rule for every app's list endpoints").

Each list is read as a user who sees every row (a superuser), newest first, at page sizes 50
and 200: in-process (DRF's APIClient) and through a real HTTP server (gunicorn, one sync
worker, token authentication) started on a free port and stopped after; p50 / p95 / max,
SQL queries, allocation per request (tracemalloc peak) and full garbage collections; every
p95 against 50 ms. The rows are loaded once per table by one INSERT ... SELECT
generate_series (a few seconds each) and reused while they are there; `bench evaluations`
empties the evaluations table, so that one is reloaded after it. PostgreSQL only.
Runtime with the rows in place: about a minute.

Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_lists python -m bench lists`.
BENCH_LISTS_ROWS (default 100,000), BENCH_LISTS_REPEAT (requests per endpoint and side, 50).
"""

from __future__ import annotations

import os

from bench.common import figure, heading, measure_endpoints, setup_django, stopwatch

ROWS = int(os.environ.get("BENCH_LISTS_ROWS", 100_000))
REPEAT = int(os.environ.get("BENCH_LISTS_REPEAT", 50))
USERNAME = "bench-lists"

# Every table: (what marks a generated row, the INSERT ... SELECT of ROWS rows).
LEADS_MARK = "national_id LIKE 'BENCH%%'"
LEADS_SQL = """
INSERT INTO leads_lead (first_name, last_name, birth_date, national_id, email, phone, stage,
                        created_at, updated_at, owner_id)
SELECT 'First' || g, 'Last' || g, DATE '1980-01-01' + (g %% 9000), 'BENCH' || g,
       'lead' || g || '@bench.example', '+33612345678',
       (ARRAY['lead', 'prospect', 'rejected', 'needs_review'])[1 + g %% 4],
       now() - g * interval '1 minute', now(), %(user)s
FROM generate_series(1, %(rows)s) AS g
"""
LOANS_MARK = "email LIKE '%%@bench.example'"
LOANS_SQL = """
INSERT INTO loans_loanapplication
    (id, first_name, last_name, email, amount, currency, status, failure_code, failure_reason,
     created_at, updated_at, submitted_at, decided_at, submit_attempts, poll_count,
     last_polled_at, last_error, error_reference, request_id, created_by_id)
SELECT gen_random_uuid(), 'First' || g, 'Last' || g, 'loan' || g || '@bench.example',
       1000 + g %% 50000, 'EUR', (ARRAY['new', 'pending', 'completed', 'rejected'])[1 + g %% 4],
       '', '', now() - g * interval '1 minute', now(), now() - g * interval '1 minute',
       CASE WHEN g %% 4 >= 2 THEN now() END, 1, g %% 5, now(), '', '', '', %(user)s
FROM generate_series(1, %(rows)s) AS g
"""
RUNS_MARK = "current_step = 'bench'"
CUSTOMERS_SQL = """
INSERT INTO workflows_customer (first_name, last_name, date_of_birth, created_at)
SELECT 'First' || g, 'Bench' || g, DATE '1970-01-01' + g, now()
FROM generate_series(1, 1000) AS g
"""
RUNS_SQL = """
INSERT INTO workflows_workflowrun
    (id, status, current_step, error, error_details, created_at, updated_at, finished_at,
     created_by_id, customer_id, definition_id)
SELECT gen_random_uuid(), (ARRAY['waiting', 'running', 'completed'])[1 + g %% 3], 'bench', '',
       '[]'::jsonb, now() - g * interval '1 minute', now(), NULL, %(user)s,
       (SELECT min(id) FROM workflows_customer WHERE last_name LIKE 'Bench%%') + g %% 1000,
       %(definition)s
FROM generate_series(1, %(rows)s) AS g
"""


def _execute(sql: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _count(table: str, mark: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {mark}")  # noqa: S608 (constants)
        return cursor.fetchone()[0]


def _load(table: str, mark: str, sql: str, params: dict) -> None:
    if _count(table, mark) == ROWS:
        return
    with stopwatch() as elapsed:
        _execute(f"DELETE FROM {table} WHERE {mark}")  # noqa: S608 (constants)
        _execute(sql, {**params, "rows": ROWS})
        _execute(f"ANALYZE {table}")
    figure(f"loaded {table}", f"{ROWS:,} rows in {elapsed[0]:.1f} s")


def load(user_id: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from bench import bench_evaluations
    from evaluations.models import Evaluation
    from workflows.models import WorkflowDefinition

    _load("leads_lead", LEADS_MARK, LEADS_SQL, {"user": user_id})
    _load("loans_loanapplication", LOANS_MARK, LOANS_SQL, {"user": user_id})
    if Evaluation.objects.count() != ROWS:
        with stopwatch() as elapsed:
            _execute("TRUNCATE evaluations_evaluation, evaluations_decaypass RESTART IDENTITY")
            _execute(bench_evaluations.LOAD_SQL, (ROWS,))
            _execute("ANALYZE evaluations_evaluation")
        figure("loaded evaluations_evaluation", f"{ROWS:,} rows in {elapsed[0]:.1f} s")
    if not WorkflowDefinition.objects.exists():
        call_command("workflows_definitions", verbosity=0)
    definition = WorkflowDefinition.objects.order_by("id").values_list("id", flat=True).first()
    if _count("workflows_workflowrun", RUNS_MARK) != ROWS:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM workflows_customer WHERE last_name LIKE 'Bench%%'")
            if cursor.fetchone()[0] != 1000:
                cursor.execute("DELETE FROM workflows_customer WHERE last_name LIKE 'Bench%%'")
                cursor.execute(CUSTOMERS_SQL)
    _load(
        "workflows_workflowrun",
        RUNS_MARK,
        RUNS_SQL,
        {"user": user_id, "definition": definition},
    )


def run() -> None:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection

    heading(f"lists: leads, loans, evaluations, workflow runs at {ROWS:,} rows each")
    if connection.vendor != "postgresql":
        print(
            "  skipped: needs PostgreSQL (DATABASE_URL=postgres://.../bench_lists); "
            f"the database is {connection.vendor}",
            flush=True,
        )
        return
    user, created = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"is_superuser": True, "is_staff": True}
    )
    if created:
        user.set_unusable_password()
        user.save()
    load(user.pk)
    endpoints = []
    for path in (
        "/api/leads/",
        "/api/loans/applications/",
        "/api/evaluations/",
        "/api/workflows/runs/",
    ):
        for size in (50, 200):
            endpoints.append((f"GET {path} ({size})", f"{path}?page_size={size}"))
    measure_endpoints("lists", endpoints, user=user, repeat=REPEAT)
