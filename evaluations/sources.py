"""Where the state of a company comes from: the registers (INSEE Sirene, VIES, HMRC), and the
VAT fake. Each source maps every answer of its register onto a state and a reason (the table
in docs/evaluations.md) and never raises for a failure of the register.

Sources are chosen by name (`SOURCES`, settings.EVALUATIONS_*_SOURCE); VAT numbers go to a
source per country (`ByCountry`: GB to HMRC, the EU member states and XI to VIES).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

from core.http import ExternalServiceError, ServiceUnavailable
from evaluations.clients import (
    VIES_UNAVAILABLE_CODES,
    HmrcClient,
    InseeClient,
    LegalUnit,
    ViesClient,
    ViesError,
)
from evaluations.limits import LimitWait
from evaluations.outcomes import VALID_OUTCOMES, Reason, SourceOutcome, State

logger = logging.getLogger(__name__)

OPENED = (State.FAVORABLE, Reason.COMPANY_OPENED)
CLOSED = (State.UNFAVORABLE, Reason.COMPANY_CLOSED)
UNREACHABLE = (State.UNCONFIRMED, Reason.UNABLE_TO_REACH_API)
UPDATING = (State.UNCONFIRMED, Reason.ONGOING_DATABASE_UPDATE)


def _outcome(pair: tuple[State, Reason], note: str, name: str = "", address: str = ""):
    return SourceOutcome(pair[0], pair[1], name, note, address)


def _busy(error: ExternalServiceError) -> bool:
    """Worth another try after a pause: a 429, or VIES's "too many concurrent requests"."""
    if isinstance(error, LimitWait):
        return False
    if isinstance(error, ViesError):
        return error.busy
    return isinstance(error, ServiceUnavailable) and error.status_code == 429


def with_backoff(call: Callable[[], Any]) -> Any:
    """`call()`, again after base, 2*base, 4*base... seconds while the register says it is
    busy (429, VIES concurrency codes), at most settings.EVALUATIONS_REGISTER_RETRIES times;
    a 429's Retry-After, when longer, is honoured. Other errors are raised at once."""
    retries = settings.EVALUATIONS_REGISTER_RETRIES
    base = settings.EVALUATIONS_REGISTER_BACKOFF
    for attempt in range(retries + 1):
        try:
            return call()
        except ExternalServiceError as error:
            if attempt == retries or not _busy(error):
                raise
            pause = max(base * 2**attempt, getattr(error, "retry_after", None) or 0)
            pause *= random.uniform(0.8, 1.2)  # noqa: S311 (jitter: workers do not align)
            time.sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover


# --- INSEE API Sirene (SIREN) ---------------------------------------------------------------


class InseeSource:
    """A (A)ctive legal unit -> favorable / company_opened; (C)eased -> unfavorable /
    company_closed; 404/403 (unknown, or not public) -> unconfirmed / ongoing_database_update
    (a new company appears in the register later; an unknown number is no proof of closure);
    a failure while `/informations` says the service or the legal units are not UP ->
    unconfirmed / ongoing_database_update; any other failure (network, timeout, 5xx, 429 after
    the retries, a body not in the contract) -> unconfirmed / unable_to_reach_api."""

    name = "INSEE Sirene"

    def __init__(self, client_factory: Callable[[], InseeClient] = InseeClient) -> None:
        self.client_factory = client_factory

    def check(self, value: str) -> SourceOutcome:
        return self.check_many([value])[value]

    def check_many(self, values: Iterable[str]) -> dict[str, SourceOutcome]:
        """One answer per number: one `GET /siren/{siren}` for a single number, the
        multi-criteria search (1,000 a call) for more."""
        values = list(dict.fromkeys(values))
        with self.client_factory() as client:
            try:
                if len(values) == 1:
                    unit = with_backoff(lambda: client.legal_unit(values[0]))
                    units = {values[0]: unit} if unit else {}
                else:
                    units = with_backoff(lambda: client.legal_units(values))
            except ExternalServiceError as error:
                failed = self._failure(client, error, values)
                return dict.fromkeys(values, failed)
        return {value: self._answer(units.get(value)) for value in values}

    def _answer(self, unit: LegalUnit | None) -> SourceOutcome:
        if unit is None:
            return _outcome(
                UPDATING, f"{self.name}: number not (yet) in the register, or not public"
            )
        since = f" since {unit.since}" if unit.since else ""
        if unit.active:
            return _outcome(OPENED, f"{self.name}: active (A){since}", unit.name)
        return _outcome(CLOSED, f"{self.name}: ceased (C){since}", unit.name)

    def _failure(
        self, client: InseeClient, error: ExternalServiceError, values: list[str]
    ) -> SourceOutcome:
        note = error.report(context=f"{self.name}: checking {len(values)} number(s)")
        if isinstance(error, LimitWait) or _busy(error):
            return _outcome(UNREACHABLE, note)
        try:
            status = client.status()
        except ExternalServiceError:
            return _outcome(UNREACHABLE, note)
        if not status.up:
            return _outcome(UPDATING, f"{self.name} under maintenance ({status.detail})")
        return _outcome(UNREACHABLE, note)


# --- VIES (EU VAT) --------------------------------------------------------------------------


class ViesSource:
    """valid -> favorable / company_opened (name and address when the member state gives
    them); not valid -> unfavorable / company_closed; MS_UNAVAILABLE, or a failure while
    `/check-status` says the member state is unavailable -> unconfirmed /
    ongoing_database_update; the concurrency codes (after the retries), SERVICE_UNAVAILABLE,
    TIMEOUT, INVALID_INPUT, network errors, 5xx, 429 -> unconfirmed / unable_to_reach_api."""

    name = "VIES"

    def __init__(self, client_factory: Callable[[], ViesClient] = ViesClient) -> None:
        self.client_factory = client_factory

    def check(self, value: str) -> SourceOutcome:
        country, number = value[:2], value[2:]
        with self.client_factory() as client:
            try:
                answer = with_backoff(lambda: client.check(country, number))
            except ExternalServiceError as error:
                return self._failure(client, error, country, value)
        if answer.valid:
            return _outcome(
                OPENED,
                f"{self.name}: valid VAT number in {country} ({answer.request_date})",
                answer.name,
                answer.address,
            )
        return _outcome(
            CLOSED, f"{self.name}: not a valid VAT number in {country} ({answer.request_date})"
        )

    def _failure(
        self, client: ViesClient, error: ExternalServiceError, country: str, value: str
    ) -> SourceOutcome:
        note = error.report(context=f"{self.name}: checking {value}")
        if isinstance(error, ViesError) and error.code in VIES_UNAVAILABLE_CODES:
            return _outcome(UPDATING, f"{self.name}: the {country} register is unavailable")
        if isinstance(error, LimitWait) or _busy(error) or not error.retryable:
            return _outcome(UNREACHABLE, note)
        try:
            unavailable = client.unavailable_countries()
        except ExternalServiceError:
            return _outcome(UNREACHABLE, note)
        if country in unavailable:
            return _outcome(
                UPDATING, f"{self.name}: the {country} register is unavailable (check-status)"
            )
        return _outcome(UNREACHABLE, note)


# --- HMRC (GB VAT) --------------------------------------------------------------------------


class HmrcSource:
    """Found -> favorable / company_opened (name and address); 404 NOT_FOUND (no VAT
    registration under this number) -> unfavorable / company_closed; 400 INVALID_REQUEST, a
    token refused, network errors, timeouts, 5xx, 429 (after the retries) -> unconfirmed /
    unable_to_reach_api (HMRC publishes no status endpoint)."""

    name = "HMRC"

    def __init__(self, client_factory: Callable[[], HmrcClient] = HmrcClient) -> None:
        self.client_factory = client_factory

    def check(self, value: str) -> SourceOutcome:
        vrn = value[2:] if value.startswith("GB") else value
        try:
            with self.client_factory() as client:
                answer = with_backoff(lambda: client.lookup(vrn))
        except ExternalServiceError as error:
            return _outcome(UNREACHABLE, error.report(context=f"{self.name}: checking {value}"))
        if answer.found:
            return _outcome(
                OPENED,
                f"{self.name}: VAT registered ({answer.processing_date})",
                answer.name,
                answer.address,
            )
        return _outcome(CLOSED, f"{self.name}: no VAT registration for this number (NOT_FOUND)")


# --- the VAT fake, and choosing sources ------------------------------------------------------


class RandomVatSource:
    """The VAT fake: one of the valid outcomes (`VALID_OUTCOMES`), drawn uniformly. A seed
    makes the sequence of answers of one process reproducible
    (settings.EVALUATIONS_VAT_FAKE_SEED)."""

    name = "VAT fake (random)"

    def __init__(self, seed: int | None = None) -> None:
        self.random = random.Random(seed)  # noqa: S311 (a fake, not security)
        self._lock = threading.Lock()

    def check(self, value: str) -> SourceOutcome:
        with self._lock:
            state, reason = self.random.choice(VALID_OUTCOMES)
        return SourceOutcome(state, reason, note=f"{self.name}: {reason.value}")


class ByCountry:
    """Routes a VAT number to a source by its two-letter prefix (GB -> HMRC)."""

    def __init__(self, default: Any, by_prefix: dict[str, Any]) -> None:
        self.default = default
        self.by_prefix = by_prefix
        self.name = " / ".join(dict.fromkeys([default.name, *(s.name for s in by_prefix.values())]))

    def source_for(self, value: str) -> Any:
        return self.by_prefix.get(value[:2], self.default)

    def check(self, value: str) -> SourceOutcome:
        return self.source_for(value).check(value)


SOURCES: dict[str, Callable[[], Any]] = {
    "insee": InseeSource,
    "vies": ViesSource,
    "hmrc": HmrcSource,
    "random": lambda: RandomVatSource(seed=settings.EVALUATIONS_VAT_FAKE_SEED),
}


def build_source(name: str) -> Any:
    """The source called `name` in settings; a wrong name fails loudly at first use."""
    try:
        return SOURCES[name]()
    except KeyError:
        raise ValueError(
            f"unknown evaluation source {name!r} (known: {', '.join(SOURCES)})"
        ) from None
