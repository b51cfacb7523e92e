"""Loans: 2,000 applications against the bank simulator (decisions 5-20 s after submission),
real workers (submissions on `default`, polls on `polling`, beat dispatching every second).

Figures: the delay between the bank's decision and our record of it (p50, p95, max), bank
calls per application against the target (decision time / base interval + 2), and the CPU
time of the whole run. Targets: p95 delay <= base poll interval + 1 s.
"""

from __future__ import annotations

import os
import resource
import time

from bench.common import figure, heading, percentile, setup_django, stopwatch, summary_ms

APPLICATIONS = int(os.environ.get("BENCH_LOANS_APPLICATIONS", "2000"))
POLLER_PROCESSES = int(os.environ.get("BENCH_LOANS_POLLERS", "4"))


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run() -> None:
    setup_django()
    from django.conf import settings

    from loans.models import OPEN_STATUSES, LoanApplication
    from loans.services import loan_application_create
    from tests.harness.simulators import running_simulators
    from tests.harness.worker import purge_queues, start_worker

    broker = settings.CELERY_BROKER_URL.split("://")[0]
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    base = settings.LOANS_POLL_INTERVAL
    heading(
        f"loans: {APPLICATIONS} applications, decisions 5-20 s, {database} + {broker}, "
        f"base poll interval {base:g} s, first poll after {settings.LOANS_FIRST_POLL_DELAY:g} s"
    )
    if database != "postgresql":
        print(
            "  (the issue's figures are for PostgreSQL + Redis: set DATABASE_URL and "
            "CELERY_BROKER_URL, or run `make bench`)"
        )
    purge_queues()
    LoanApplication.objects.all().delete()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before = resource.getrusage(resource.RUSAGE_SELF)

    with running_simulators(
        [
            "--set",
            "bank.decision_seconds=5-20",
            "--set",
            "bank.latency_ms=5-20",
            "--set",
            "bank.seed=2000",
        ]
    ) as sims:
        env = {"BANK_API_URL": sims.url, "SIMULATORS_URL": sims.url}
        submitter = start_worker(queues="default", concurrency=4, beat=True, env=env)
        poller = start_worker(queues="polling", concurrency=POLLER_PROCESSES, env=env)
        try:
            with stopwatch() as creating:
                for i in range(APPLICATIONS):
                    loan_application_create(
                        first_name=f"Bench{i}",
                        last_name="Loans",
                        email=f"b{i}@example.com",
                        amount="10000",
                        currency="EUR",
                        actor="bench",
                    )
            with stopwatch() as waiting:
                deadline = time.monotonic() + 900
                while LoanApplication.objects.filter(status__in=OPEN_STATUSES).exists():
                    if time.monotonic() > deadline:
                        raise RuntimeError("applications still open after 15 minutes")
                    time.sleep(0.5)
            bank = {row["id"]: row for row in sims.applications()}
            stats = sims.stats("bank")
            simulator_cpu = _cpu_seconds(sims.process.pid)
        finally:
            submitter.stop()
            poller.stop()

    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_after = resource.getrusage(resource.RUSAGE_SELF)
    rows = list(
        LoanApplication.objects.values_list(
            "id",
            "status",
            "decided_at",
            "poll_count",
            "submit_attempts",
            "created_at",
            "submitted_at",
        )
    )
    delays, calls, allowed, submission = [], [], [], []
    for application_id, status, decided_at, polls, attempts, created_at, submitted_at in rows:
        submission.append((submitted_at - created_at).total_seconds())
        at_bank = bank[str(application_id)]
        assert status == at_bank["outcome"], (application_id, status, at_bank)
        delays.append(decided_at.timestamp() - at_bank["decide_at"])
        calls.append(polls + attempts)
        allowed.append((at_bank["decide_at"] - at_bank["created_at"]) / base + 2)
    over = sum(1 for c, a in zip(calls, allowed, strict=True) if c > a)
    children_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    self_cpu = (self_after.ru_utime + self_after.ru_stime) - (
        self_before.ru_utime + self_before.ru_stime
    )

    figure("created (bench process, one by one)", f"{APPLICATIONS} in {creating[0]:.1f} s")
    figure("all decided after the last creation", f"{waiting[0]:.1f} s")
    figure("creation -> accepted by the bank", summary_ms(submission))
    figure("bank decision -> our record", summary_ms(delays))
    figure(
        "  target p95 <= base interval + 1 s",
        f"{(base + 1) * 1000:.0f} ms: {'met' if percentile(delays, 95) <= base + 1 else 'NOT met'}",
    )
    posts = stats["requests"].get("POST /api/applications", 0)
    gets = stats["requests"].get("GET /api/jobs", 0)
    figure(
        "bank calls per application (mean / max)",
        f"{sum(calls) / len(calls):.2f} / {max(calls)}  (POST {posts}, GET {gets})",
    )
    figure(
        "  target decision time / base + 2 (mean)",
        f"{sum(allowed) / len(allowed):.2f}; applications over their own target: {over}",
    )
    figure("duplicates at the bank", str(stats["applications_created"] - APPLICATIONS))
    figure("CPU time: workers + beat", f"{children_cpu - simulator_cpu:.1f} s")
    figure("CPU time: simulators", f"{simulator_cpu:.1f} s")
    figure("CPU time: bench process (creating, waiting)", f"{self_cpu:.1f} s")
