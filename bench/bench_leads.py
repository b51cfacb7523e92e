"""Leads figures: one qualification against the ideal (the slower check, then the score) and
the sequential sum; 500 leads in bulk through the CLI's code path and through workers.

Simulated latencies: registry 300 ms, archives 500 ms, scoring 200 ms, so one run is ideally
max(300, 500) + 200 = 700 ms with the checks in parallel, 1,000 ms one after the other.
"""

from __future__ import annotations

import datetime
import io
import json
import math
import time

import httpx

from bench.common import figure, heading, setup_django, stopwatch, summary_ms

REGISTRY_MS, ARCHIVES_MS, SCORING_MS = 300, 500, 200
IDEAL_S = (max(REGISTRY_MS, ARCHIVES_MS) + SCORING_MS) / 1000
SEQUENTIAL_S = (REGISTRY_MS + ARCHIVES_MS + SCORING_MS) / 1000
SINGLE_RUNS = 15
BULK = 500
CLI_CONCURRENCY = (10, 25)
WORKER_CONCURRENCY = 10
BIRTH = datetime.date(1980, 1, 1)


def nir(serial: int) -> str:
    body = f"1{BIRTH:%y%m}75{serial // 1000 % 1000:03d}{serial % 1000:03d}"
    return f"{body}{97 - int(body) % 97:02d}"


def _make_leads(owner, first: int, count: int) -> list[int]:
    from leads.models import Lead

    leads = Lead.objects.bulk_create(
        Lead(
            first_name="Bench",
            last_name=f"Person{serial}",
            birth_date=BIRTH,
            national_id=nir(serial),
            email=f"p{serial}@example.test",
            phone="+33 6 00 00 00 00",
            owner=owner,
        )
        for serial in range(first, first + count)
    )
    return [lead.pk for lead in leads]


def _register(url: str, serials: range) -> None:
    persons = [
        {
            "national_id": nir(s),
            "first_name": "BENCH",
            "last_name": f"PERSON{s}",
            "birth_date": BIRTH.isoformat(),
        }
        for s in serials
    ]
    httpx.post(f"{url}/_control/registry/persons", json=persons, timeout=30).raise_for_status()


def _ideal(count: int, concurrency: int) -> float:
    return math.ceil(count / concurrency) * IDEAL_S


def bench_single(owner) -> None:
    from leads.services import qualification_run_execute, qualification_start

    heading(f"one qualification (in-process, {SINGLE_RUNS} runs one after another)")
    walls, totals = [], []
    for lead_id in _make_leads(owner, 1, SINGLE_RUNS):
        with stopwatch() as elapsed:
            run = qualification_start(
                lead_id=lead_id, requested_by=None, source="cli", enqueue=False
            ).run
            run = qualification_run_execute(run_id=run.pk)
        assert run.outcome == "prospect", run.reasons
        walls.append(run.wall_ms / 1000)
        totals.append(elapsed[0])
    walls_warm = walls[1:]
    p50 = sorted(walls_warm)[len(walls_warm) // 2]
    figure("run wall time (started -> decided)", summary_ms(walls))
    figure("  warm p50 vs ideal 700 ms", f"{p50 * 1000:.0f} ms = {p50 / IDEAL_S - 1:+.1%}")
    figure("  warm p50 vs sequential 1,000 ms", f"{p50 / SEQUENTIAL_S - 1:+.1%}")
    figure("first run (cold process)", f"{walls[0] * 1000:.0f} ms")
    figure("end to end incl. start and DB writes", summary_ms(totals))


def bench_cli(owner, first_serial: int, concurrency: int) -> None:
    from django.core.management import call_command

    heading(f"bulk: manage.py qualify_lead, {BULK} leads, concurrency {concurrency}")
    ids = _make_leads(owner, first_serial, BULK)
    out = io.StringIO()
    with stopwatch() as elapsed:
        call_command(
            "qualify_lead", *map(str, ids), "--json", f"--concurrency={concurrency}", stdout=out
        )
    document = json.loads(out.getvalue())
    assert document["summary"]["outcomes"]["prospect"] == BULK, document["summary"]
    ideal = _ideal(BULK, concurrency)
    walls = _check_to_decision([r["run"] for r in document["results"]])
    figure("total", f"{elapsed[0]:.1f} s (ideal {ideal:.1f} s: {elapsed[0] / ideal - 1:+.1%})")
    figure("throughput", f"{BULK / elapsed[0]:.1f} leads/s (ideal {BULK / ideal:.1f})")
    figure("each run, first check -> decision", summary_ms(walls))


def _check_to_decision(run_ids: list[int]) -> list[float]:
    """A bulk run is claimed at once but waits for a slot: time it from its first check."""
    from django.db.models import Min

    from leads.models import QualificationRun

    runs = QualificationRun.objects.filter(pk__in=run_ids).annotate(
        first_check=Min("checks__started_at")
    )
    return [(run.finished_at - run.first_check).total_seconds() for run in runs]


def bench_workers(owner, first_serial: int, sims_url: str) -> None:
    from django.conf import settings
    from django.db import transaction

    from leads.models import QualificationRun, RunStatus
    from leads.services import qualification_start
    from tests.harness.worker import purge_queues, start_worker

    broker = settings.CELERY_BROKER_URL.split("://")[0]
    heading(
        f"bulk: {BULK} leads through workers ({broker} broker, "
        f"{WORKER_CONCURRENCY} worker processes, one task per lead)"
    )
    ids = _make_leads(owner, first_serial, BULK)
    purge_queues()
    urls = dict.fromkeys(
        ("SIMULATORS_URL", "REGISTRY_API_URL", "ARCHIVES_API_URL", "SCORING_API_URL"), sims_url
    )
    worker = start_worker(queues="default", concurrency=WORKER_CONCURRENCY, env=urls)
    try:
        with stopwatch() as elapsed:
            with transaction.atomic():
                runs = [
                    qualification_start(lead_id=i, requested_by=None, source="api").run.pk
                    for i in ids
                ]
            deadline = time.monotonic() + 600
            while (
                QualificationRun.objects.filter(pk__in=runs).exclude(status=RunStatus.DONE).exists()
            ):
                if time.monotonic() > deadline:
                    raise RuntimeError("runs not done within 600 s")
                time.sleep(0.05)
    finally:
        worker.stop()
    done = QualificationRun.objects.filter(pk__in=runs)
    assert done.filter(outcome="prospect").count() == BULK
    ideal = _ideal(BULK, WORKER_CONCURRENCY)
    figure("total", f"{elapsed[0]:.1f} s (ideal {ideal:.1f} s: {elapsed[0] / ideal - 1:+.1%})")
    figure("throughput", f"{BULK / elapsed[0]:.1f} leads/s (ideal {BULK / ideal:.1f})")
    figure("each run's wall time", summary_ms([run.wall_ms / 1000 for run in done]))
    figure(
        "queueing (created -> started)",
        summary_ms([(r.started_at - r.created_at).total_seconds() for r in done]),
    )


def run() -> None:
    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from core.roles import Role
    from leads.models import Lead
    from tests.harness.simulators import running_simulators

    args = [
        "--set",
        f"registry.latency_ms={REGISTRY_MS}",
        "--set",
        f"archives.latency_ms={ARCHIVES_MS}",
        "--set",
        f"scoring.latency_ms={SCORING_MS}",
        "--set",
        "scoring.score_range=80",
    ]
    Lead.objects.all().delete()  # the bench database is a scratch one
    owner, _ = get_user_model().objects.get_or_create(username="bench")
    owner.groups.add(Group.objects.get(name=Role.SALES_AGENT.group_name))
    with running_simulators(args) as sims:
        for name in ("REGISTRY_API_URL", "ARCHIVES_API_URL", "SCORING_API_URL"):
            setattr(settings, name, sims.url)
        total = SINGLE_RUNS + BULK * (len(CLI_CONCURRENCY) + 1)
        _register(sims.url, range(1, total + 1))
        bench_single(owner)
        serial = SINGLE_RUNS + 1
        for concurrency in CLI_CONCURRENCY:
            bench_cli(owner, serial, concurrency)
            serial += BULK
        bench_workers(owner, serial, sims.url)
