"""Key accounts: `GET /api/kam/calls/due/` and every list endpoint of the kam API for one
KAM, on 100,000 restaurants, 300 KAMs and two million interactions (plus a million orders).

Each request goes through the real API view: in-process (DRF's APIClient: routing,
authentication, permissions, filters, selectors, serializers, pagination, JSON) and through a
real HTTP server (gunicorn, one sync worker, token authentication) started on a free port
and stopped after. Page sizes 50 and 200; p50 / p95 / max, SQL queries, allocation per
request (tracemalloc peak) and full garbage collections; every p95 against 50 ms (issue 12).
The data set is generated once by `manage.py kam_generate` (on PostgreSQL one INSERT ...
SELECT generate_series per table) and reused while it is there (about 1 min to generate).
Runtime with the data set in place: about a minute.

Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_kam python -m bench kam`.
Smaller: BENCH_KAM_RESTAURANTS, BENCH_KAM_KAMS, BENCH_KAM_INTERACTIONS; BENCH_KAM_REPEAT
(requests per endpoint and side, default 50).
"""

from __future__ import annotations

import os

from bench.common import figure, heading, measure_endpoints, setup_django, stopwatch

RESTAURANTS = int(os.environ.get("BENCH_KAM_RESTAURANTS", 100_000))
KAMS = int(os.environ.get("BENCH_KAM_KAMS", 300))
INTERACTIONS = int(os.environ.get("BENCH_KAM_INTERACTIONS", 2_000_000))
REPEAT = int(os.environ.get("BENCH_KAM_REPEAT", 50))


def run() -> None:
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

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
    endpoints = [("GET /api/kam/calls/due/", "/api/kam/calls/due/")]
    for path in (
        "accounts/",
        "performance/",
        "performance/underperforming/",
        "performance/well-performing/",
        "contacts/",
        "interactions/",
        "orders/",
    ):
        for size in (50, 200):
            endpoints.append((f"GET /api/kam/{path} ({size})", f"/api/kam/{path}?page_size={size}"))
    measure_endpoints("kam", endpoints, user=kam, repeat=REPEAT)
