"""/metrics (core.metrics): who may read it, and each family with its labels after the thing it
counts happens. Loans' and leads' own figures: tests/loans/test_metrics.py,
tests/leads/test_metrics.py."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest
import respx
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from core import metrics
from core.http import HttpClient, ServiceTimeout
from core.roles import Role
from core.tasks import heartbeat, ping
from tests.harness.waiting import wait_until

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-scrape-token-for-tests"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> dict[tuple[str, tuple], float]:
    """/metrics as {(sample name, sorted labels): value}, read with the bearer token."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return parse(response.content.decode())


def parse(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- protection ---------------------------------------------------------------------------------


def test_anonymous_gets_401_and_no_detail(client):
    response = client.get("/metrics")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.content == b""


@pytest.mark.parametrize(
    "header",
    [f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN[:-1]}"],
)
def test_a_wrong_token_gets_403_and_no_detail(client, header):
    response = client.get("/metrics", headers={"Authorization": header})

    assert response.status_code == 403
    assert response.content == b""


def test_no_token_is_accepted_when_none_is_configured(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer  "}).status_code == 403


def test_the_token_opens_it_without_a_session(client):
    samples = scrape(client)

    assert ("backoffice_loans_applications", (("status", "new"),)) in samples


def test_people_need_a_role_that_may_read_metrics(client, user_factory):
    client.force_login(user_factory(roles=list(Role)))  # every role, not an administrator
    assert client.get("/metrics").status_code == 403

    client.force_login(user_factory(is_superuser=True))
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"backoffice_http_requests_total" in response.content


def test_only_reads_are_answered(client):
    response = client.post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 405


# --- HTTP ---------------------------------------------------------------------------------------


def test_requests_are_counted_by_route_template_and_status(client, user_factory):
    client.get("/healthz")
    client.force_login(user_factory(is_superuser=True))
    client.get("/loans/00000000-0000-0000-0000-000000000001/")  # 404: a template, no id
    client.get("/no/such/page/")

    samples = scrape(client)

    healthz = ("method", "GET"), ("route", "healthz"), ("status", "200")
    assert samples[("backoffice_http_requests_total", healthz)] >= 1
    routes = {
        dict(labels)["route"] for name, labels in samples if name.startswith("backoffice_http_")
    }
    assert "loans/<uuid:application_id>/" in routes
    assert not any("00000000" in route or "no/such" in route for route in routes)
    assert "unmatched" in routes
    latency = (
        "backoffice_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "healthz")),
    )
    assert samples[latency] >= 1


# --- Celery -------------------------------------------------------------------------------------


def test_tasks_are_counted_by_name_and_outcome_with_their_run_time(client):
    succeeded = value("backoffice_celery_tasks_total", task="core.heartbeat", outcome="success")
    failed = value("backoffice_celery_tasks_total", task="core.ping", outcome="failure")

    heartbeat.apply(kwargs={"queue": "metrics-test"})
    ping.apply(args=["not a uuid"])  # the task fails

    samples = scrape(client)
    ok = ("outcome", "success"), ("task", "core.heartbeat")
    ko = ("outcome", "failure"), ("task", "core.ping")
    assert samples[("backoffice_celery_tasks_total", ok)] == succeeded + 1
    assert samples[("backoffice_celery_tasks_total", ko)] == failed + 1
    assert samples[("backoffice_celery_task_duration_seconds_count", ok)] >= 1
    assert samples[("backoffice_celery_task_duration_seconds_sum", ok)] > 0


def test_a_retry_is_counted_as_such():
    metrics.task_started(task_id="t-1")
    before = value("backoffice_celery_tasks_total", task="x.retrying", outcome="retry")

    metrics.task_finished(task_id="t-1", task=type("T", (), {"name": "x.retrying"}), state="RETRY")

    assert value("backoffice_celery_tasks_total", task="x.retrying", outcome="retry") == before + 1
    assert "t-1" not in metrics._task_started


# --- external calls -----------------------------------------------------------------------------


class _Partner(HttpClient):
    service_name = "metrics-partner"
    system_label = "the metrics partner"


@respx.mock
def test_every_external_call_is_counted_by_system_and_outcome_with_its_latency(client):
    respx.get("http://partner.test/ok").respond(200, json={})
    respx.get("http://partner.test/down").respond(503)
    respx.get("http://partner.test/slow").mock(side_effect=httpx.ReadTimeout("slow"))

    with _Partner(base_url="http://partner.test") as partner:
        partner.request("GET", "/ok")
        with pytest.raises(Exception):  # noqa: B017, PT011
            partner.request("GET", "/down")
        with pytest.raises(ServiceTimeout):
            partner.request("GET", "/slow")

    samples = scrape(client)
    for outcome in ("2xx", "5xx", "timeout"):
        labels = ("outcome", outcome), ("system", "metrics-partner")
        assert samples[("backoffice_external_calls_total", labels)] == 1, outcome
        assert samples[("backoffice_external_call_duration_seconds_count", labels)] == 1


def test_a_call_that_fails_before_an_answer_is_an_error():
    assert metrics.external_outcome(None, httpx.ConnectError("refused")) == "error"
    assert metrics.external_outcome(None, httpx.ConnectTimeout("slow")) == "timeout"
    assert metrics.external_outcome(404) == "4xx"


# --- database state at scrape time --------------------------------------------------------------


def test_queues_report_the_age_of_their_oldest_due_row(client):
    from evaluations.models import Evaluation
    from loans.models import LoanApplication, Status
    from workflows.models import RunStatus, WorkflowRun
    from workflows.services import workflow_run_start

    now = timezone.now()
    loan = {"first_name": "A", "last_name": "B", "email": "a@b.test", "amount": "10.00"}
    LoanApplication.objects.create(
        **loan, status=Status.NEW, next_attempt_at=now - timedelta(seconds=40)
    )
    LoanApplication.objects.create(
        **loan, status=Status.NEW, next_attempt_at=now + timedelta(hours=1)
    )
    LoanApplication.objects.create(
        **loan, status=Status.PENDING, next_attempt_at=now - timedelta(seconds=300)
    )
    Evaluation.objects.create(
        kind="SIREN", value="732829320", state="favorable", reason="company_opened", score=10,
        last_evaluated_at=now, reevaluation_due=True,
        reevaluation_due_since=now - timedelta(seconds=900),
    )  # fmt: skip
    run = workflow_run_start(key="customer_income_expenditure", actor="metrics")
    WorkflowRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, updated_at=now - timedelta(seconds=120)
    )

    samples = scrape(client)

    def age(queue: str) -> float:
        return samples[("backoffice_queue_oldest_due_age_seconds", (("queue", queue),))]

    assert 40 <= age("loans_submissions") < 100
    assert 300 <= age("loans_polls") < 360
    assert 900 <= age("evaluations_reevaluations") < 960
    assert 120 <= age("workflows_steps") < 180
    assert samples[("backoffice_loans_applications", (("status", "new"),))] == 2
    assert samples[("backoffice_loans_applications", (("status", "pending"),))] == 1
    assert samples[("backoffice_loans_applications", (("status", "failed"),))] == 0


def test_empty_queues_are_zero_and_no_pass_means_no_pass_figures(client):
    samples = scrape(client)

    for queue in (
        "loans_submissions",
        "loans_polls",
        "evaluations_reevaluations",
        "workflows_steps",
    ):
        assert samples[("backoffice_queue_oldest_due_age_seconds", (("queue", queue),))] == 0
    assert not any(name.startswith("backoffice_evaluations_decay_pass") for name, _ in samples)


def test_the_last_finished_nightly_pass_gives_its_duration_and_counts(client):
    from evaluations.models import DecayPass

    started = timezone.now() - timedelta(hours=3)
    DecayPass.objects.create(
        date=datetime.date(2026, 1, 1), chunk_size=10, started_at=started,
        finished_at=started + timedelta(seconds=42), favorable_decayed=7, marked_due=3,
    )  # fmt: skip
    DecayPass.objects.create(date=datetime.date(2026, 1, 2), chunk_size=10)  # still running

    samples = scrape(client)

    assert samples[("backoffice_evaluations_decay_pass_duration_seconds", ())] == 42
    finished = samples[("backoffice_evaluations_decay_pass_finished_timestamp_seconds", ())]
    assert finished == pytest.approx((started + timedelta(seconds=42)).timestamp())
    rows = "backoffice_evaluations_decay_pass_rows"
    assert samples[(rows, (("outcome", "favorable_decayed"),))] == 7
    assert samples[(rows, (("outcome", "marked_due"),))] == 3
    assert samples[(rows, (("outcome", "reached_zero"),))] == 0


def test_a_nightly_pass_run_shows_on_the_next_scrape(client):
    from evaluations.services import decay_pass_run

    decay_pass_run(on_date=timezone.localdate())

    samples = scrape(client)

    assert samples[("backoffice_evaluations_decay_pass_duration_seconds", ())] >= 0
    assert ("backoffice_evaluations_decay_pass_rows", (("outcome", "marked_due"),)) in samples


def test_a_part_that_fails_leaves_the_rest(client, monkeypatch):
    import loans.selectors

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(loans.selectors, "loan_application_status_counts", broken)

    samples = scrape(client)

    assert not any(name == "backoffice_loans_applications" for name, _ in samples)
    assert any(name == "backoffice_queue_oldest_due_age_seconds" for name, _ in samples)


# --- processes ----------------------------------------------------------------------------------

_WRITER = """
import sys
from core import metrics
metrics.observe_task(task="multi.task", outcome="success", seconds=0.5)
metrics.observe_external_call(system="multi", outcome="2xx", seconds=0.1)
"""


def _write_in_a_process(directory) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    subprocess.run([sys.executable, "-c", _WRITER], env=env, check=True, timeout=60)


@pytest.mark.integration
def test_multiprocess_mode_aggregates_every_process_in_one_scrape(client, tmp_path, monkeypatch):
    _write_in_a_process(tmp_path)
    _write_in_a_process(tmp_path)
    assert len(list(tmp_path.glob("*.db"))) >= 2  # one file per process and kind

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape(client)

    labels = ("outcome", "success"), ("task", "multi.task")
    assert samples[("backoffice_celery_tasks_total", labels)] == 2
    assert samples[("backoffice_celery_task_duration_seconds_sum", labels)] == 1.0
    assert (
        samples[("backoffice_external_calls_total", (("outcome", "2xx"), ("system", "multi")))] == 2
    )
    assert ("backoffice_loans_applications", (("status", "new"),)) in samples  # and the database


def test_gunicorn_child_exit_marks_the_worker_dead(tmp_path, monkeypatch):
    import importlib.util

    from django.conf import settings

    spec = importlib.util.spec_from_file_location(
        "gunicorn_conf", settings.BASE_DIR / "config/gunicorn.py"
    )
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    (tmp_path / "counter_4242.db").write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    config.child_exit(server=None, worker=type("W", (), {"pid": 4242}))

    assert not (tmp_path / "gauge_livesum_4242.db").exists()
    assert (tmp_path / "counter_4242.db").exists()  # counts survive their process


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_serves_its_tasks_and_the_web_aggregates_them(client, tmp_path, monkeypatch):
    """The production topology on one machine: a prefork worker writes to the shared
    directory, its main process serves it on METRICS_PORT, and the web's /metrics shows it."""
    from tests.harness.worker import start_worker

    port = 18231
    worker = start_worker(
        queues="metrics-test",
        concurrency=1,
        env={
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
            "METRICS_PORT": str(port),
            "METRICS_TOKEN": "worker-scrape-token",
        },
    )
    try:
        heartbeat.apply_async(kwargs={"queue": "metrics-test"}, queue="metrics-test")
        labels = ("outcome", "success"), ("task", "core.heartbeat")

        def served() -> float:
            try:
                answer = httpx.get(
                    f"http://127.0.0.1:{port}/metrics",
                    headers={"Authorization": "Bearer worker-scrape-token"},
                    timeout=2,
                )
            except httpx.HTTPError:
                return 0
            return parse(answer.text).get(("backoffice_celery_tasks_total", labels), 0)

        # the worker's first heartbeat (worker_ready) and ours
        wait_until(lambda: served() >= 1, timeout=60, message="the worker serves its task count")
        # without the token, or with another, the port says nothing
        for headers, status in (({}, 401), ({"Authorization": "Bearer wrong"}, 403)):
            refused = httpx.get(f"http://127.0.0.1:{port}/", headers=headers, timeout=2)
            assert refused.status_code == status
            assert refused.content == b""
    finally:
        worker.stop()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape(client)
    assert samples[("backoffice_celery_tasks_total", labels)] >= 1


def _call(app, headers: dict[str, str]) -> tuple[str, bytes]:
    status: list[str] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": "", **headers}
    body = b"".join(app(environ, lambda s, h: status.append(s)))
    return status[0], body


def test_the_worker_metrics_port_answers_only_the_token():
    from prometheus_client import CollectorRegistry, Counter

    from core.metrics import metrics_wsgi_app

    registry = CollectorRegistry()
    Counter("backoffice_probe", "a probe", registry=registry).inc()
    app = metrics_wsgi_app(registry, "s3cret")

    assert _call(app, {})[0].startswith("401")
    for header in ("Bearer wrong", "Basic s3cret", "s3cret", "Bearer "):
        status, body = _call(app, {"HTTP_AUTHORIZATION": header})
        assert status.startswith("403"), header
        assert body == b""
    status, body = _call(app, {"HTTP_AUTHORIZATION": "Bearer s3cret"})
    assert status.startswith("200")
    assert b"backoffice_probe_total 1.0" in body


def test_a_worker_without_a_token_serves_no_metrics(settings, caplog, monkeypatch):
    from core import metrics

    started = []
    monkeypatch.setattr(metrics, "start_worker_metrics_server", lambda *a, **k: started.append(a))
    settings.METRICS_PORT = 18232
    settings.METRICS_TOKEN = ""
    metrics._worker_ready()
    assert started == []
    assert "worker metrics not served" in caplog.text
    settings.METRICS_TOKEN = "t"
    metrics._worker_ready()
    assert started == [(18232,)]
