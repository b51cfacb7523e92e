"""Key accounts: `GET /api/kam/calls/due/` and the underperforming list for one KAM, on
100,000 restaurants, 300 KAMs and two million interactions (plus a million orders).

Each request goes through the real API view (DRF's test client: routing, authentication,
permissions, selectors, serializers, pagination), measured warm: p50 / p95 latency and the
number of SQL queries. The data set is generated once by `manage.py kam_generate` (on
PostgreSQL one INSERT ... SELECT generate_series per table) and reused while it is there.

Run: `psql -h 127.0.0.1 -U postgres -c 'create database bench_kam'`, then
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_kam python -m bench kam`.
Smaller: BENCH_KAM_RESTAURANTS, BENCH_KAM_KAMS, BENCH_KAM_INTERACTIONS.
"""

from __future__ import annotations

import os
import time

from bench.common import figure, heading, setup_django, stopwatch, summary_ms

RESTAURANTS = int(os.environ.get("BENCH_KAM_RESTAURANTS", 100_000))
KAMS = int(os.environ.get("BENCH_KAM_KAMS", 300))
INTERACTIONS = int(os.environ.get("BENCH_KAM_INTERACTIONS", 2_000_000))
REPEAT = int(os.environ.get("BENCH_KAM_REPEAT", 50))


def run() -> None:
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from kam.models import Interaction, Order, Restaurant

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    heading(
        f"kam: {RESTAURANTS:,} restaurants, {KAMS} KAMs, {INTERACTIONS:,} interactions ({database})"
    )
    if database != "postgresql":
        print("  (the issue's figures are for PostgreSQL: set DATABASE_URL)")
    if Restaurant.objects.filter(name__startswith="Generated ").count() < RESTAURANTS:
        Restaurant.objects.all().delete()
        with stopwatch() as generating:
            call_command(
                "kam_generate",
                restaurants=RESTAURANTS,
                kams=KAMS,
                interactions=INTERACTIONS,
                stdout=open(os.devnull, "w"),  # noqa: SIM115
            )
        figure("generated (kam_generate)", f"{generating[0]:.1f} s")
    figure(
        "rows",
        f"{Restaurant.objects.count():,} restaurants, {Interaction.objects.count():,} "
        f"interactions, {Order.objects.count():,} orders",
    )

    owner_id = (
        Restaurant.objects.filter(name__startswith="Generated ")
        .values_list("owner_id", flat=True)
        .first()
    )
    from django.contrib.auth import get_user_model

    kam = get_user_model().objects.get(pk=owner_id)
    accounts = Restaurant.objects.filter(owner=kam).count()
    under = Restaurant.objects.filter(owner=kam, band="underperforming").count()
    figure("one KAM", f"{kam.username}: {accounts} accounts, {under} underperforming")
    client = APIClient()
    client.force_authenticate(kam)

    for label, url in [
        ("GET /api/kam/calls/due/", "/api/kam/calls/due/"),
        ("GET .../performance/underperforming/ (50)", "/api/kam/performance/underperforming/"),
        (
            "  same, page_size=200",
            "/api/kam/performance/underperforming/?page_size=200",
        ),
    ]:
        response = client.get(url)  # warm up (roles, caches)
        assert response.status_code == 200, response.content
        body = response.json()
        size = (
            sum(len(body[g]) for g in ("overdue", "today", "next_seven_days"))
            if "overdue" in body
            else len(body["results"])
        )
        timings = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            client.get(url)
            timings.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        figure(label, f"{summary_ms(timings)}; {len(queries)} queries; {size} rows")
