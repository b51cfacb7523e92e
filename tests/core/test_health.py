"""/healthz (process up) and /readyz (database and broker answer; queues consumed), which
anonymous callers reach: sentences naming what failed, never an address or an exception."""

import logging
import socket
from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError
from django.utils import timezone

from core import health, present
from core.models import QueueHeartbeat
from core.request_id import HEADER


def test_healthz_answers_without_login_or_database(client):
    # No `db` fixture: any database access in this view would raise here.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def _beat(queue: str, at) -> None:
    QueueHeartbeat.objects.update_or_create(
        queue=queue, defaults={"received_at": at, "hostname": "worker-7.internal", "pid": 42}
    )


@pytest.fixture
def workers_alive(db):
    for queue in ("default", "polling"):
        _beat(queue, timezone.now())


def test_readyz_is_ready_when_database_and_broker_answer_and_queues_are_consumed(
    client, workers_alive
):
    response = client.get("/readyz")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert (body["failed"], body["degraded"]) == ([], [])
    assert body["checks"]["database"] == {"ok": True, "ms": body["checks"]["database"]["ms"],
                                          "error": ""}  # fmt: skip
    assert body["checks"]["broker"]["ok"] is True
    assert body["queues"]["polling"]["ok"] is True
    assert "worker-7" not in response.content.decode()  # host names stay inside


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens here once the socket is closed


def _logged_under(caplog, response, needle: str) -> bool:
    return any(
        record.request_id == response[HEADER]
        and needle in (record.getMessage() + (record.exc_text or ""))
        for record in caplog.records
        if record.name == "core.health"
    )


def test_readyz_names_the_broker_when_it_is_down_without_its_address(
    client, monkeypatch, workers_alive, caplog
):
    port = _closed_port()
    url = f"redis://127.0.0.1:{port}/0"
    monkeypatch.setattr(health, "_broker_settings", lambda: (url, {"socket_connect_timeout": 1}))

    with caplog.at_level(logging.WARNING, logger="core.health"):
        response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["error"] == "the broker did not answer"
    text = response.content.decode()
    for leak in (str(port), "127.0.0.1", "redis", "Error", "refused"):
        assert leak not in text
    # The detail is in the log, under the probe's request id.
    assert _logged_under(caplog, response, str(port))


def test_readyz_names_a_missing_filesystem_broker_folder_without_its_path(
    client, monkeypatch, tmp_path, workers_alive, caplog
):
    options = {"data_folder_in": str(tmp_path / "gone"), "control_folder": str(tmp_path)}
    monkeypatch.setattr(health, "_broker_settings", lambda: ("filesystem://", options))

    with caplog.at_level(logging.WARNING, logger="core.health"):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert response.json()["checks"]["broker"]["error"] == (
        "the broker's message folder is missing or cannot be written"
    )
    assert str(tmp_path) not in response.content.decode()
    assert _logged_under(caplog, response, str(tmp_path / "gone"))


def test_readyz_names_the_database_when_it_fails(client, monkeypatch, db, caplog):
    def broken() -> None:
        raise OperationalError('could not connect to server at "db.internal" (10.0.0.5)')

    monkeypatch.setattr(health, "_check_database", broken)

    with caplog.at_level(logging.WARNING, logger="core.health"):
        response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert body["checks"]["database"]["error"] == "the database did not answer"
    assert body["queues"] == {}  # not read without the database
    assert "10.0.0.5" not in response.content.decode()
    assert "db.internal" not in response.content.decode()
    assert _logged_under(caplog, response, "10.0.0.5")


# --- queues: a worker that stops consuming ----------------------------------------------------


@pytest.mark.django_db
def test_a_stale_heartbeat_makes_readyz_degraded_naming_the_queue(client, settings):
    settings.QUEUE_HEARTBEAT_STALE_AFTER = 90
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _beat("default", start)
        _beat("polling", start)

        clock.move_to(start + timedelta(seconds=89))
        _beat("default", timezone.now())  # the default worker keeps consuming
        assert client.get("/readyz").json()["status"] == "ready"

        clock.move_to(start + timedelta(seconds=91))
        response = client.get("/readyz")

    assert response.status_code == 200  # a dead worker does not take the web out of rotation
    body = response.json()
    assert body["status"] == "degraded"
    assert (body["failed"], body["degraded"]) == ([], ["polling"])
    assert body["queues"]["polling"] == {
        "ok": False,
        "last_heartbeat_at": start.isoformat(),
        "seconds_since": 91.0,
        "error": "no worker has taken work from the polling queue for 1 min 31 s",
    }
    assert body["queues"]["default"]["ok"] is True


@pytest.mark.django_db
def test_a_queue_never_heard_from_is_degraded(client):
    _beat("default", timezone.now())

    body = client.get("/readyz").json()

    assert body["degraded"] == ["polling"]
    assert body["queues"]["polling"]["error"] == (
        "no worker has taken work from the polling queue yet (no heartbeat)"
    )


@pytest.mark.django_db
def test_the_dashboard_warns_naming_the_queue_and_since_when(client, user_factory, settings):
    settings.QUEUE_HEARTBEAT_STALE_AFTER = 90
    client.force_login(user_factory(username="ops"))
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        _beat("default", start)
        _beat("polling", start)
        assert "background-work-alert" not in client.get("/").text

        clock.move_to(start + timedelta(minutes=6))
        _beat("default", timezone.now())
        page = client.get("/").text

    alert = page.split('id="background-work-alert"')[1].split("</section>")[0]
    assert 'data-queue="polling"' in alert
    assert 'data-queue="default"' not in alert
    assert "asking the bank for loan decisions" in alert
    assert f'datetime="{timezone.localtime(start).isoformat()}"' in alert
    assert f">{present.moment(start, seconds=True)}</time> (6 min 00 s ago)." in alert
    assert "for 1 min 30 s." in alert  # the threshold
    assert "celery -A config worker -Q polling" in alert
    assert "beat" not in alert.split("What to do")[1].split("A queue is reported")[0]


@pytest.mark.django_db
def test_every_queue_stopped_suggests_beat_is_down_too(client, user_factory):
    client.force_login(user_factory(username="ops2"))

    alert = client.get("/").text.split('id="background-work-alert"')[1].split("</section>")[0]

    assert "no heartbeat received" in alert
    assert "beat, which sends each queue a heartbeat" in alert
