"""/healthz (process up) and /readyz (database and broker answer)."""

import socket

import pytest
from django.db import OperationalError

from core import health


def test_healthz_answers_without_login_or_database(client):
    # No `db` fixture: any database access in this view would raise here.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_when_database_and_broker_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens here once the socket is closed


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_down(client, monkeypatch):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    monkeypatch.setattr(health, "_broker_settings", lambda: (url, {"socket_connect_timeout": 1}))

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["error"]


@pytest.mark.django_db
def test_readyz_names_a_missing_filesystem_broker_folder(client, monkeypatch, tmp_path):
    options = {"data_folder_in": str(tmp_path / "gone"), "control_folder": str(tmp_path)}
    monkeypatch.setattr(health, "_broker_settings", lambda: ("filesystem://", options))

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert "gone" in response.json()["checks"]["broker"]["error"]


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_fails(client, monkeypatch):
    def broken() -> None:
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(health, "_check_database", broken)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert "could not connect" in response.json()["checks"]["database"]["error"]
