"""The seams to the company registers: one client per register, on `core.http`.

- `InseeClient`: INSEE API Sirene 3.11 (SIREN numbers): `GET /siren/{siren}`, the
  multi-criteria search `POST /siren` (form `q=siren:A OR siren:B ...`, cursor pagination) and
  `GET /informations` (the state of the service and of each collection).
- `ViesClient`: the EU VIES REST API (EU VAT numbers): `POST /check-vat-number` and
  `GET /check-status`.
- `HmrcClient`: HMRC "Check a UK VAT number" API v2 (GB VAT numbers), with an OAuth 2.0
  client-credentials token (scope `read:vat`) cached until it expires.

A client says what the register said (dataclasses below) or raises a `core.http` error when it
could not find out; the sources (`evaluations.sources`) turn that into a state and a reason.
Every call first takes its turn from the shared limiter (`evaluations.limits`), so all worker
processes together stay within each register's published limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache

from core.http import (
    HttpClient,
    RequestRejected,
    ServiceUnavailable,
    UnexpectedResponse,
)
from evaluations import limits

#: What a member state or INSEE puts instead of a withheld name or address.
WITHHELD = {"---", "[ND]", ""}


def _text(value: Any) -> str:
    """A name or address as we store it: stripped, withheld markers dropped, at most 255."""
    if not isinstance(value, str):
        return ""
    cleaned = " ".join(value.split())
    return "" if cleaned in WITHHELD else cleaned[:255]


class _RegisterClient(HttpClient):
    """What the three clients share: the base URL and timeout from settings, and a turn from
    the shared limiter before each call."""

    #: Key of the register in settings.EVALUATIONS_REGISTERS and the limiter.
    register: str = ""

    def __init__(self, *, base_url: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("timeout", settings.EVALUATIONS_REGISTER_TIMEOUT)
        super().__init__(base_url=base_url or register_url(self.register), **kwargs)

    def _unexpected(self, response: httpx.Response, what: str) -> UnexpectedResponse:
        return UnexpectedResponse(
            self.service_name,
            f"answered {response.status_code} with {what}",
            status_code=response.status_code,
            body=response.text[:500],
        )

    def call(
        self, method: str, path: str, *, accept: tuple[int, ...] = (), **kwargs: Any
    ) -> httpx.Response:
        """One request within the register's shared limits (rate and concurrency); a 429
        makes every worker wait (`limits.penalise`) for its Retry-After."""
        with limits.turn(self.register):
            response = self.request(method, path, accept=(*accept, 429), **kwargs)
        if response.status_code == 429:
            wait = _retry_after(response)
            limits.penalise(self.register, wait)
            error = ServiceUnavailable(
                self.service_name,
                f"{method} {path} answered 429",
                status_code=429,
                body=response.text[:500],
            )
            error.retry_after = wait  # type: ignore[attr-defined]
            raise error
        return response


def register_url(register: str) -> str:
    """The register's base URL: its setting, or the simulators' address plus the register's
    real path (so the real path is exercised in development and tests)."""
    configured = settings.EVALUATIONS_REGISTERS[register]
    if configured.get("url"):
        return configured["url"]
    return settings.SIMULATORS_URL.rstrip("/") + configured["simulated_path"]


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (the registers send seconds), or None."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


# --- INSEE API Sirene 3.11 ---------------------------------------------------------------


INSEE_ACTIVE = "A"
INSEE_CEASED = "C"
#: Units per page of the multi-criteria search (the API's maximum).
INSEE_PAGE_SIZE = 1000


@dataclass(frozen=True)
class LegalUnit:
    """A legal unit (unité légale) as INSEE describes it: its current period."""

    siren: str
    state: str  # "A" (active) or "C" (ceased)
    name: str
    since: str = ""  # the date the current period started

    @property
    def active(self) -> bool:
        return self.state == INSEE_ACTIVE


@dataclass(frozen=True)
class InseeStatus:
    """`GET /informations`: is the service up, and is the legal units' collection up."""

    up: bool
    detail: str
    updated: dict[str, str] = field(default_factory=dict)


class InseeClient(_RegisterClient):
    service_name = "insee"
    system_label = "the INSEE Sirene register"
    register = "insee"

    def __init__(self, *, api_key: str | None = None, **kwargs: Any) -> None:
        key = api_key if api_key is not None else settings.EVALUATIONS_REGISTERS["insee"]["key"]
        headers = {"X-INSEE-Api-Key-Integration": key, **kwargs.pop("headers", {})}
        super().__init__(headers=headers, **kwargs)

    def legal_unit(self, siren: str) -> LegalUnit | None:
        """The legal unit `siren`; None when INSEE answers 404 (unknown, or not public) or 403
        (not diffusible). Raises `core.http` errors when it could not find out."""
        response = self.call("GET", f"/siren/{siren}", accept=(403, 404))
        if response.status_code in (403, 404):
            return None
        body = self.parse_json(response, expect=dict)
        unit = body.get("uniteLegale")
        if not isinstance(unit, dict):
            raise self._unexpected(response, "no uniteLegale")
        return self._unit(response, unit, siren)

    def legal_units(self, sirens: list[str]) -> dict[str, LegalUnit]:
        """Many units in as few calls as the search allows (`q=siren:A OR siren:B`, up to
        1,000 a page, cursor pagination); the numbers INSEE does not return are absent."""
        found: dict[str, LegalUnit] = {}
        for start in range(0, len(sirens), INSEE_PAGE_SIZE):
            chunk = sirens[start : start + INSEE_PAGE_SIZE]
            query = " OR ".join(f"siren:{siren}" for siren in chunk)
            cursor = "*"
            while True:
                response = self.call(
                    "POST",
                    "/siren",
                    data={"q": query, "nombre": str(INSEE_PAGE_SIZE), "curseur": cursor},
                    accept=(404,),
                )
                if response.status_code == 404:  # the search found nothing
                    break
                body = self.parse_json(response, expect=dict)
                header, units = body.get("header"), body.get("unitesLegales")
                if not isinstance(header, dict) or not isinstance(units, list):
                    raise self._unexpected(response, "no header/unitesLegales")
                for unit in units:
                    if not isinstance(unit, dict):
                        raise self._unexpected(response, "a unit that is not an object")
                    siren = str(unit.get("siren", ""))
                    if siren in chunk:
                        found[siren] = self._unit(response, unit, siren)
                following = header.get("curseurSuivant")
                if not units or not following or following == cursor:
                    break
                cursor = following
        return found

    def status(self) -> InseeStatus:
        """`GET /informations`: up when the service and the legal units' collection are."""
        response = self.call("GET", "/informations")
        body = self.parse_json(response, expect=dict)
        service = body.get("etatService")
        if not isinstance(service, str):
            raise self._unexpected(response, "no etatService")
        collections = {
            str(item.get("Collection", "")): str(item.get("etatCollection", ""))
            for item in body.get("etatsDesServices") or []
            if isinstance(item, dict)
        }
        units = collections.get("Unités Légales", service)
        updated = {
            str(item.get("collection", "")): str(item.get("dateDerniereMiseADisposition", ""))
            for item in body.get("datesDernieresMisesAJourDesDonnees") or []
            if isinstance(item, dict)
        }
        up = service == "UP" and units == "UP"
        return InseeStatus(up=up, detail=f"service {service}, legal units {units}", updated=updated)

    def _unit(self, response: httpx.Response, unit: dict[str, Any], siren: str) -> LegalUnit:
        periods = unit.get("periodesUniteLegale")
        if not isinstance(periods, list) or not periods or not isinstance(periods[0], dict):
            raise self._unexpected(response, "a unit without periodesUniteLegale")
        # The current period has no end date; INSEE lists the newest first.
        current = next(
            (p for p in periods if isinstance(p, dict) and p.get("dateFin") is None), periods[0]
        )
        state = current.get("etatAdministratifUniteLegale")
        if state not in (INSEE_ACTIVE, INSEE_CEASED):
            raise self._unexpected(response, f"etatAdministratifUniteLegale {state!r}")
        return LegalUnit(
            siren=siren,
            state=state,
            name=_insee_name(unit, current),
            since=_text(current.get("dateDebut")),
        )


def _insee_name(unit: dict[str, Any], period: dict[str, Any]) -> str:
    """A company's name (denomination), or a sole trader's first and last names."""
    for key in ("denominationUniteLegale", "denominationUsuelle1UniteLegale"):
        if _text(period.get(key)):
            return _text(period[key])
    first = _text(unit.get("prenomUsuelUniteLegale")) or _text(unit.get("prenom1UniteLegale"))
    last = _text(period.get("nomUsageUniteLegale")) or _text(period.get("nomUniteLegale"))
    return " ".join(part for part in (first, last) if part)[:255]


# --- VIES (EU VAT) -------------------------------------------------------------------------

#: VIES error codes: the member state (or VIES) cannot say now -> "ongoing database update".
VIES_UNAVAILABLE_CODES = frozenset({"MS_UNAVAILABLE"})
#: Too many requests or a failure: "unable to reach", retried with backoff.
VIES_BUSY_CODES = frozenset({"MS_MAX_CONCURRENT_REQ", "GLOBAL_MAX_CONCURRENT_REQ"})
VIES_FAILURE_CODES = frozenset(
    {"SERVICE_UNAVAILABLE", "TIMEOUT", "VAT_BLOCKED", "IP_BLOCKED", "INVALID_REQUESTER_INFO"}
)


class ViesError(ServiceUnavailable):
    """VIES answered `{"actionSucceed": false, "errorWrappers": [{"error": CODE}]}`."""

    def __init__(self, service: str, code: str, **kwargs: Any) -> None:
        super().__init__(service, f"VIES error {code}", **kwargs)
        self.code = code

    @property
    def busy(self) -> bool:
        return self.code in VIES_BUSY_CODES

    def describe(self) -> str:
        if self.code in VIES_UNAVAILABLE_CODES:
            return f"{self.system} said the member state's register is unavailable"
        if self.busy:
            return f"{self.system} is busy (too many requests at once)"
        return f"{self.system} could not check the number ({self.code})"


class ViesInvalidInput(RequestRejected):
    """VIES INVALID_INPUT: the number is not one VIES can check (a bug of ours, not a no)."""


@dataclass(frozen=True)
class ViesAnswer:
    country: str
    number: str
    valid: bool
    name: str
    address: str
    request_date: str = ""


class ViesClient(_RegisterClient):
    service_name = "vies"
    system_label = "the EU VIES service"
    register = "vies"

    def check(self, country: str, number: str) -> ViesAnswer:
        """`POST /check-vat-number`. Raises `ViesError` with VIES's code, or `core.http`
        errors."""
        response = self.call(
            "POST",
            "/check-vat-number",
            json={"countryCode": country, "vatNumber": number},
            accept=(400, 500, 503),
        )
        body = self._body_or_error(response)
        valid = body.get("valid")
        if not isinstance(valid, bool):
            raise self._unexpected(response, "no valid flag")
        address = body.get("address")
        return ViesAnswer(
            country=country,
            number=number,
            valid=valid,
            name=_text(body.get("name")),
            address=_text(address.replace("\n", ", ") if isinstance(address, str) else ""),
            request_date=_text(body.get("requestDate")),
        )

    def unavailable_countries(self) -> set[str]:
        """`GET /check-status`: the member states VIES says are not available now."""
        response = self.call("GET", "/check-status")
        body = self.parse_json(response, expect=dict)
        countries = body.get("countries")
        if not isinstance(countries, list):
            raise self._unexpected(response, "no countries")
        return {
            str(item.get("countryCode"))
            for item in countries
            if isinstance(item, dict) and item.get("availability") != "Available"
        }

    def _body_or_error(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict) or not body.get("errorWrappers"):
                self._check_status(response, ())  # raises the usual error
                raise self._unexpected(response, "an error without errorWrappers")
        else:
            body = self.parse_json(response, expect=dict)
        wrappers = body.get("errorWrappers")
        if body.get("actionSucceed") is False or wrappers:
            code = ""
            if isinstance(wrappers, list) and wrappers and isinstance(wrappers[0], dict):
                code = str(wrappers[0].get("error", ""))
            if code == "INVALID_INPUT":
                raise ViesInvalidInput(
                    self.service_name,
                    "VIES error INVALID_INPUT",
                    status_code=response.status_code,
                    body=response.text[:500],
                )
            raise ViesError(
                self.service_name,
                code or "UNKNOWN",
                status_code=response.status_code,
                body=response.text[:500],
            )
        return body


# --- HMRC (UK VAT) -------------------------------------------------------------------------

HMRC_ACCEPT = "application/vnd.hmrc.2.0+json"
HMRC_TOKEN_CACHE_KEY = "evaluations:hmrc:token"  # noqa: S105 (a cache key)


@dataclass(frozen=True)
class HmrcAnswer:
    vrn: str
    found: bool
    name: str = ""
    address: str = ""
    processing_date: str = ""


class HmrcClient(_RegisterClient):
    service_name = "hmrc"
    system_label = "HMRC's VAT number check"
    register = "hmrc"

    def __init__(self, **kwargs: Any) -> None:
        headers = {"Accept": HMRC_ACCEPT, **kwargs.pop("headers", {})}
        super().__init__(headers=headers, **kwargs)
        conf = settings.EVALUATIONS_REGISTERS["hmrc"]
        self.client_id = conf["client_id"]
        self.client_secret = conf["client_secret"]

    def lookup(self, vrn: str) -> HmrcAnswer:
        """`GET /organisations/vat/check-vat-number/lookup/{vrn}`; found=False for 404
        NOT_FOUND. A 401 (an expired or revoked token) fetches a new token once."""
        for attempt in range(2):
            token = self.token(refresh=attempt > 0)
            response = self.call(
                "GET",
                f"/organisations/vat/check-vat-number/lookup/{vrn}",
                headers={"Authorization": f"Bearer {token}"},
                accept=(401, 404),
            )
            if response.status_code != 401:
                break
        else:
            raise RequestRejected(self.service_name, "the token was refused twice", status_code=401)
        if response.status_code == 404:
            body = self.parse_json(response, expect=dict)
            if body.get("code") != "NOT_FOUND":
                raise self._unexpected(response, f"404 with code {body.get('code')!r}")
            return HmrcAnswer(vrn=vrn, found=False)
        body = self.parse_json(response, expect=dict)
        target = body.get("target")
        if not isinstance(target, dict):
            raise self._unexpected(response, "no target")
        address = target.get("address") if isinstance(target.get("address"), dict) else {}
        lines = [
            _text(address.get(key))
            for key in ("line1", "line2", "line3", "line4", "line5", "postcode", "countryCode")
        ]
        return HmrcAnswer(
            vrn=vrn,
            found=True,
            name=_text(target.get("name")),
            address=", ".join(line for line in lines if line)[:255],
            processing_date=_text(body.get("processingDate")),
        )

    def token(self, *, refresh: bool = False) -> str:
        """The bearer token, from the cache (shared by the processes when the cache is) until
        a minute before it expires; fetched with the client credentials otherwise."""
        if not refresh:
            cached = cache.get(HMRC_TOKEN_CACHE_KEY)
            if cached:
                return cached
        response = self.call(
            "POST",
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "scope": "read:vat",
            },
        )
        body = self.parse_json(response, expect=dict)
        token, expires_in = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not isinstance(expires_in, int | float):
            raise self._unexpected(response, "no access_token/expires_in")
        cache.set(HMRC_TOKEN_CACHE_KEY, token, timeout=max(1, int(expires_in) - 60))
        return token
