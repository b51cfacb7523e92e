"""Generate a large key-accounts data set for benchmarks (never for production data).

    manage.py kam_generate --restaurants 100000 --kams 300 --interactions 2000000

KAM users `kamgen0001`... (unusable passwords), restaurants spread over four time zones with
planned calls from a week ago to three weeks ahead, one primary contact each, calls over the
last year and orders. On PostgreSQL every table is filled by one `INSERT ... SELECT
generate_series(...)` (seeded with `setseed`); elsewhere by `bulk_create` batches. Bands are
drawn at random unless `--snapshot` computes them (slower: every account's figures).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from core.roles import Role
from kam.models import Band, Interaction, Order, PointOfContact, Restaurant
from kam.services import performance_snapshot_take

ZONES = [
    ("Paris", "FR", "Europe/Paris", "EUR"),
    ("Mumbai", "IN", "Asia/Kolkata", "INR"),
    ("Los Angeles", "US", "America/Los_Angeles", "USD"),
    ("London", "GB", "Europe/London", "GBP"),
]
BANDS = [Band.WELL_PERFORMING, Band.STEADY, Band.STEADY, Band.AT_RISK, Band.UNDERPERFORMING,
         Band.NOT_RATED]  # fmt: skip
OUTCOMES = ["connected", "connected", "connected", "no_answer", "busy", "rescheduled"]
BATCH = 10_000


class Command(BaseCommand):
    help = "Generate a large key-accounts data set for benchmarks (bulk inserts)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--restaurants", type=int, default=100_000)
        parser.add_argument("--kams", type=int, default=300)
        parser.add_argument("--interactions", type=int, default=2_000_000)
        parser.add_argument("--orders", type=int, default=None, help="Default: 10 per account.")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--snapshot", action="store_true", help="Compute real bands.")

    def handle(self, *args, **options) -> None:
        if options["restaurants"] < 1 or options["kams"] < 1:
            raise CommandError("--restaurants and --kams must be at least 1")
        orders = options["orders"] if options["orders"] is not None else options["restaurants"] * 10
        started = time.monotonic()
        kam_ids = self._kams(options["kams"])
        self._step("KAMs", started)
        generate = self._postgres if connection.vendor == "postgresql" else self._batches
        generate(kam_ids, options["restaurants"], options["interactions"], orders, options["seed"])
        if options["snapshot"]:
            performance_snapshot_take()
            self._step("snapshot", started)
        self.stdout.write(
            f"kam_generate: {options['restaurants']} restaurants, {len(kam_ids)} KAMs, "
            f"{options['interactions']} interactions, {orders} orders in "
            f"{time.monotonic() - started:.1f} s"
        )

    def _step(self, what: str, started: float) -> None:
        self.stdout.write(f"  {what} done at {time.monotonic() - started:.1f} s")

    def _kams(self, count: int) -> list[int]:
        User = get_user_model()
        names = [f"kamgen{i:04d}" for i in range(1, count + 1)]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        User.objects.bulk_create(
            [
                User(username=name, password=make_password(None))
                for name in names
                if name not in existing
            ]
        )
        users = list(User.objects.filter(username__in=names).order_by("pk"))
        group = Group.objects.get(name=Role.KEY_ACCOUNT_MANAGER.group_name)
        group.user_set.add(*users)
        return [user.pk for user in users]

    def _postgres(self, kam_ids, restaurants, interactions, orders, seed) -> None:
        started = time.monotonic()
        cities = [z[0] for z in ZONES]
        countries = [z[1] for z in ZONES]
        zones = [z[2] for z in ZONES]
        currencies = [z[3] for z in ZONES]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM kam_restaurant")
            before = cursor.fetchone()[0]  # the new rows are the ones above it
            cursor.execute(
                """
                INSERT INTO kam_restaurant (name, address, city, country, time_zone, cuisine,
                    segment, currency, owner_id, status, rhythm, call_every_days, call_weekdays,
                    call_hour, next_call_due_at, band, band_updated_at, created_at, updated_at)
                SELECT 'Generated ' || g, g || ' Market Street', (%(cities)s::text[])[1 + g %% 4],
                    (%(countries)s::text[])[1 + g %% 4], (%(zones)s::text[])[1 + g %% 4],
                    'Various', 'casual', (%(currencies)s::text[])[1 + g %% 4],
                    (%(kams)s::int[])[1 + g %% %(nkams)s], 'active', 'every_n_days',
                    (ARRAY[7, 14, 21, 28])[1 + (g / 4) %% 4], '', 9 + g %% 8,
                    now() + (random() * 28 - 7) * interval '1 day',
                    (%(bands)s::text[])[1 + floor(random() * %(nbands)s)::int], now(), now(), now()
                FROM generate_series(1, %(n)s) AS g
                """,
                {"cities": cities, "countries": countries, "zones": zones,
                 "currencies": currencies, "kams": kam_ids, "nkams": len(kam_ids),
                 "bands": [str(b) for b in BANDS], "nbands": len(BANDS), "n": restaurants},
            )  # fmt: skip
            self._step("restaurants", started)
            cursor.execute(
                """
                INSERT INTO kam_pointofcontact (restaurant_id, name, role, phone, email,
                    preferred_hours, is_primary, created_at)
                SELECT id, 'Contact ' || id, 'owner',
                    '+336' || lpad((id %% 100000000)::text, 8, '0'),
                    'contact' || id || '@example.test', '', true, now()
                FROM kam_restaurant WHERE id > %s
                """,
                [before],
            )
            self._step("contacts", started)
            cursor.execute(
                """
                WITH r AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
                           FROM kam_restaurant WHERE id > %(before)s)
                INSERT INTO kam_interaction (restaurant_id, contact_id, kind, outcome, occurred_at,
                    details, created_by_id, created_at)
                SELECT r.id, NULL, 'call',
                    (%(outcomes)s::text[])[1 + floor(random() * 6)::int],
                    now() - random() * interval '365 days', '', NULL, now()
                FROM generate_series(0, %(count)s - 1) AS g JOIN r ON r.n = g %% %(n)s
                """,
                {"before": before, "n": restaurants, "outcomes": OUTCOMES, "count": interactions},
            )
            self._step("interactions", started)
            cursor.execute(
                """
                WITH r AS (SELECT id, currency, row_number() OVER (ORDER BY id) - 1 AS n
                           FROM kam_restaurant WHERE id > %(before)s)
                INSERT INTO kam_order (restaurant_id, contact_id, amount, currency, placed_at,
                    details, created_by_id, created_at)
                SELECT r.id, NULL, round((50 + random() * 2000)::numeric, 2), r.currency,
                    now() - random() * interval '365 days', '', NULL, now()
                FROM generate_series(0, %(count)s - 1) AS g JOIN r ON r.n = g %% %(n)s
                """,
                {"before": before, "n": restaurants, "count": orders},
            )
            self._step("orders", started)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE kam_restaurant, kam_interaction, kam_order, kam_pointofcontact")

    def _batches(self, kam_ids, restaurants, interactions, orders, seed) -> None:
        rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
        now = timezone.now()
        for start in range(0, restaurants, BATCH):
            rows = []
            for g in range(start, min(start + BATCH, restaurants)):
                city, country, zone, currency = ZONES[g % 4]
                rows.append(Restaurant(
                    name=f"Generated {g + 1}", city=city, country=country, time_zone=zone,
                    currency=currency, owner_id=kam_ids[g % len(kam_ids)], status="active",
                    call_every_days=rng.choice([7, 14, 21, 28]), call_hour=9 + g % 8,
                    next_call_due_at=now + dt.timedelta(days=rng.uniform(-7, 21)),
                    band=rng.choice(BANDS), band_updated_at=now,
                ))  # fmt: skip
            created = Restaurant.objects.bulk_create(rows, batch_size=2000)
            PointOfContact.objects.bulk_create(
                [PointOfContact(restaurant=r, name=f"Contact {r.pk}", role="owner",
                                is_primary=True) for r in created],
                batch_size=2000,
            )  # fmt: skip
        ids = list(Restaurant.objects.order_by("pk").values_list("pk", "currency"))
        ids = ids[-restaurants:]
        for start in range(0, interactions, BATCH):
            Interaction.objects.bulk_create(
                [Interaction(restaurant_id=ids[g % len(ids)][0], kind="call",
                             outcome=rng.choice(OUTCOMES),
                             occurred_at=now - dt.timedelta(days=rng.uniform(0, 365)))
                 for g in range(start, min(start + BATCH, interactions))],
                batch_size=2000,
            )  # fmt: skip
        for start in range(0, orders, BATCH):
            Order.objects.bulk_create(
                [Order(restaurant_id=ids[g % len(ids)][0], currency=ids[g % len(ids)][1],
                       amount=Decimal(rng.randrange(5000, 200000)) / 100,
                       placed_at=now - dt.timedelta(days=rng.uniform(0, 365)))
                 for g in range(start, min(start + BATCH, orders))],
                batch_size=2000,
            )  # fmt: skip
