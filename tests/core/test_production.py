"""The production topology (`make run-prod`: deploy/run_prod.py + deploy/supervisord.conf)
serves one end-to-end journey of every app over HTTP, shows it in /metrics and in its JSON
logs, then stops cleanly: every process gone, no task lost.

Runs only on PostgreSQL + Redis (CI's second pass): production refuses anything else. The
topology runs on the test database (so the test makes its users with the ORM) and on a Redis
database of its own (so no message of another test reaches its workers).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psutil
import pytest
from django.conf import settings
from django.db import connection

from core.roles import Role
from tests.harness.waiting import wait_until
from tests.harness.worker import REPO_ROOT, database_url_for_subprocess

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(600),
]

METRICS_TOKEN = "metrics-token-for-the-journey-0123456789"
LOAN_REQUEST_ID = "journey-loan-request-0001"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _own_redis_db(url: str, db: int = 11) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


@pytest.fixture
def topology(tmp_path):
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the production topology runs on PostgreSQL + Redis (CI's second pass)")
    import redis

    broker = _own_redis_db(settings.CELERY_BROKER_URL)
    redis.Redis.from_url(broker).flushdb()
    port, simulators_port = _free_port(), _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_URL": broker,
        "SECRET_KEY": "journey-" + "x" * 50,
        "METRICS_TOKEN": METRICS_TOKEN,
        "PORT": str(port),
        "SIMULATORS_PORT": str(simulators_port),
        "WEB_CONCURRENCY": "2",
        "DEFAULT_WORKERS": "2",
        "CELERY_CONCURRENCY": "1",
        "RUN_PROD_DIR": str(tmp_path / "run"),
        "RUN_PROD_CONSOLE": "false",
        # A quick and always-approving bank, so the journey takes seconds.
        "SIM_BANK_DECISION_SECONDS": "1",
        "SIM_BANK_APPROVAL_RATE": "1",
    }
    out = (tmp_path / "run-prod.out").open("w")
    process = subprocess.Popen(
        [sys.executable, "deploy/run_prod.py"],
        cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    out.close()
    run = Topology(process, tmp_path / "run", f"http://127.0.0.1:{port}", broker)
    try:
        run.wait_ready()
        yield run
    finally:
        if process.poll() is None:  # the test failed before stopping it: don't leave it behind
            for child in run.processes():
                child.kill()
            process.kill()
            process.wait(30)


class Topology:
    def __init__(self, process: subprocess.Popen, run_dir: Path, url: str, broker: str) -> None:
        self.process, self.run_dir, self.url, self.broker = process, run_dir, url, broker

    def log(self, name: str) -> str:
        path = self.run_dir / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def json_lines(self, name: str) -> list[dict]:
        lines = []
        for line in self.log(name).splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    lines.append(json.loads(line))
        return lines

    def processes(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def wait_ready(self) -> None:
        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"run-prod exited: {self.process.returncode}")
            try:
                return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, timeout=180, interval=0.5, message="the topology answered /readyz")
        # Two workers on default, one on polling answer a ping.
        wait_until(
            lambda: all(
                "ready." in self.log(name) for name in ("1-worker", "2-worker", "poller")
            ),
            timeout=60, interval=0.5, message="every Celery worker is ready",
        )  # fmt: skip

    def api(self, user) -> httpx.Client:
        from rest_framework.authtoken.models import Token

        token, _ = Token.objects.get_or_create(user=user)
        return httpx.Client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Token {token.key}"}
        )


def _until(client: httpx.Client, url: str, done, *, timeout: float, message: str) -> dict:
    def check():
        body = client.get(url).json()
        return body if done(body) else None

    return wait_until(check, timeout=timeout, interval=0.3, message=message)


def test_every_app_through_the_production_topology_then_a_clean_stop(topology, user_factory):
    from tests.workflows.conftest import KEY, good_statement

    # --- leads: a lead qualified into a prospect ----------------------------------------
    sales = topology.api(user_factory(username="sara", roles=[Role.SALES_AGENT]))
    lead = sales.post("/api/leads/", json={
        "first_name": "Alice", "last_name": "Martin", "birth_date": "1984-05-12",
        "national_id": "2 84 05 75 116 045 14", "email": "alice@example.test",
        "phone": "+33 6 12 34 56 78",
    })  # fmt: skip
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]
    assert sales.post(f"/api/leads/{lead_id}/qualify/").status_code == 202
    qualified = _until(sales, f"/api/leads/{lead_id}/", lambda b: b["stage"] != "lead",
                       timeout=60, message="the lead was qualified")  # fmt: skip
    assert qualified["stage"] == "prospect", qualified

    # --- loans: an application decided by the bank -------------------------------------
    officer = topology.api(user_factory(username="olga", roles=[Role.LOAN_OFFICER]))
    loan = officer.post(
        "/api/loans/applications/",
        json={"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
              "amount": "15000.00", "currency": "EUR"},
        headers={"X-Request-ID": LOAN_REQUEST_ID},
    )  # fmt: skip
    assert loan.status_code == 201, loan.text
    loan_id = loan.json()["id"]
    decided = _until(officer, f"/api/loans/applications/{loan_id}/",
                     lambda b: b["status"] in {"completed", "rejected"},
                     timeout=60, message="the bank decided the application")  # fmt: skip
    assert decided["status"] == "completed"

    # --- kam: a call logged, orders moving the account out of "not rated yet" -------------
    kam = topology.api(user_factory(username="karl", roles=[Role.KEY_ACCOUNT_MANAGER]))
    account = kam.post("/api/kam/accounts/", json={
        "name": "Chez Journey", "city": "Lyon", "country": "FR", "time_zone": "Europe/Paris",
    })  # fmt: skip
    assert account.status_code == 201, account.text
    account_id = account.json()["id"]
    call = kam.post("/api/kam/interactions/", json={
        "restaurant": account_id, "kind": "call", "outcome": "connected",
    })  # fmt: skip
    assert call.status_code == 201, call.text
    assert kam.get(f"/api/kam/accounts/{account_id}/").json()["band"] == "not_rated"
    now = dt.datetime.now(dt.UTC)
    for days_ago in (30, 20, 10, 1):
        placed = (now - dt.timedelta(days=days_ago)).isoformat()
        order = kam.post("/api/kam/orders/", json={
            "restaurant": account_id, "amount": "420.00", "placed_at": placed,
        })  # fmt: skip
        assert order.status_code == 201, order.text
    assert kam.get(f"/api/kam/accounts/{account_id}/").json()["band"] != "not_rated"

    # --- workflows: an Excel upload parsed and charted by the workers ---------------------
    analyst = topology.api(user_factory(username="ana", roles=[Role.ANALYST]))
    run = analyst.post(
        "/api/workflows/runs/",
        data={"definition": KEY, "first_name": "Ada", "last_name": "Lovelace",
              "date_of_birth": "1985-12-10"},
        files={"statement": ("statement.xlsx", good_statement())},
    )  # fmt: skip
    assert run.status_code == 201, run.text
    charted = _until(analyst, f"/api/workflows/runs/{run.json()['id']}/",
                     lambda b: b["status"] == "completed", timeout=60,
                     message="the workers charted the upload")  # fmt: skip
    assert charted["chart"]["totals"]["Net"] == "9300.00"

    # --- evaluations: evaluated against the register (INSEE, simulated), re-evaluated, then
    # decayed by the nightly pass on a worker ----------------------------------------------
    risk = topology.api(user_factory(username="rita", roles=[Role.RISK_ANALYST]))
    evaluation = risk.post("/api/evaluations/", json={"kind": "SIREN", "value": "732829320"})
    assert evaluation.status_code == 201, evaluation.text
    first = evaluation.json()
    assert (first["state"], first["score"]) == ("favorable", 100), first
    evaluation_id = first["id"]
    again = risk.post(f"/api/evaluations/{evaluation_id}/reevaluate/")
    assert again.status_code == 200, again.text
    assert again.json()["last_evaluated_at"] != first["last_evaluated_at"]
    tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).isoformat()
    _send_task(topology.broker, "evaluations.decay_pass", [tomorrow])
    decayed = _until(risk, f"/api/evaluations/{evaluation_id}/",
                     lambda b: b["score"] == 99, timeout=60,
                     message="the nightly pass decayed it")  # fmt: skip
    assert decayed["state"] == "favorable"

    # --- what operators see: metrics and the loan's request id in the poller's logs ---------
    assert_metrics(topology)
    polled = [
        line for line in topology.json_lines("poller")
        if line.get("application") == loan_id and "poll" in line.get("event", "")
    ]  # fmt: skip
    assert polled, "no log line of the loan's poll"
    assert {line["request_id"] for line in polled} == {LOAN_REQUEST_ID}

    # --- a clean stop with work in flight ---------------------------------------------------
    for n in range(10):
        response = officer.post("/api/loans/applications/", json={
            "first_name": "Late", "last_name": f"Comer{n}", "email": "late@example.com",
            "amount": "1000.00", "currency": "EUR",
        })  # fmt: skip
        assert response.status_code == 201
    children = topology.processes()
    assert len(children) >= 7, [child.cmdline() for child in children]
    started = time.monotonic()
    os.kill(topology.process.pid, signal.SIGTERM)
    assert topology.process.wait(timeout=240) == 0
    took = time.monotonic() - started
    gone = psutil.wait_procs(children, timeout=5)[1]
    assert not gone, f"still running after the stop: {[p.pid for p in gone]}"
    supervisor_log = (topology.run_dir / "supervisord.log").read_text()
    for program in ("web", "worker-1", "worker-2", "poller", "beat"):
        assert f"stopped: {program} (exit status 0)" in supervisor_log, supervisor_log[-3000:]
    assert "SIGKILL" not in supervisor_log
    # No task lost: nothing was left acknowledged-but-unfinished in the broker, and every
    # application is either at the bank or still due for submission (nobody holds a claim).
    import redis

    assert redis.Redis.from_url(topology.broker).hlen("unacked") == 0
    from loans.models import LoanApplication

    assert not LoanApplication.objects.filter(claim_token__isnull=False).exists()
    assert LoanApplication.objects.count() == 11
    print(f"run-prod stopped cleanly in {took:.1f} s")


def _send_task(broker: str, name: str, args: list) -> None:
    """Send a task to the topology's broker (as beat would at night)."""
    from kombu import Connection

    from config.celery import app

    with Connection(broker) as conn:
        app.send_task(name, args=args, queue="default", connection=conn)


def assert_metrics(topology: Topology) -> None:
    """Every figure docs/operations.md lists, from the web's /metrics, which aggregates every
    process of the machine (gunicorn workers, Celery workers and their children)."""
    from prometheus_client.parser import text_string_to_metric_families

    anonymous = httpx.get(f"{topology.url}/metrics", timeout=10)
    assert anonymous.status_code == 401
    wrong = httpx.get(f"{topology.url}/metrics", timeout=10,
                      headers={"Authorization": "Bearer not-the-token"})  # fmt: skip
    assert wrong.status_code == 403
    response = httpx.get(
        f"{topology.url}/metrics", timeout=10,
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
    )  # fmt: skip
    assert response.status_code == 200
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)

    def value(name: str, **labels: str) -> float:
        return sum(
            sample.value for sample in samples.get(name, [])
            if all(sample.labels.get(k) == v for k, v in labels.items())
        )  # fmt: skip

    def label_values(name: str, label: str) -> set[str]:
        return {sample.labels[label] for sample in samples.get(name, []) if label in sample.labels}

    # HTTP: requests by route and status, and their latency.
    assert value("backoffice_http_requests_total", method="POST", status="201") >= 6
    assert any("loans" in route for route in label_values("backoffice_http_requests_total",
                                                          "route"))  # fmt: skip
    assert value("backoffice_http_request_duration_seconds_count", method="GET") > 0
    # Celery, counted in the workers' processes: every app's tasks succeeded.
    tasks = {
        sample.labels["task"] for sample in samples.get("backoffice_celery_tasks_total", [])
        if sample.labels["outcome"] == "success" and sample.value > 0
    }  # fmt: skip
    for app in ("leads.", "loans.", "workflows.", "evaluations."):
        assert any(task.startswith(app) for task in tasks), (app, tasks)
    assert value("backoffice_celery_task_duration_seconds_count") > 0
    # Business: loans by status and the decision lag.
    assert value("backoffice_loans_applications", status="completed") >= 1
    assert value("backoffice_loans_decision_record_lag_seconds_count", decision="completed") >= 1
    # The age of the oldest due row of every database queue (0 when nothing is due).
    assert label_values("backoffice_queue_oldest_due_age_seconds", "queue") >= {
        "loans_submissions", "loans_polls", "evaluations_reevaluations", "workflows_steps",
    }  # fmt: skip
    # Qualification runs by decision, and each external check's latency by system.
    assert value("backoffice_leads_qualification_runs_total", decision="prospect") >= 1
    assert len(label_values("backoffice_leads_qualification_check_duration_seconds_count",
                            "system")) >= 2  # fmt: skip
    # Every external system called in the journey, by outcome, with latency.
    systems = label_values("backoffice_external_calls_total", "system")
    assert len(systems) >= 4, systems
    assert value("backoffice_external_call_duration_seconds_count") >= 4
    # The last nightly pass: duration and counts.
    assert value("backoffice_evaluations_decay_pass_duration_seconds") > 0
    assert value("backoffice_evaluations_decay_pass_rows") >= 1
