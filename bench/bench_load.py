"""Load test of the production topology (`make bench-pg BENCH=load`): locust, headless, runs
bench/locustfile.py (a mix of API reads and writes of all five apps) against `make run-prod`
(deploy/run_prod.py) in three shapes, to show what a second gunicorn worker and a second
Celery worker on `default` change on this machine:

    1 gunicorn worker + 1 Celery worker on default   (the baseline)
    2 gunicorn workers + 1 Celery worker on default
    1 gunicorn worker + 2 Celery workers on default

Each Celery worker is one process (--concurrency 1) so "one -> two workers" means one -> two
processes; the poller (one process) and beat stay as they are. Locust (one process, on the same
machine) drives BENCH_LOAD_USERS users (default 50, each waiting BENCH_LOAD_THINK = 0.2-1.0 s
between two actions: more than one gunicorn worker can serve) for BENCH_LOAD_SECONDS (default
120). Printed per shape: HTTP requests/s, p50/p95/p99, failures, and the background jobs
finished per second during the run (qualifications, bank decisions recorded, workflow runs
completed, evaluations made) with what was still queued at the end.

BENCH_LOAD_EVALUATE=0 leaves new evaluations out of the mix: each waits inside its request for
the INSEE register's limit (30 a minute), holding a gunicorn worker, which hides what more web
workers would do for the rest.

Needs PostgreSQL + Redis (production refuses anything else): skipped on the embedded defaults.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.common import BENCH_VAR, REPO, figure, free_port, heading, setup_django

SHAPES = [(1, 1), (2, 1), (1, 2)]  # (gunicorn workers, Celery workers on default)


def run() -> None:
    database = os.environ.get("DATABASE_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    heading("load test: the production topology under locust")
    if not database.startswith(("postgres://", "postgresql://")) or not broker.startswith("redis"):
        print("skipped: needs PostgreSQL + Redis (make bench-pg BENCH=load)")
        return
    setup_django()
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "120"))
    users = int(os.environ.get("BENCH_LOAD_USERS", "50"))
    fixture = _fixture()
    evaluate = os.environ.get("BENCH_LOAD_EVALUATE", "1") != "0"
    print(
        f"{users} users, {seconds} s per shape, machine: {os.cpu_count()} cores; new "
        f"evaluations {'in' if evaluate else 'left out of (BENCH_LOAD_EVALUATE=0)'} the mix"
    )
    results = []
    for web, workers in SHAPES:
        results.append((web, workers, _one_shape(web, workers, users, seconds, fixture, broker)))
    heading("load test: summary")
    base = results[0][2]
    for web, workers, r in results:
        figure(
            f"{web} gunicorn + {workers} Celery on default",
            f"{r['rps']:.1f} req/s ({r['rps'] / base['rps']:.2f}x), p50 {r['p50']:.0f} ms, "
            f"p95 {r['p95']:.0f} ms, p99 {r['p99']:.0f} ms, {r['failures']} failures of "
            f"{r['requests']}; background {r['jobs_per_s']:.2f} jobs/s "
            f"({r['jobs_per_s'] / max(base['jobs_per_s'], 1e-9):.2f}x), "
            f"left queued {r['backlog']}; machine CPU {r['machine']:.2f} cores "
            f"(web {r['cores'].get('web', 0):.2f}, locust {r['cores'].get('locust', 0):.2f})",
        )


def _fixture() -> Path:
    """Users with their roles and tokens, a few accounts, a workbook to upload."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from core.roles import Role
    from kam.models import Restaurant

    roles = {"sales": Role.SALES_AGENT, "loans": Role.LOAN_OFFICER,
             "kam": Role.KEY_ACCOUNT_MANAGER, "analyst": Role.ANALYST}  # fmt: skip
    tokens = {}
    for name, role in roles.items():
        user, _ = get_user_model().objects.get_or_create(username=f"load-{name}")
        user.groups.add(*Group.objects.filter(name=role.group_name))
        tokens[name] = Token.objects.get_or_create(user=user)[0].key
    kam = get_user_model().objects.get(username="load-kam")
    accounts = list(Restaurant.objects.filter(owner=kam).values_list("id", flat=True)[:50])
    while len(accounts) < 50:
        accounts.append(Restaurant.objects.create(
            name=f"Load {len(accounts)}", city="Lyon", country="FR", time_zone="Europe/Paris",
            owner=kam,
        ).id)  # fmt: skip
    workbook = BENCH_VAR / "load-statement.xlsx"
    workbook.write_bytes(_statement())
    path = BENCH_VAR / "load-fixture.json"
    path.write_text(json.dumps({"tokens": tokens, "accounts": accounts,
                                "workbook": str(workbook)}))  # fmt: skip
    return path


def _statement() -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["month", "income", "expenses"])
    for month in range(1, 13):
        sheet.append([f"2025-{month:02d}", 2500 + month * 10, 1800 + month * 5])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    from django.db.models import Q

    from evaluations.models import Evaluation
    from leads.models import QualificationRun
    from loans.models import LoanApplication
    from workflows.models import WorkflowRun

    return {
        "qualified": QualificationRun.objects.filter(finished_at__isnull=False).count(),
        "decided": LoanApplication.objects.filter(decided_at__isnull=False).count(),
        "charted": WorkflowRun.objects.filter(status="completed").count(),
        "evaluations": Evaluation.objects.count(),
        "queued": (
            QualificationRun.objects.filter(finished_at__isnull=True).count()
            + LoanApplication.objects.filter(Q(status="new") | Q(status="pending")).count()
            + WorkflowRun.objects.exclude(status__in=["completed", "failed", "cancelled"]).count()
        ),
    }


def _one_shape(web: int, workers: int, users: int, seconds: int, fixture: Path,
               broker: str) -> dict:  # fmt: skip
    heading(f"load: {web} gunicorn worker(s), {workers} Celery worker(s) on default")
    run_dir = BENCH_VAR / f"load-{web}-{workers}"
    port = free_port()
    own_broker = urlunsplit(urlsplit(broker)._replace(path="/12"))
    import redis

    redis.Redis.from_url(own_broker).flushdb()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "CELERY_BROKER_URL": own_broker,
        "SECRET_KEY": "load-test-" + "x" * 50,
        "PORT": str(port),
        "SIMULATORS_PORT": str(free_port()),
        "WEB_CONCURRENCY": str(web),
        "DEFAULT_WORKERS": str(workers),
        "CELERY_CONCURRENCY": "1",
        "RUN_PROD_DIR": str(run_dir),
        "RUN_PROD_CONSOLE": "false",
        "LOG_LEVEL": "WARNING",
        "SIM_BANK_DECISION_SECONDS": "1-3",
    }
    out = (BENCH_VAR / f"load-{web}-{workers}.out").open("w")
    topology = subprocess.Popen([sys.executable, "deploy/run_prod.py"], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    out.close()
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, topology)
        before, started, cpu_before = _counts(), time.monotonic(), _cpu_by_role(topology.pid)
        stats = _locust(url, users, seconds, fixture, run_dir)
        elapsed = time.monotonic() - started
        after, cpu_after = _counts(), _cpu_by_role(topology.pid)
    finally:
        topology.send_signal(signal.SIGTERM)
        try:
            topology.wait(timeout=240)
        except subprocess.TimeoutExpired:
            os.killpg(topology.pid, signal.SIGKILL)
    jobs = sum(
        after[key] - before[key] for key in ("qualified", "decided", "charted", "evaluations")
    )
    # What this run added and left undone (other benchmarks may leave open rows in the same
    # database: bench lists' 100,000 loans and runs, never due, are not this run's backlog).
    backlog = after["queued"] - before["queued"]
    result = {**stats, "jobs_per_s": jobs / elapsed, "backlog": backlog}
    figure("requests/s", f"{stats['rps']:.1f} ({stats['requests']} requests, "
                         f"{stats['failures']} failures)")  # fmt: skip
    figure("latency", f"p50 {stats['p50']:.0f} ms, p95 {stats['p95']:.0f} ms, "
                      f"p99 {stats['p99']:.0f} ms")  # fmt: skip
    figure("background jobs finished", f"{jobs} ({jobs / elapsed:.2f}/s); "
           + ", ".join(f"{k} +{after[k] - before[k]}" for k in ("qualified", "decided",
                                                               "charted", "evaluations"))
           + f"; left queued {backlog}")  # fmt: skip
    cores = {
        role: (cpu_after.get(role, 0.0) - cpu_before.get(role, 0.0)) / elapsed
        for role in sorted(set(cpu_after) | set(cpu_before))
        if role != "machine"
    }
    # What no process list above sees (PostgreSQL backends that come and go, the kernel...).
    machine = (cpu_after["machine"] - cpu_before["machine"]) / elapsed
    cores["other (PostgreSQL, kernel...)"] = max(0.0, machine - sum(cores.values()))
    result["cores"], result["machine"] = cores, machine
    parts = ", ".join(f"{role} {used:.2f}" for role, used in cores.items() if used >= 0.005)
    figure("CPU used (cores of 2)", f"{parts}; machine {machine:.2f}")
    for name, row in sorted(stats["by_name"].items()):
        print(f"    {name:<34} {row}")
    return result


def _cpu_by_role(topology_pid: int) -> dict[str, float]:
    """CPU seconds used so far: by the whole machine, by each of the topology's programs
    (they live for the whole run), by PostgreSQL and Redis processes alive now, and by this
    process's finished children (locust, once it has exited)."""
    import psutil

    try:
        ours = {p.pid for p in psutil.Process(topology_pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        ours = set()
    import resource

    machine = psutil.cpu_times()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # locust, once it has exited
    used: dict[str, float] = {
        "machine": machine.user
        + machine.nice
        + machine.system
        + machine.irq
        + machine.softirq
        + getattr(machine, "steal", 0.0),
        "locust": children.ru_utime + children.ru_stime,
    }
    for process in psutil.process_iter(["pid", "name", "cmdline", "cpu_times"]):
        info = process.info
        line = " ".join(info["cmdline"] or [])
        if info["pid"] in ours:
            if "gunicorn" in line:
                role = "web"
            elif "-Q default" in line:
                role = "default workers"
            elif "-Q polling" in line:
                role = "poller"
            elif " beat" in line:
                role = "beat"
            else:
                role = "simulators"
        elif (info["name"] or "").startswith("postgres"):
            role = "postgresql"
        elif (info["name"] or "").startswith("redis"):
            role = "redis"
        else:
            continue
        times = info["cpu_times"]
        if times is not None:
            used[role] = used.get(role, 0.0) + times.user + times.system
    return used


def _wait_ready(url: str, topology: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if topology.poll() is not None:
            raise RuntimeError(f"run-prod exited with {topology.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the topology did not become ready")


def _locust(url: str, users: int, seconds: int, fixture: Path, run_dir: Path) -> dict:
    prefix = run_dir / "locust"
    command = [
        sys.executable, "-m", "locust", "-f", str(REPO / "bench" / "locustfile.py"),
        "--headless", "--host", url, "--users", str(users), "--spawn-rate", str(users),
        "--run-time", f"{seconds}s", "--csv", str(prefix), "--only-summary",
        "--loglevel", "WARNING", "--stop-timeout", "10",
    ]  # fmt: skip
    env = {**os.environ, "BENCH_LOAD_FIXTURE": str(fixture)}
    with (run_dir / "locust.err").open("w") as errors:
        subprocess.run(command, cwd=REPO, env=env, check=False, stdout=subprocess.DEVNULL,
                       stderr=errors)  # fmt: skip
    with Path(f"{prefix}_stats.csv").open() as stats:
        rows = list(csv.DictReader(stats))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    by_name = {
        row["Name"]: (f"{float(row['Requests/s']):6.1f}/s  p50 {row['50%']:>5} ms  "
                      f"p95 {row['95%']:>5} ms  failures {row['Failure Count']}")
        for row in rows if row["Name"] != "Aggregated"
    }  # fmt: skip
    return {
        "rps": float(total["Requests/s"]),
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "p50": float(total["50%"]),
        "p95": float(total["95%"]),
        "p99": float(total["99%"]),
        "by_name": by_name,
    }
