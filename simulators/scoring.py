"""The prospect-qualification system: scores a person from the two checks' outputs.

Contract (ours to design; see README.md):

- ``POST /api/scoring/scores`` ``{"national_id": str, "registry": object, "archives":
  object}`` (the outputs of the registry and archives checks) -> 200
  ``{"national_id", "score": int 0-100}``; 400 ``{"error": "the request payload is not
  valid."}`` otherwise.

The score is drawn from ``score_range`` with the system's seeded ``Random``, except for the
demo numbers in ``overrides``, which always get the same score so that the demo leads land
where they should (above, at and just over the threshold of 60).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from simulators.config import FaultConfig, Range, parse_range, spec
from simulators.core import Endpoint, System, error_response, json_response
from simulators.registry import DEMO_PERSONS, compact

INVALID_PAYLOAD = "the request payload is not valid."
INVALID_OVERRIDE = 'the body must be {"national_id": str, "score": int 0-100 or null}'

_BY_NAME = {person.first_name: person.national_id for person in DEMO_PERSONS}

DEMO_SCORES: dict[str, int] = {
    _BY_NAME["ALICE"]: 85,
    _BY_NAME["BRUNO"]: 42,
    _BY_NAME["GILLES"]: 60,
    _BY_NAME["HELENE"]: 61,
}


def parse_score_range(raw: object) -> Range:
    value = parse_range(raw)
    if value.high > 100:
        raise ValueError("must be within 0-100")
    return value


@dataclass(frozen=True)
class ScoringConfig(FaultConfig):
    score_range: Range = field(
        default=Range(0, 100),
        metadata=spec(parse_score_range, "scores are drawn uniformly from this, e.g. 80 or 0-100"),
    )


class Scoring(System):
    name = "scoring"
    config_class = ScoringConfig
    config: ScoringConfig

    def reset_state(self) -> None:
        self.overrides: dict[str, int] = dict(DEMO_SCORES)
        self.scored = 0

    def endpoints(self) -> list[Endpoint]:
        return [Endpoint("POST", "/api/scoring/scores", self.score)]

    def control_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_control/scoring/overrides", self.list_overrides),
            web.post("/_control/scoring/overrides", self.set_override),
        ]

    def extra_stats(self) -> dict[str, Any]:
        return {"scored": self.scored, "overrides": len(self.overrides)}

    # --- public API -------------------------------------------------------------------

    async def score(self, request: web.Request) -> web.Response:
        try:
            payload = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            payload = None
        if not (
            isinstance(payload, dict)
            and isinstance(payload.get("national_id"), str)
            and payload["national_id"].strip()
            and isinstance(payload.get("registry"), dict)
            and isinstance(payload.get("archives"), dict)
        ):
            return error_response(INVALID_PAYLOAD)
        national_id = compact(payload["national_id"])
        score = self.overrides.get(national_id)
        if score is None:
            score = round(self.config.score_range.pick(self.random))
        self.scored += 1
        return json_response({"national_id": national_id, "score": score})

    # --- control API ------------------------------------------------------------------

    async def list_overrides(self, request: web.Request) -> web.Response:
        return json_response(self.overrides)

    async def set_override(self, request: web.Request) -> web.Response:
        """Always answer ``score`` for this number; ``null`` goes back to random."""
        try:
            payload = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            payload = None
        score = payload.get("score", "missing") if isinstance(payload, dict) else "missing"
        national_id = payload.get("national_id") if isinstance(payload, dict) else None
        valid_score = score is None or (
            isinstance(score, int) and not isinstance(score, bool) and 0 <= score <= 100
        )
        if not (isinstance(national_id, str) and national_id.strip() and valid_score):
            return error_response(INVALID_OVERRIDE)
        national_id = compact(national_id)
        if score is None:
            self.overrides.pop(national_id, None)
        else:
            self.overrides[national_id] = score
        return json_response({"national_id": national_id, "score": score})
