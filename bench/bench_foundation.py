"""Foundation figures: the simulators' capacity, our HTTP client's ceiling against them, and
a task's round trip through the broker to a real worker process and back into the database."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

import aiohttp
import httpx

from bench.common import figure, heading, setup_django, stopwatch, summary_ms

REQUESTS = 2000
SEQUENTIAL_PINGS = 30
BURST_PINGS = 200


def _bank_request(i: int) -> tuple[str, str, dict]:
    if i % 2 == 0:
        body = {"id": str(uuid.uuid4()), "first_name": "Ada", "last_name": "Lovelace"}
        return "POST", "/api/applications", {"json": body}
    return "GET", "/api/jobs", {"params": {"application_id": str(uuid.uuid4())}}


async def _load(send: Callable[[int], Awaitable[None]], concurrency: int) -> tuple[list, float]:
    latencies: list[float] = []
    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with semaphore:
            started = time.perf_counter()
            await send(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(REQUESTS)))
    return latencies, time.perf_counter() - started


async def _with_aiohttp(url: str, concurrency: int) -> tuple[list, float]:
    async with aiohttp.ClientSession(url) as session:

        async def send(i: int) -> None:
            method, path, kwargs = _bank_request(i)
            async with session.request(method, path, **kwargs) as response:
                await response.read()

        return await _load(send, concurrency)


async def _with_httpx(url: str, concurrency: int) -> tuple[list, float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=10, limits=limits) as client:

        async def send(i: int) -> None:
            method, path, kwargs = _bank_request(i)
            await client.request(method, path, **kwargs)

        return await _load(send, concurrency)


def bench_simulators() -> None:
    from tests.harness.simulators import running_simulators

    heading(f"simulators: bank API (POST and GET alternating), {REQUESTS} requests each")
    with running_simulators() as sims:
        for label, load, concurrency in (
            ("server capacity (aiohttp client)", _with_aiohttp, 50),
            ("our httpx AsyncClient", _with_httpx, 10),
            ("our httpx AsyncClient", _with_httpx, 50),
        ):
            latencies, wall = asyncio.run(load(sims.url, concurrency))
            figure(f"{label}, {concurrency} at once", f"{REQUESTS / wall:.0f} requests/s")
            figure("  latency", summary_ms(latencies))


def _wait_executed(ids: list, timeout: float) -> None:
    from core.models import WorkerPing

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not WorkerPing.objects.filter(id__in=ids, executed_at__isnull=True).exists():
            return
        time.sleep(0.01)
    raise RuntimeError(f"pings not executed within {timeout} s")


def bench_task_round_trip() -> None:
    from django.conf import settings

    from core.models import WorkerPing
    from core.services import worker_ping_create
    from tests.harness.worker import purge_queues, start_worker

    broker = settings.CELERY_BROKER_URL.split("://")[0]
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    heading(f"task round trip: web -> {broker} broker -> worker (2 processes) -> {database}")
    purge_queues()
    WorkerPing.objects.all().delete()
    worker = start_worker(queues="default", concurrency=2)
    try:
        sequential = []
        for _ in range(SEQUENTIAL_PINGS):
            ping = worker_ping_create()
            _wait_executed([ping.id], timeout=30)
            sequential.append(ping.id)
        with stopwatch() as elapsed:
            burst = [worker_ping_create().id for _ in range(BURST_PINGS)]
            _wait_executed(burst, timeout=300)
    finally:
        worker.stop()

    def round_trips(ids: list) -> list[float]:
        return [p.round_trip_seconds for p in WorkerPing.objects.filter(id__in=ids)]

    figure("one task on an idle worker", summary_ms(round_trips(sequential)))
    figure(f"burst of {BURST_PINGS}: throughput", f"{BURST_PINGS / elapsed[0]:.0f} tasks/s")
    figure(f"burst of {BURST_PINGS}: time to done", summary_ms(round_trips(burst)))


def run() -> None:
    bench_simulators()
    setup_django()
    bench_task_round_trip()
