"""HMRC "Check a UK VAT number" API v2, and HMRC's OAuth 2.0 token endpoint.

Contract (the shapes of the real API):

- ``POST /oauth/token`` (form: ``grant_type=client_credentials``, ``client_id``,
  ``client_secret``, ``scope=read:vat``) -> 200 ``{"access_token", "scope": "read:vat",
  "expires_in": seconds, "token_type": "bearer"}``; wrong credentials -> 401
  ``{"error": "invalid_client", "error_description"}``; another grant or scope -> 400
  ``{"error": "unsupported_grant_type" | "invalid_scope", ...}``;
- ``GET /organisations/vat/check-vat-number/lookup/{vrn}`` with
  ``Accept: application/vnd.hmrc.2.0+json`` (else 406 ``ACCEPT_HEADER_INVALID``) and
  ``Authorization: Bearer <token>`` (missing, unknown or expired: 401
  ``MISSING_CREDENTIALS`` / ``INVALID_CREDENTIALS``) -> 200 ``{"target": {"name",
  "vatNumber", "address": {"line1", ..., "postcode", "countryCode"}}, "processingDate"}``;
  404 ``{"code": "NOT_FOUND", "message": "targetVrn does not match a registered company"}``;
  400 ``{"code": "INVALID_REQUEST", ...}`` for a VRN that is not 9 or 12 digits;
- more than ``per_second`` calls in any second -> 429 ``MESSAGE_THROTTLED_OUT``;
- ``maintenance``: a maintenance window of the API platform: every call, the token endpoint
  included, answers 503 ``{"code": "SERVICE_UNAVAILABLE", "message"}`` (HMRC publishes no
  status endpoint: a client cannot tell it from any other 503).
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from simulators.config import FaultConfig, parse_non_negative, parse_probability, spec
from simulators.core import Endpoint, System, json_response
from simulators.registers import (
    SlidingWindow,
    draw,
    generated_name,
    log_route,
    parse_bool,
    parse_count,
)

LOOKUP = "/organisations/vat/check-vat-number/lookup/{vrn}"
ACCEPT = "application/vnd.hmrc.2.0+json"

DEMO_COMPANIES: dict[str, tuple[str, dict[str, str]]] = {
    "727255821": (
        "DEMO WIDGETS LTD",
        {"line1": "1 HIGH STREET", "line2": "LONDON", "postcode": "SW1A 1AA", "countryCode": "GB"},
    ),
    "553557874": (
        "EXAMPLE TRADING LIMITED",
        {"line1": "42 DOCK ROAD", "line2": "LIVERPOOL", "postcode": "L3 4AA", "countryCode": "GB"},
    ),
}


@dataclass(frozen=True)
class HmrcConfig(FaultConfig):
    client_id: str = field(default="simulated-client", metadata=spec(str, "accepted client_id"))
    client_secret: str = field(
        default="simulated-secret", metadata=spec(str, "accepted client_secret")
    )
    token_seconds: float = field(
        default=14400, metadata=spec(parse_non_negative, "lifetime of a token (expires_in)")
    )
    per_second: int = field(
        default=3, metadata=spec(parse_count, "calls accepted in any second (0: no limit)")
    )
    generate: float = field(
        default=0.0,
        metadata=spec(parse_probability, "share of unknown VRNs answered as generated companies"),
    )
    maintenance: bool = field(
        default=False,
        metadata=spec(parse_bool, "maintenance window: every call (token too) answers 503"),
    )


def _problem(code: str, message: str, status: int) -> web.Response:
    return json_response({"code": code, "message": message}, status=status)


def _maintenance() -> web.Response:
    return _problem("SERVICE_UNAVAILABLE", "The service is unavailable: planned maintenance", 503)


class Hmrc(System):
    name = "hmrc"
    config_class = HmrcConfig
    config: HmrcConfig

    def reset_state(self) -> None:
        self.companies = dict(DEMO_COMPANIES)
        self.tokens: dict[str, float] = {}
        self.window = SlidingWindow(1.0)
        self.tokens_issued = 0
        self.lookups = 0
        self.refused_maintenance = 0

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("POST", "/oauth/token", self.token),
            Endpoint("GET", LOOKUP, self.lookup),
        ]

    def control_routes(self) -> list[web.RouteDef]:
        return [
            web.post("/_control/hmrc/expire-tokens", self.expire_tokens),
            log_route("hmrc", lambda: {"lookups": self.window}),
        ]

    def extra_stats(self) -> dict[str, Any]:
        return {
            "tokens_issued": self.tokens_issued,
            "lookups": self.lookups,
            "rate_limited": self.window.rejected,
            "maintenance_refused": self.refused_maintenance,
        }

    async def token(self, request: web.Request) -> web.Response:
        if self.config.maintenance:
            self.refused_maintenance += 1
            return _maintenance()
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return json_response(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant_type must be client_credentials",
                },
                status=400,
            )
        if (form.get("client_id"), form.get("client_secret")) != (
            self.config.client_id,
            self.config.client_secret,
        ):
            return json_response(
                {"error": "invalid_client", "error_description": "invalid client id or secret"},
                status=401,
            )
        if "read:vat" not in str(form.get("scope", "")).split():
            return json_response(
                {"error": "invalid_scope", "error_description": "scope must include read:vat"},
                status=400,
            )
        token = f"{self.random.getrandbits(128):032x}"
        self.tokens[token] = time.time() + self.config.token_seconds
        self.tokens_issued += 1
        return json_response(
            {
                "access_token": token,
                "scope": "read:vat",
                "expires_in": int(self.config.token_seconds),
                "token_type": "bearer",
            }
        )

    async def lookup(self, request: web.Request) -> web.Response:
        if self.config.maintenance:
            self.refused_maintenance += 1
            return _maintenance()
        if request.headers.get("Accept") != ACCEPT:
            return _problem("ACCEPT_HEADER_INVALID", "The accept header is missing or invalid", 406)
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return _problem(
                "MISSING_CREDENTIALS", "Authentication information is not provided", 401
            )
        if self.tokens.get(auth[len("Bearer ") :], 0) < time.time():
            return _problem(
                "INVALID_CREDENTIALS", "Invalid Authentication information provided", 401
            )
        if self.window.admit(self.config.per_second) is not None:
            response = _problem(
                "MESSAGE_THROTTLED_OUT",
                "The request for the API is throttled as you have exceeded your quota.",
                429,
            )
            response.headers["Retry-After"] = "1"
            return response
        self.lookups += 1
        vrn = request.match_info["vrn"]
        if not (vrn.isdigit() and len(vrn) in (9, 12)):
            return _problem(
                "INVALID_REQUEST",
                "Invalid targetVrn - Vrn parameters should be 9 or 12 digits",
                400,
            )
        company = self.companies.get(vrn)
        if company is None and self.config.generate and draw(vrn, "hmrc") < self.config.generate:
            company = (
                generated_name(vrn).upper(),
                {
                    "line1": f"{vrn[-2:]} KING STREET",
                    "line2": "MANCHESTER",
                    "postcode": "M2 4LQ",
                    "countryCode": "GB",
                },
            )
        if company is None:
            return _problem("NOT_FOUND", "targetVrn does not match a registered company", 404)
        name, address = company
        return json_response(
            {
                "target": {"name": name, "vatNumber": vrn, "address": address},
                "processingDate": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            }
        )

    async def expire_tokens(self, request: web.Request) -> web.Response:
        """Every issued token expires now (the next lookup with one answers 401)."""
        count = len(self.tokens)
        self.tokens.clear()
        return json_response({"expired": count})
