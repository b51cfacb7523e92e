"""The /_control API: settings, validation, reset, statistics and bank extras."""

from __future__ import annotations

import httpx
import pytest

from simulators.systems import SYSTEMS
from tests.harness.simulators import SimulatorsProcess
from tests.simulators.helpers import assert_json, new_application

pytestmark = pytest.mark.integration

ALL_SYSTEMS = [system.name for system in SYSTEMS]

BANK_DEFAULTS = {
    "latency_ms": [0.0, 0.0],
    "error_rate": 0.0,
    "timeout_rate": 0.0,
    "hang_seconds": 30.0,
    "seed": None,
    "decision_seconds": [5.0, 20.0],
    "approval_rate": 0.5,
}


def test_health_lists_systems(simulators: SimulatorsProcess) -> None:
    assert_json(simulators.client.get("/_health"), 200, {"status": "ok", "systems": ALL_SYSTEMS})


def test_configs(simulators: SimulatorsProcess) -> None:
    assert sorted(simulators.config()) == sorted(ALL_SYSTEMS)
    assert simulators.config()["bank"] == BANK_DEFAULTS
    assert simulators.config("bank") == BANK_DEFAULTS


def test_patch_accepts_every_range_form(simulators: SimulatorsProcess) -> None:
    config = simulators.configure(
        "bank", latency_ms="50-200", decision_seconds=[1, 2.5], hang_seconds="3", seed=5
    )
    assert config == {
        **BANK_DEFAULTS,
        "latency_ms": [50.0, 200.0],
        "decision_seconds": [1.0, 2.5],
        "hang_seconds": 3.0,
        "seed": 5,
    }
    assert simulators.configure("bank", latency_ms=75)["latency_ms"] == [75.0, 75.0]
    assert simulators.config("bank")["latency_ms"] == [75.0, 75.0]


def test_patch_reports_every_bad_field(simulators: SimulatorsProcess) -> None:
    response = simulators.client.patch(
        "/_control/bank",
        json={"error_rate": 2, "latency_ms": "200-50", "colour": "red", "approval_rate": 0.1},
    )

    assert response.status_code == 400
    body = response.json()
    assert body["fields"]["error_rate"] == ["must be between 0 and 1"]
    assert body["fields"]["latency_ms"] == ["must have its minimum <= its maximum"]
    assert body["fields"]["colour"][0].startswith("unknown setting")
    assert "approval_rate" not in body["fields"]
    assert "bank.error_rate must be between 0 and 1, got 2" in body["error"]
    assert simulators.config("bank") == BANK_DEFAULTS  # all-or-nothing


@pytest.mark.parametrize("body", [b"[]", b"nope", b'"x"'])
def test_patch_body_must_be_an_object(simulators: SimulatorsProcess, body: bytes) -> None:
    response = simulators.client.patch("/_control/bank", content=body)
    assert_json(response, 400, {"error": "the body must be a JSON object", "fields": {}})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_control/nowhere"),
        ("PATCH", "/_control/nowhere"),
        ("POST", "/_control/nowhere/reset"),
        ("GET", "/_control/nowhere/stats"),
    ],
)
def test_unknown_system(simulators: SimulatorsProcess, method: str, path: str) -> None:
    response = simulators.client.request(method, path, json={})
    assert_json(response, 404, {"error": "unknown system 'nowhere'", "systems": ALL_SYSTEMS})


def test_reset_restores_startup_settings_state_and_counters(
    bank: httpx.Client, simulators: SimulatorsProcess
) -> None:
    simulators.configure("bank", approval_rate=0.9, seed=3)
    bank.post("/api/applications", json=new_application())

    response = simulators.client.post("/_control/bank/reset")

    assert_json(response, 200, {"reset": ["bank"], "config": BANK_DEFAULTS})
    assert simulators.applications() == []
    assert simulators.stats("bank")["requests_total"] == 0


def test_stats_count_requests_and_duplicates(
    bank: httpx.Client, simulators: SimulatorsProcess
) -> None:
    payload = new_application()
    for _ in range(3):
        bank.post("/api/applications", json=payload)
    bank.post("/api/applications", json=new_application())
    bank.get("/api/jobs", params={"application_id": payload["id"]})

    assert simulators.stats("bank") == {
        "system": "bank",
        "requests": {"POST /api/applications": 4, "GET /api/jobs": 1},
        "requests_total": 5,
        "faults": {"errors": 0, "timeouts": 0},
        "applications": 2,
        "applications_created": 2,
        "duplicate_posts": 2,
        "posts_per_id": {payload["id"]: 3, **_single_other_post(simulators, payload["id"])},
    }


def _single_other_post(simulators: SimulatorsProcess, known_id: str) -> dict[str, int]:
    return {app["id"]: 1 for app in simulators.applications() if app["id"] != known_id}


def test_forgotten_application_is_unknown(
    bank: httpx.Client, simulators: SimulatorsProcess
) -> None:
    payload = new_application()
    bank.post("/api/applications", json=payload)

    simulators.forget_application(payload["id"])

    response = bank.get("/api/jobs", params={"application_id": payload["id"]})
    assert response.status_code == 404
    assert simulators.applications() == []
    assert simulators.client.delete(f"/_control/bank/applications/{payload['id']}").json() == {
        "error": "unknown application"
    }
    # Lost by the bank, so the id can be sent again.
    assert bank.post("/api/applications", json=payload).status_code == 201


def test_applications_listing(bank: httpx.Client, simulators: SimulatorsProcess) -> None:
    simulators.configure("bank", approval_rate=1)
    payload = new_application()
    bank.post("/api/applications", json=payload)

    [stored] = simulators.applications()

    assert set(stored) == {"id", "job_id", "created_at", "decide_at", "status_now", "outcome"}
    assert (stored["id"], stored["status_now"], stored["outcome"]) == (
        payload["id"],
        "pending",
        "completed",
    )
