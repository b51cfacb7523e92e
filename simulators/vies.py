"""The EU VIES REST API: VAT numbers of the EU member states (and XI, Northern Ireland).

Contract (the shapes of the real API, base `/taxation_customs/vies/rest-api`):

- ``POST /check-vat-number`` ``{"countryCode", "vatNumber"}`` -> 200 ``{"countryCode",
  "vatNumber", "requestDate", "valid", "requestIdentifier", "name", "address", "traderName",
  ..., "viesApproximate": {...}}``; ``name``/``address`` are ``"---"`` when the member state
  withholds them (DE always does here);
- failures: ``{"actionSucceed": false, "errorWrappers": [{"error": CODE, "message"}]}`` with
  400 for ``INVALID_INPUT`` (not a country VIES covers, GB included, or a malformed body) and
  500 for ``MS_UNAVAILABLE`` (a country in ``unavailable_countries``),
  ``MS_MAX_CONCURRENT_REQ`` (more than ``max_concurrent_per_country`` in flight for the
  country), ``GLOBAL_MAX_CONCURRENT_REQ`` (more than ``max_concurrent`` in flight),
  ``TIMEOUT`` (a country in ``timeout_countries``: its register did not answer VIES in time),
  ``SERVICE_UNAVAILABLE`` (``service_unavailable_rate``);
- ``outage``: VIES itself is down: every check answers 503 ``SERVICE_UNAVAILABLE`` and
  check-status says VIES (``vow``) and every member state unavailable;
- ``GET /check-status`` -> ``{"vow": {"available": true}, "countries": [{"countryCode",
  "availability": "Available" | "Unavailable"}]}``.

A check stays "in flight" for ``processing_ms`` (after the common ``latency_ms``), so the
concurrency limits bite as they do on the real service.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from simulators.config import FaultConfig, Range, parse_probability, parse_range, spec
from simulators.core import Endpoint, System, json_response
from simulators.registers import (
    SlidingWindow,
    draw,
    generated_name,
    log_route,
    parse_bool,
    parse_codes,
    parse_count,
)

BASE = "/taxation_customs/vies/rest-api"
COUNTRIES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
)  # fmt: skip
WITHHOLDING = {"DE"}  # member states that never give name and address


@dataclass(frozen=True)
class Trader:
    valid: bool
    name: str = ""
    address: str = ""


#: Demo numbers (the evaluations demo uses them); any other well-formed number is not valid,
#: unless `generate` makes it a generated trader.
DEMO_TRADERS: dict[str, Trader] = {
    "IE6388047V": Trader(
        True, "EXAMPLE SOFTWARE IRELAND LIMITED", "1 GRAND CANAL SQUARE\nDUBLIN 2"
    ),
    "LU26375245": Trader(False),
    "FR40303265045": Trader(True, "SA ODYSSEE PAPETERIE", "12 RUE DU PORT\n75001 PARIS"),
    "DE136695976": Trader(True),
    "NL004495445B01": Trader(True, "VOORBEELD HANDEL B.V.", "KEIZERSGRACHT 1\n1015CC AMSTERDAM"),
    "XI727255821": Trader(True, "DEMO WIDGETS NI LTD", "1 HARBOUR ROAD\nBELFAST\nBT1 1AA"),
}


@dataclass(frozen=True)
class ViesConfig(FaultConfig):
    max_concurrent: int = field(
        default=8, metadata=spec(parse_count, "checks in flight at once (0: no limit)")
    )
    max_concurrent_per_country: int = field(
        default=4, metadata=spec(parse_count, "checks in flight at once per country (0: no limit)")
    )
    processing_ms: Range = field(
        default=Range(0, 0), metadata=spec(parse_range, "how long a check is in flight, ms")
    )
    unavailable_countries: tuple[str, ...] = field(
        default=(), metadata=spec(parse_codes, "member states answering MS_UNAVAILABLE, e.g. DE,FR")
    )
    timeout_countries: tuple[str, ...] = field(
        default=(),
        metadata=spec(parse_codes, "member states answering TIMEOUT (still Available), e.g. IE"),
    )
    service_unavailable_rate: float = field(
        default=0.0,
        metadata=spec(parse_probability, "share of checks answered SERVICE_UNAVAILABLE"),
    )
    outage: bool = field(
        default=False,
        metadata=spec(
            parse_bool,
            "VIES-wide outage: 503 SERVICE_UNAVAILABLE, check-status says all unavailable",
        ),
    )
    generate: float = field(
        default=0.0,
        metadata=spec(
            parse_probability, "share of unknown numbers answered valid, with a generated trader"
        ),
    )


def _error(code: str, status: int) -> web.Response:
    body = {"actionSucceed": False, "errorWrappers": [{"error": code, "message": None}]}
    return json_response(body, status=status)


class Vies(System):
    name = "vies"
    config_class = ViesConfig
    config: ViesConfig

    def reset_state(self) -> None:
        self.traders = dict(DEMO_TRADERS)
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight = 0
        self.max_in_flight_country: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.window = SlidingWindow(60.0)
        self.checks = 0

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("POST", f"{BASE}/check-vat-number", self.check),
            Endpoint("GET", f"{BASE}/check-status", self.status),
        ]

    def control_routes(self) -> list[web.RouteDef]:
        return [
            web.put("/_control/vies/traders/{number}", self.put_trader),
            log_route("vies", lambda: {"checks": self.window}),
        ]

    def extra_stats(self) -> dict[str, Any]:
        return {
            "checks": self.checks,
            "max_in_flight": self.max_in_flight,
            "max_in_flight_per_country": dict(self.max_in_flight_country),
            "refused": dict(self.refused),
        }

    async def check(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            body = None
        country = body.get("countryCode") if isinstance(body, dict) else None
        number = body.get("vatNumber") if isinstance(body, dict) else None
        if (
            not isinstance(country, str)
            or country not in COUNTRIES
            or not isinstance(number, str)
            or not number.isalnum()
            or not 2 <= len(number) <= 14
        ):
            self.refused["INVALID_INPUT"] += 1
            return _error("INVALID_INPUT", 400)
        config = self.config
        if config.outage:
            self.refused["SERVICE_UNAVAILABLE"] += 1
            return _error("SERVICE_UNAVAILABLE", 503)
        total = sum(self.in_flight.values())
        if config.max_concurrent and total >= config.max_concurrent:
            self.refused["GLOBAL_MAX_CONCURRENT_REQ"] += 1
            return _error("GLOBAL_MAX_CONCURRENT_REQ", 500)
        if (
            config.max_concurrent_per_country
            and self.in_flight[country] >= config.max_concurrent_per_country
        ):
            self.refused["MS_MAX_CONCURRENT_REQ"] += 1
            return _error("MS_MAX_CONCURRENT_REQ", 500)
        if country in config.unavailable_countries:
            self.refused["MS_UNAVAILABLE"] += 1
            return _error("MS_UNAVAILABLE", 500)
        if country in config.timeout_countries:
            self.refused["TIMEOUT"] += 1
            return _error("TIMEOUT", 500)
        if (
            config.service_unavailable_rate
            and self.random.random() < config.service_unavailable_rate
        ):
            self.refused["SERVICE_UNAVAILABLE"] += 1
            return _error("SERVICE_UNAVAILABLE", 500)
        self.in_flight[country] += 1
        self.max_in_flight = max(self.max_in_flight, total + 1)
        self.max_in_flight_country[country] = max(
            self.max_in_flight_country[country], self.in_flight[country]
        )
        self.window.admit(0)
        self.checks += 1
        try:
            delay = config.processing_ms.pick(self.random)
            if delay > 0:
                await self._hold(delay / 1000)
        finally:
            self.in_flight[country] -= 1
        trader = self._find(country + number)
        withheld = country in WITHHOLDING or not trader.valid
        return json_response({
            "countryCode": country,
            "vatNumber": number,
            "requestDate": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
            "valid": trader.valid,
            "requestIdentifier": "",
            "name": "---" if withheld or not trader.name else trader.name,
            "address": "---" if withheld or not trader.address else trader.address,
            "traderName": "---", "traderStreet": "---", "traderPostalCode": "---",
            "traderCity": "---", "traderCompanyType": "---",
            "traderNameMatch": "NOT_PROCESSED", "traderStreetMatch": "NOT_PROCESSED",
            "traderPostalCodeMatch": "NOT_PROCESSED", "traderCityMatch": "NOT_PROCESSED",
            "traderCompanyTypeMatch": "NOT_PROCESSED",
        })  # fmt: skip

    def _find(self, vat: str) -> Trader:
        trader = self.traders.get(vat)
        if trader is None and self.config.generate and draw(vat, "vies") < self.config.generate:
            return Trader(True, generated_name(vat).upper(), f"{vat[-3:]} MAIN STREET\nCAPITAL")
        return trader or Trader(False)

    async def status(self, request: web.Request) -> web.Response:
        outage = self.config.outage
        down = set(COUNTRIES if outage else self.config.unavailable_countries)
        return json_response({
            "vow": {"available": not outage},
            "countries": [
                {"countryCode": c, "availability": "Unavailable" if c in down else "Available"}
                for c in COUNTRIES
            ],
        })  # fmt: skip

    async def put_trader(self, request: web.Request) -> web.Response:
        """``{"valid": bool, "name": str, "address": str}`` for a number like IE6388047V."""
        number = request.match_info["number"].upper()
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("valid"), bool):
            return json_response(
                {"error": 'expected {"valid": bool, "name", "address"}'}, status=400
            )
        self.traders[number] = Trader(
            body["valid"], str(body.get("name", "")), str(body.get("address", ""))
        )
        return json_response({"number": number, **body})
