"""The bank simulator honours the partner's contract, through a real socket."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.harness.simulators import SimulatorsProcess
from tests.harness.waiting import wait_until
from tests.simulators.helpers import assert_json, new_application

pytestmark = pytest.mark.integration

INVALID_PAYLOAD = {"error": "the request payload is not valid."}


def job_status(bank: httpx.Client, application_id: str) -> str:
    response = bank.get("/api/jobs", params={"application_id": application_id})
    assert response.status_code == 200, response.text
    return response.json()["status"]


class TestCreateApplication:
    def test_created_pending(self, bank: httpx.Client) -> None:
        payload = new_application()
        response = bank.post("/api/applications", json=payload)
        assert_json(response, 201, {**payload, "status": "pending"})

    @pytest.mark.parametrize("field", ["id", "first_name", "last_name"])
    def test_missing_field(self, bank: httpx.Client, field: str) -> None:
        payload = new_application()
        del payload[field]
        assert_json(bank.post("/api/applications", json=payload), 400, INVALID_PAYLOAD)

    @pytest.mark.parametrize("field", ["id", "first_name", "last_name"])
    def test_field_not_a_string(self, bank: httpx.Client, field: str) -> None:
        payload = new_application(**{field: 12})
        assert_json(bank.post("/api/applications", json=payload), 400, INVALID_PAYLOAD)

    def test_id_not_a_uuid(self, bank: httpx.Client) -> None:
        payload = new_application(id="not-a-uuid")
        assert_json(bank.post("/api/applications", json=payload), 400, INVALID_PAYLOAD)

    @pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b""])
    def test_body_not_a_json_object(self, bank: httpx.Client, body: bytes) -> None:
        response = bank.post(
            "/api/applications", content=body, headers={"content-type": "application/json"}
        )
        assert_json(response, 400, INVALID_PAYLOAD)

    def test_id_already_used(self, bank: httpx.Client) -> None:
        payload = new_application()
        assert bank.post("/api/applications", json=payload).status_code == 201
        response = bank.post("/api/applications", json=new_application(id=payload["id"]))
        assert_json(response, 400, {"error": "the application ID is already used"})

    def test_payload_checked_before_reuse(self, bank: httpx.Client) -> None:
        payload = new_application()
        assert bank.post("/api/applications", json=payload).status_code == 201
        invalid_reuse = {"id": payload["id"], "first_name": "Ada"}
        assert_json(bank.post("/api/applications", json=invalid_reuse), 400, INVALID_PAYLOAD)


class TestGetJob:
    def test_missing_param(self, bank: httpx.Client) -> None:
        assert_json(bank.get("/api/jobs"), 400, {"error": "application_id is missing"})

    def test_invalid_uuid(self, bank: httpx.Client) -> None:
        response = bank.get("/api/jobs", params={"application_id": "nope"})
        assert_json(response, 400, {"error": "application_id is not a valid uuid"})

    def test_unknown_application(self, bank: httpx.Client) -> None:
        response = bank.get("/api/jobs", params={"application_id": str(uuid.uuid4())})
        assert_json(
            response, 404, {"error": "failed to get job, the application_id doesn't exist."}
        )

    def test_pending_before_decision(
        self, bank: httpx.Client, simulators: SimulatorsProcess
    ) -> None:
        payload = new_application()
        bank.post("/api/applications", json=payload)
        response = bank.get("/api/jobs", params={"application_id": payload["id"]})
        [stored] = simulators.applications()
        assert_json(
            response,
            200,
            {"id": stored["job_id"], "application_id": payload["id"], "status": "pending"},
        )
        uuid.UUID(stored["job_id"])
        # Default decision delay is 5-20 s, so still pending when we asked.
        assert 5 <= stored["decide_at"] - stored["created_at"] <= 20

    @pytest.mark.parametrize(("approval_rate", "outcome"), [(1, "completed"), (0, "rejected")])
    def test_decision_after_delay(
        self,
        bank: httpx.Client,
        simulators: SimulatorsProcess,
        approval_rate: int,
        outcome: str,
    ) -> None:
        simulators.configure("bank", decision_seconds="0.2-0.4", approval_rate=approval_rate)
        payload = new_application()
        bank.post("/api/applications", json=payload)

        wait_until(
            lambda: job_status(bank, payload["id"]) == outcome,
            timeout=3,
            message=f"job {outcome}",
        )

        [stored] = simulators.applications()
        assert stored["outcome"] == stored["status_now"] == outcome
        assert 0.2 <= stored["decide_at"] - stored["created_at"] <= 0.4


def test_unknown_route_answers_json(bank: httpx.Client) -> None:
    assert_json(bank.get("/api/nothing"), 404, {"error": "not found"})
    assert_json(bank.delete("/api/jobs"), 405, {"error": "method not allowed"})
