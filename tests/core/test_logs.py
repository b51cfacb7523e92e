"""Log lines: JSON (LOG_FORMAT=json) or plain, the request id on each, one access line per
request, and the id of a request followed into the tasks it enqueues, in a real worker."""

import json
import logging
import subprocess
import sys
import uuid
from types import SimpleNamespace

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured
from django.http import JsonResponse
from django.test import override_settings
from django.urls import path
from kombu import Exchange, Queue

from config.settings.base import log_format
from core.logs import JsonFormatter, PlainFormatter
from core.request_id import (
    HEADER,
    TASK_HEADER,
    RequestIdLogFilter,
    current_request_id,
    request_id_scope,
    task_finished,
    task_published,
    task_started,
)
from tests.core.test_settings import GOOD_PRODUCTION_ENV, run_manage
from tests.harness.waiting import wait_until
from tests.harness.worker import REPO_ROOT, start_worker, subprocess_env

logger = logging.getLogger("tests.logs")


def _record(message="hello %s", args=("world",), level=logging.INFO, exc_info=None, **extra):
    record = logging.LogRecord("tests.logs", level, __file__, 1, message, args, exc_info)
    record.__dict__.update(extra)
    RequestIdLogFilter().filter(record)  # what the console handler does
    return record


# --- formats -----------------------------------------------------------------------------------


def test_a_json_line_has_the_fields_and_the_extras():
    application = uuid.uuid4()
    with request_id_scope("req-0123456789"):
        record = _record(application=str(application), attempt=2, amount=None)

    line = JsonFormatter().format(record)

    assert "\n" not in line
    data = json.loads(line)
    assert list(data)[:5] == ["timestamp", "level", "logger", "event", "request_id"]
    assert data["event"] == "hello world"
    assert data["level"] == "info"
    assert data["logger"] == "tests.logs"
    assert data["request_id"] == "req-0123456789"
    assert (data["application"], data["attempt"], data["amount"]) == (str(application), 2, None)
    assert data["timestamp"].endswith("Z")  # ISO 8601, UTC
    assert "T" in data["timestamp"]


def test_a_json_line_carries_the_exception_as_text_and_never_django_s_request_object():
    try:
        raise ValueError("boom")
    except ValueError:
        record = _record(
            "failed",
            (),
            logging.ERROR,
            exc_info=sys.exc_info(),
            request=SimpleNamespace(path="/x?email=a@b.c"),
            when=uuid.UUID(int=1),
        )

    data = json.loads(JsonFormatter().format(record))

    assert data["level"] == "error"
    assert "Traceback" in data["exception"]
    assert "ValueError: boom" in data["exception"]
    assert "request" not in data
    assert "a@b.c" not in json.dumps(data)
    assert data["when"] == str(uuid.UUID(int=1))  # what JSON cannot hold: its str()
    assert data["request_id"] == "-"  # outside any request or task


def test_an_explicit_request_id_is_kept_by_the_filter():
    with request_id_scope("the-current-one"):
        record = _record(request_id="the-creating-request")

    assert record.request_id == "the-creating-request"


def test_the_plain_line_shows_the_extras_after_the_message(settings):
    formatter = PlainFormatter(settings.LOGGING["formatters"]["plain"]["format"])
    with request_id_scope("abcdef0123456789"):
        record = _record(application="a-1", status="pending")

    line = formatter.format(record)

    assert line.endswith(
        "[abcdef0123456789] tests.logs: hello world application=a-1 status=pending"
    )


def test_log_format_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert log_format("plain") == "plain"
    assert log_format("json") == "json"
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert log_format("plain") == "json"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        log_format("plain")


def test_with_log_format_json_django_s_logging_writes_json_lines():
    """The settings as a process loads them: every line on stderr is one JSON object."""
    code = (
        "import django, logging; django.setup(); "
        "from core.request_id import request_id_scope\n"
        "with request_id_scope('proc-12345678'):\n"
        "    logging.getLogger('loans.x').info('loan application polled', "
        "extra={'application': 'app-1'})\n"
        "logging.getLogger('django.request').warning('Not Found: /x')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=subprocess_env({"LOG_FORMAT": "json"}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["event"], line["request_id"]) for line in lines] == [
        ("loan application polled", "proc-12345678"),
        ("Not Found: /x", "-"),
    ]
    assert lines[0]["application"] == "app-1"


@pytest.mark.parametrize(("log_format", "json_lines"), [(None, True), ("plain", False)])
def test_production_writes_json_lines_unless_told_otherwise(log_format, json_lines):
    code = "import logging; logging.getLogger('loans.x').warning('hello from production')"
    result = run_manage({**GOOD_PRODUCTION_ENV, "LOG_FORMAT": log_format}, "shell", "-c", code)

    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stderr.splitlines() if "hello from production" in line]
    if json_lines:
        data = json.loads(line)
        assert (data["event"], data["level"], data["request_id"]) == (
            "hello from production",
            "warning",
            "-",
        )
    else:
        assert line.endswith("WARNING [-] loans.x: hello from production")


# --- access log ---------------------------------------------------------------------------------


@login_not_required
def _answer(request, pk):
    return JsonResponse({"pk": pk}, status=201)


urlpatterns = [path("things/<int:pk>/", _answer)]


@override_settings(ROOT_URLCONF=__name__)
def test_one_access_line_per_request_without_the_query_string(client, caplog):
    with caplog.at_level(logging.DEBUG, logger="core.access"):
        response = client.get("/things/7/?email=ada@example.com", HTTP_X_REQUEST_ID="access-0001")

    [record] = [r for r in caplog.records if r.name == "core.access"]
    assert response.status_code == 201
    assert record.getMessage() == "request finished"
    assert record.levelno == logging.INFO
    assert (record.method, record.route, record.path, record.status) == (
        "GET",
        "things/<int:pk>/",
        "/things/7/",
        201,
    )
    assert record.duration_ms >= 0
    assert record.request_id == "access-0001"  # written inside the request id's scope
    assert "ada@example.com" not in caplog.text


@pytest.mark.django_db
def test_a_path_nothing_matches_is_logged_without_route_or_query(client, caplog):
    with caplog.at_level(logging.DEBUG, logger="core.access"):
        response = client.get("/no-such-page/\x1b[31m?q=secret")

    [record] = [r for r in caplog.records if r.name == "core.access"]
    assert (record.route, record.status) == ("", response.status_code)
    assert record.path == "/no-such-page/?[31m"  # control characters never reach a line
    assert "secret" not in JsonFormatter().format(record)


@pytest.mark.django_db
def test_health_probes_are_logged_at_debug_only(client, caplog):
    with caplog.at_level(logging.DEBUG, logger="core.access"):
        client.get("/healthz")

    [record] = [r for r in caplog.records if r.name == "core.access"]
    assert record.levelno == logging.DEBUG
    assert record.status == 200


# --- the request id goes into the tasks a request enqueues ------------------------------------


def test_publishing_adds_the_current_id_to_the_headers_and_a_task_serves_under_it():
    headers = {}
    task_published(headers=headers)
    assert headers == {}  # outside a request: nothing to carry
    with request_id_scope("web-req-0001"):
        task_published(headers=headers)
    assert headers == {TASK_HEADER: "web-req-0001"}

    task = SimpleNamespace(name="core.ping", request=SimpleNamespace(get=headers.get))
    task_started(task_id="task-0001-aaaa", task=task)
    try:
        assert current_request_id() == "web-req-0001"
        record = _record()
        assert (record.request_id, record.task_id, record.task) == (
            "web-req-0001",
            "task-0001-aaaa",
            "core.ping",
        )
    finally:
        task_finished(task_id="task-0001-aaaa")
    assert current_request_id() == ""
    assert not hasattr(_record(), "task_id")


def test_a_task_sent_from_nowhere_serves_under_its_own_id():
    task = SimpleNamespace(name="x", request=SimpleNamespace(get=lambda key, default=None: None))
    task_started(task_id="task-0002-bbbb", task=task)
    try:
        assert current_request_id() == "task-0002-bbbb"
    finally:
        task_finished(task_id="task-0002-bbbb")


@login_not_required
def _enqueue_ping(request):
    from django.conf import settings

    from core.tasks import enqueue_on_commit, ping

    # An id no WorkerPing has: the task logs "ping ... already done or unknown".
    enqueue_on_commit(ping, request.GET["ping"], queue=settings.TEST_LOGS_QUEUE)
    return JsonResponse({"request_id": current_request_id()})


urlpatterns.append(path("enqueue-ping/", _enqueue_ping))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_in_a_request_logs_that_request_s_id_in_a_real_worker(client, settings):
    """A worker of its own (JSON lines, a queue of its own so the session's worker keeps out)."""
    name = f"logs-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_QUEUES = (
        *settings.CELERY_TASK_QUEUES,
        Queue(name, Exchange(name), routing_key=name),
    )
    settings.TEST_LOGS_QUEUE = name
    settings.ROOT_URLCONF = __name__
    ping_id = str(uuid.uuid4())
    worker = start_worker(queues=name, concurrency=1, env={"LOG_FORMAT": "json"})
    try:
        response = client.get(f"/enqueue-ping/?ping={ping_id}", HTTP_X_REQUEST_ID="web-7f3a9c01")
        assert response[HEADER] == "web-7f3a9c01"

        def ping_line():
            for line in worker.log().splitlines():
                if line.startswith("{") and ping_id in line:
                    return json.loads(line)
            return None

        line = wait_until(ping_line, timeout=30, message="the worker logged the ping")
    finally:
        worker.stop()
    assert line["event"] == f"ping {ping_id} already done or unknown; nothing to do"
    assert line["request_id"] == "web-7f3a9c01"
    assert line["task"] == "core.ping"
    assert line["task_id"] not in ("", "web-7f3a9c01")  # its own id, kept apart
    assert line["logger"] == "core.tasks"
