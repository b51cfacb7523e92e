"""The external part of a qualification: both checks at once, then the score. No database.

`gather_runs` runs in an event loop of its own (see `leads.services`), qualifies many leads
with bounded concurrency, and reports each finished check and each finished run through
`emit` (a thread-safe callable) so that the caller's thread can record them as they happen.
"""

from __future__ import annotations

import asyncio
import logging
import time
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from core.http import ExternalServiceError, seconds_phrase, system_label
from core.present import day
from leads.clients import ArchivesClient, RegistryClient, ScoringClient
from leads.decision import CheckResult, ScoreResult, needs_score
from leads.models import CheckStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeadFacts:
    """What a run needs to know about its lead, read before any HTTP call."""

    run_id: int
    lead_id: int
    national_id: str
    first_name: str
    last_name: str
    birth_date: date


@dataclass(frozen=True)
class CheckFinished:
    run_id: int
    result: CheckResult


@dataclass(frozen=True)
class RunGathered:
    run_id: int
    registry: CheckResult
    archives: CheckResult
    scoring: ScoreResult | None


Event = CheckFinished | RunGathered
Emit = Callable[[Event], None]


@dataclass
class Clients:
    registry: RegistryClient
    archives: ArchivesClient
    scoring: ScoringClient

    @classmethod
    @asynccontextmanager
    async def open(cls, *, timeout: float | None = None) -> AsyncIterator[Clients]:
        """One client per system, shared by every lead of a bulk run."""
        async with (
            RegistryClient(timeout=timeout) as registry,
            ArchivesClient(timeout=timeout) as archives,
            ScoringClient(timeout=timeout) as scoring,
        ):
            yield cls(registry=registry, archives=archives, scoring=scoring)


def normalise_name(name: str) -> str:
    """Compare names the way registries write them: no accents, no case, hyphens and
    apostrophes as spaces (`Hélène` = `HELENE`, `Jean-Pierre` = `JEAN PIERRE`)."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    for separator in "-'\u2019":
        letters = letters.replace(separator, " ")
    return " ".join(letters.casefold().split())


Outcome = tuple[CheckStatus, str, Any]


async def check_registry(client: RegistryClient, lead: LeadFacts) -> Outcome:
    person = await client.find_person(lead.national_id)
    if person is None:
        return CheckStatus.FAILED, "not found in the national registry", {"found": False}
    mismatches = []
    if normalise_name(person.first_name) != normalise_name(lead.first_name):
        mismatches.append(f"first name differs from the registry's ({person.first_name})")
    if normalise_name(person.last_name) != normalise_name(lead.last_name):
        mismatches.append(f"last name differs from the registry's ({person.last_name})")
    if person.birth_date != lead.birth_date:
        mismatches.append(f"birth date differs from the registry's ({day(person.birth_date)})")
    output = {"found": True, "match": not mismatches, "person": person.raw}
    if mismatches:
        return CheckStatus.FAILED, "; ".join(mismatches), output
    return CheckStatus.PASSED, "", output


async def check_archives(client: ArchivesClient, lead: LeadFacts) -> Outcome:
    records = await client.judicial_records(lead.national_id)
    output = {"records": [asdict(record) for record in records]}
    if records:
        references = ", ".join(record.reference for record in records)
        plural = "s" if len(records) > 1 else ""
        return CheckStatus.FAILED, f"{len(records)} judicial record{plural} ({references})", output
    return CheckStatus.PASSED, "", output


async def _timed(system: str, call: Callable[[], Awaitable[Outcome]], run_id: int) -> CheckResult:
    """Run one check, turning "could not find out" into UNAVAILABLE, never into FAILED.

    The reason people read is a sentence ("the judicial archives did not answer (HTTP 503)");
    the technical detail (URL, status, body) goes to the log under the run's reference."""
    started_at = timezone.now()
    started = time.perf_counter()
    try:
        status, reason, response = await call()
    except ExternalServiceError as error:
        reason = error.report(context=f"qualification run {run_id}: {system} check", log=logger)
        status, response = CheckStatus.UNAVAILABLE, None
    except asyncio.CancelledError:
        raise
    except Exception:  # a bug must not reject anybody; it is logged and reviewed
        logger.exception("qualification run %s: %s check crashed", run_id, system)
        status, reason, response = (
            CheckStatus.UNAVAILABLE,
            f"{system_label(system)} check stopped on an unexpected error (logged)",
            None,
        )
    return CheckResult(
        system=system,
        status=status,
        reason=reason,
        response=response,
        started_at=started_at,
        finished_at=timezone.now(),
        latency_ms=(time.perf_counter() - started) * 1000,
    )


def _timed_out(
    system: str, timeout: float, started_at: Any, started: float, run_id: int
) -> CheckResult:
    logger.warning(
        "qualification run %s: %s check gave no answer within the run's %g s",
        run_id,
        system,
        timeout,
    )
    return CheckResult(
        system=system,
        status=CheckStatus.UNAVAILABLE,
        reason=f"{system_label(system)} did not answer within {seconds_phrase(timeout)}",
        started_at=started_at,
        finished_at=timezone.now(),
        latency_ms=(time.perf_counter() - started) * 1000,
    )


async def gather_run(
    lead: LeadFacts, clients: Clients, *, timeout: float, emit: Emit
) -> RunGathered:
    """Both checks concurrently, then the score, all within one overall `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    started_at, started = timezone.now(), time.perf_counter()
    results: dict[str, CheckResult] = {}

    async def run_check(system: str, call: Callable[[], Awaitable[Outcome]]) -> None:
        result = await _timed(system, call, lead.run_id)
        results[system] = result
        emit(CheckFinished(lead.run_id, result))

    try:
        async with asyncio.timeout_at(deadline):
            await asyncio.gather(
                run_check("registry", lambda: check_registry(clients.registry, lead)),
                run_check("archives", lambda: check_archives(clients.archives, lead)),
            )
    except TimeoutError:
        for system in ("registry", "archives"):
            if system not in results:
                results[system] = _timed_out(system, timeout, started_at, started, lead.run_id)
                emit(CheckFinished(lead.run_id, results[system]))

    registry, archives = results["registry"], results["archives"]
    scoring = None
    if needs_score(registry, archives):
        scoring = await _score(lead, clients.scoring, registry, archives, deadline, timeout)
    gathered = RunGathered(lead.run_id, registry, archives, scoring)
    emit(gathered)
    return gathered


async def _score(
    lead: LeadFacts,
    client: ScoringClient,
    registry: CheckResult,
    archives: CheckResult,
    deadline: float,
    timeout: float,
) -> ScoreResult:
    started_at, started = timezone.now(), time.perf_counter()
    score, reason = None, ""
    try:
        async with asyncio.timeout_at(deadline):
            score = await client.score(
                national_id=lead.national_id,
                registry=registry.response,
                archives=archives.response,
            )
    except TimeoutError:
        logger.warning(
            "qualification run %s: scoring gave no answer within the run's %g s",
            lead.run_id,
            timeout,
        )
        reason = f"{system_label('scoring')} did not answer within {seconds_phrase(timeout)}"
    except ExternalServiceError as error:
        reason = error.report(context=f"qualification run {lead.run_id}: scoring", log=logger)
    return ScoreResult(
        score=score,
        reason=reason,
        response={"score": score} if score is not None else None,
        started_at=started_at,
        finished_at=timezone.now(),
        latency_ms=(time.perf_counter() - started) * 1000,
    )


async def gather_runs(
    leads: Iterable[LeadFacts],
    *,
    emit: Emit,
    concurrency: int,
    timeout: float,
    clients: Callable[[], Any] | None = None,
) -> None:
    """Qualify `leads`, at most `concurrency` at a time, sharing one client per system."""
    semaphore = asyncio.Semaphore(max(1, concurrency))
    opener = clients or (lambda: Clients.open(timeout=timeout))
    async with opener() as shared:

        async def one(lead: LeadFacts) -> None:
            async with semaphore:
                await gather_run(lead, shared, timeout=timeout, emit=emit)

        await asyncio.gather(*(one(lead) for lead in leads))
