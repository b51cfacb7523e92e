"""Injected faults behave like the real failures they stand for."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.harness.simulators import SimulatorsProcess
from tests.simulators.helpers import assert_json, new_application

pytestmark = pytest.mark.integration


def test_error_rate_answers_503_without_creating(
    bank: httpx.Client, simulators: SimulatorsProcess
) -> None:
    simulators.configure("bank", error_rate=1)
    payload = new_application()

    assert_json(bank.post("/api/applications", json=payload), 503, {"error": "simulated failure"})

    assert simulators.applications() == []
    stats = simulators.stats("bank")
    assert stats["faults"] == {"errors": 1, "timeouts": 0}
    assert stats["applications_created"] == 0
    simulators.configure("bank", error_rate=0)
    assert bank.post("/api/applications", json=payload).status_code == 201


def test_timeout_rate_processes_but_never_answers_in_time(
    bank: httpx.Client, simulators: SimulatorsProcess
) -> None:
    simulators.configure("bank", timeout_rate=1, hang_seconds=2)
    payload = new_application()

    with pytest.raises(httpx.TimeoutException):
        bank.post("/api/applications", json=payload, timeout=0.3)

    assert [app["id"] for app in simulators.applications()] == [payload["id"]]
    simulators.configure("bank", timeout_rate=0)
    response = bank.post("/api/applications", json=payload)
    assert_json(response, 400, {"error": "the application ID is already used"})
    stats = simulators.stats("bank")
    assert stats["faults"] == {"errors": 0, "timeouts": 1}
    assert (stats["applications_created"], stats["duplicate_posts"]) == (1, 1)


def test_fixed_latency_delays_the_answer(bank: httpx.Client, simulators: SimulatorsProcess) -> None:
    simulators.configure("bank", latency_ms=200)

    started = time.monotonic()
    response = bank.get("/api/jobs")
    elapsed = time.monotonic() - started

    assert response.status_code == 400
    assert elapsed >= 0.2


def test_control_endpoints_ignore_faults(simulators: SimulatorsProcess) -> None:
    simulators.configure("bank", latency_ms=2000, error_rate=1)
    client = simulators.client

    started = time.monotonic()
    assert client.get("/_health").status_code == 200
    assert client.get("/_control/bank/stats").status_code == 200
    assert client.get("/_control/bank/applications").status_code == 200
    assert time.monotonic() - started < 1.0


def _outcomes(bank: httpx.Client, simulators: SimulatorsProcess, seed: int) -> list[tuple]:
    """Create the same applications under ``seed``; what the bank decided for each."""
    simulators.reset("bank")
    simulators.configure(
        "bank", seed=seed, decision_seconds="1-100", latency_ms="0-5", error_rate=0.3
    )
    statuses = []
    for number in range(12):
        payload = new_application(id=f"00000000-0000-4000-8000-{number:012d}")
        statuses.append(bank.post("/api/applications", json=payload).status_code)
    decisions = [
        (app["id"], app["job_id"], app["outcome"], round(app["decide_at"] - app["created_at"], 3))
        for app in simulators.applications()
    ]
    return [*statuses, *decisions]


def test_seed_makes_runs_reproducible(bank: httpx.Client, simulators: SimulatorsProcess) -> None:
    first = _outcomes(bank, simulators, seed=42)
    again = _outcomes(bank, simulators, seed=42)
    other = _outcomes(bank, simulators, seed=7)

    assert first == again
    assert other != first
    # The faults were drawn from the seed too.
    assert 503 in first
    assert 201 in first
