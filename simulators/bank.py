"""The bank partner: receives loan applications and decides on them asynchronously.

Contract (must stay byte-compatible with the real partner):

- ``POST /api/applications`` ``{"id", "first_name", "last_name"}`` -> 201 with
  ``status: "pending"``; 400 for an invalid payload, then 400 for a reused id.
- ``GET /api/jobs?application_id=<uuid>`` -> 200 ``{"id", "application_id", "status"}``
  where status is ``pending`` until ``decision_seconds`` have passed, then
  ``completed`` or ``rejected`` (drawn with ``approval_rate``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from simulators.config import FaultConfig, Range, parse_probability, parse_range, spec
from simulators.core import Endpoint, System, error_response, json_response

INVALID_PAYLOAD = "the request payload is not valid."
ID_ALREADY_USED = "the application ID is already used"
APPLICATION_ID_MISSING = "application_id is missing"
APPLICATION_ID_INVALID = "application_id is not a valid uuid"
APPLICATION_UNKNOWN = "failed to get job, the application_id doesn't exist."

REQUIRED_FIELDS = ("id", "first_name", "last_name")


@dataclass(frozen=True)
class BankConfig(FaultConfig):
    decision_seconds: Range = field(
        default=Range(5, 20),
        metadata=spec(parse_range, "delay before a decision, fixed or min-max in seconds"),
    )
    approval_rate: float = field(
        default=0.5,
        metadata=spec(parse_probability, "share of applications completed, others rejected"),
    )


@dataclass(frozen=True)
class Application:
    """What the bank stores; the decision is drawn at creation and revealed at decide_at."""

    id: str
    first_name: str
    last_name: str
    job_id: str
    created_at: float
    decide_at: float
    outcome: str

    def status_at(self, now: float) -> str:
        return self.outcome if now >= self.decide_at else "pending"

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "job_id": self.job_id,
            "created_at": self.created_at,
            "decide_at": self.decide_at,
            "status_now": self.status_at(now),
            "outcome": self.outcome,
        }


def parse_uuid(value: object) -> str | None:
    """The canonical form of a UUID string, or None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


class Bank(System):
    name = "bank"
    config_class = BankConfig
    config: BankConfig

    def reset_state(self) -> None:
        self.applications: dict[str, Application] = {}
        self.posts_per_id: Counter[str] = Counter()
        self.applications_created = 0
        self.duplicate_posts = 0

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("POST", "/api/applications", self.create_application),
            Endpoint("GET", "/api/jobs", self.get_job),
        ]

    def control_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_control/bank/applications", self.list_applications),
            web.delete("/_control/bank/applications/{id}", self.forget_application),
        ]

    def extra_stats(self) -> dict[str, Any]:
        return {
            "applications": len(self.applications),
            "applications_created": self.applications_created,
            "duplicate_posts": self.duplicate_posts,
            "posts_per_id": dict(self.posts_per_id),
        }

    # --- public API -------------------------------------------------------------------

    async def create_application(self, request: web.Request) -> web.Response:
        payload = await self._read_payload(request)
        if payload is None:
            return error_response(INVALID_PAYLOAD)
        application_id = parse_uuid(payload["id"])
        if application_id is None:
            return error_response(INVALID_PAYLOAD)
        self.posts_per_id[application_id] += 1
        if application_id in self.applications:
            self.duplicate_posts += 1
            return error_response(ID_ALREADY_USED)
        application = self._decide(application_id, payload["first_name"], payload["last_name"])
        self.applications[application_id] = application
        self.applications_created += 1
        return json_response(
            {
                "id": application.id,
                "first_name": application.first_name,
                "last_name": application.last_name,
                "status": "pending",
            },
            status=201,
        )

    async def get_job(self, request: web.Request) -> web.Response:
        raw_id = request.query.get("application_id", "")
        if not raw_id:
            return error_response(APPLICATION_ID_MISSING)
        application_id = parse_uuid(raw_id)
        if application_id is None:
            return error_response(APPLICATION_ID_INVALID)
        application = self.applications.get(application_id)
        if application is None:
            return error_response(APPLICATION_UNKNOWN, status=404)
        return json_response(
            {
                "id": application.job_id,
                "application_id": application.id,
                "status": application.status_at(time.time()),
            }
        )

    # --- control API ------------------------------------------------------------------

    async def list_applications(self, request: web.Request) -> web.Response:
        now = time.time()
        return json_response([app.to_json(now) for app in self.applications.values()])

    async def forget_application(self, request: web.Request) -> web.Response:
        """Simulate the bank losing an application: the next GET /api/jobs answers 404."""
        application_id = parse_uuid(request.match_info["id"])
        if application_id is None or application_id not in self.applications:
            return error_response("unknown application", status=404)
        del self.applications[application_id]
        return json_response({"deleted": application_id})

    # --- helpers ----------------------------------------------------------------------

    @staticmethod
    async def _read_payload(request: web.Request) -> dict[str, str] | None:
        """The body if it is a JSON object whose required fields are strings."""
        try:
            payload = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(payload, dict):
            return None
        if not all(isinstance(payload.get(field), str) for field in REQUIRED_FIELDS):
            return None
        return payload

    def _decide(self, application_id: str, first_name: str, last_name: str) -> Application:
        """Draw job id, decision delay and outcome, always in this order (reproducibility)."""
        job_id = str(uuid.UUID(int=self.random.getrandbits(128), version=4))
        delay = self.config.decision_seconds.pick(self.random)
        approved = self.random.random() < self.config.approval_rate
        created_at = time.time()
        return Application(
            id=application_id,
            first_name=first_name,
            last_name=last_name,
            job_id=job_id,
            created_at=created_at,
            decide_at=created_at + delay,
            outcome="completed" if approved else "rejected",
        )
