"""What the input boundary (core.boundary) costs: the API's JSON parser against DRF's plain one
on bodies up to the 5 MiB limit, and a request through the whole stack with and without the
boundary middleware. Each pair is measured side by side, interleaved, median of the runs."""

from __future__ import annotations

import io
import json
import statistics
import time

from bench.common import figure, heading, setup_django

RUNS = 7


def _body(records: int) -> bytes:
    record = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "notes": "Line one\nline two\twith a tab",
        "amount": "15000.00",
        "items": [{"sku": f"A-{i}", "quantity": i, "price": 12.5} for i in range(5)],
    }
    return json.dumps({"records": [record] * records}).encode()


def _median_seconds(parse, body: bytes) -> float:
    return statistics.median(_time(parse, body) for _ in range(RUNS))


def _time(parse, body: bytes) -> float:
    started = time.perf_counter()
    parse(io.BytesIO(body))
    return time.perf_counter() - started


def bench_parsers() -> None:
    from rest_framework.parsers import JSONParser as PlainParser

    from core.boundary.parsers import JSONParser

    heading("JSON bodies: core.boundary's parser vs DRF's (median of 7, interleaved)")
    plain, checked = PlainParser(), JSONParser()
    for records in (1, 250, 2_500, 12_000):
        body = _body(records)
        plain_runs, checked_runs = [], []
        for _ in range(RUNS):  # interleaved, so both sides see the same machine
            plain_runs.append(_time(plain.parse, body))
            checked_runs.append(_time(checked.parse, body))
        base, ours = statistics.median(plain_runs), statistics.median(checked_runs)
        figure(
            f"{len(body) / 1024:,.0f} KiB ({records:,} records)",
            f"DRF {base * 1000:.2f} ms, ours {ours * 1000:.2f} ms "
            f"(+{(ours - base) * 1000:.2f} ms, {ours / base:.2f}x)",
        )


def bench_requests() -> None:
    from django.conf import settings
    from django.test import Client, override_settings

    from core.roles import Role
    from tests.harness.users import UserFactory

    heading("GET /api/kam/accounts/?search=bistro&status=active, in-process (median of 7 x 50)")
    user = UserFactory(username="bench-kam-lead", roles=[Role.KEY_ACCOUNT_MANAGER_LEAD])
    without = [m for m in settings.MIDDLEWARE if m != "core.boundary.http.InputBoundaryMiddleware"]
    url = "/api/kam/accounts/?search=bistro&status=active&page_size=50"

    def batch(client: Client) -> float:
        started = time.perf_counter()
        for _ in range(50):
            assert client.get(url).status_code == 200
        return (time.perf_counter() - started) / 50

    with_client = Client()
    with_client.force_login(user)
    with override_settings(MIDDLEWARE=without):
        without_client = Client()
        without_client.force_login(user)
    ours, base = [], []
    for _ in range(RUNS):
        ours.append(batch(with_client))
        with override_settings(MIDDLEWARE=without):
            base.append(batch(without_client))
    ours_ms, base_ms = statistics.median(ours) * 1000, statistics.median(base) * 1000
    figure("without the boundary middleware", f"{base_ms:.2f} ms per request")
    figure("with it", f"{ours_ms:.2f} ms per request (+{ours_ms - base_ms:.2f} ms)")


def run() -> None:
    setup_django()
    bench_parsers()
    bench_requests()
