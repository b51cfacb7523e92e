"""The framework every simulated system plugs into.

A system is a :class:`System` subclass: it names itself, declares its settings (a
:class:`FaultConfig` subclass), lists its public endpoints and keeps its own
in-memory state. The framework wraps each public endpoint with fault injection and
counting, and serves the ``/_control`` API for all systems alike.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from aiohttp import web

from simulators.config import FaultConfig

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_response(body: Any, status: int = 200) -> web.Response:
    """Every answer of the simulators is JSON, errors included."""
    return web.json_response(body, status=status)


def error_response(message: str, status: int = 400, **extra: Any) -> web.Response:
    return json_response({"error": message, **extra}, status=status)


@dataclass(frozen=True)
class Endpoint:
    """A public endpoint of a system, e.g. ``Endpoint("POST", "/api/applications", ...)``."""

    method: str
    path: str
    handler: Handler

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class FaultStats:
    """Request counters of one system since start or the last reset."""

    requests: Counter[str]
    errors: int = 0
    timeouts: int = 0

    @classmethod
    def empty(cls) -> FaultStats:
        return cls(requests=Counter())

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "requests_total": sum(self.requests.values()),
            "faults": {"errors": self.errors, "timeouts": self.timeouts},
        }


class System:
    """Base class of a simulated external system.

    Subclasses set ``name`` and ``config_class`` and override :meth:`endpoints`,
    :meth:`reset_state`, and optionally :meth:`control_routes` and
    :meth:`extra_stats`. All randomness must come from ``self.random`` so that a
    seed makes a (sequential) run reproducible.
    """

    name: ClassVar[str]
    config_class: ClassVar[type[FaultConfig]] = FaultConfig

    def __init__(self, config: FaultConfig | None = None):
        self.startup_config = config if config is not None else self.config_class()
        self.config = self.startup_config
        self.random = random.Random(self.config.seed)
        self.stats = FaultStats.empty()
        self._held: set[asyncio.Task[Any]] = set()
        self.reset_state()

    # --- to be provided by subclasses -------------------------------------------------

    def endpoints(self) -> list[Endpoint]:
        """The public API, served with faults and latency."""
        return []

    def control_routes(self) -> list[web.RouteDef]:
        """Extra test-only routes (full paths under ``/_control/<name>/``), never faulty."""
        return []

    def reset_state(self) -> None:
        """Forget everything the system has stored."""

    def extra_stats(self) -> dict[str, Any]:
        """System-specific counters merged into ``GET /_control/<name>/stats``."""
        return {}

    # --- framework ----------------------------------------------------------------------

    def configure(self, changes: Mapping[str, object]) -> FaultConfig:
        """Apply raw setting changes (validated, all-or-nothing); ``seed`` re-seeds."""
        self.config = self.config.updated(self.name, changes)
        if "seed" in changes:
            self.random.seed(self.config.seed)
        return self.config

    def reset(self) -> None:
        """Back to the startup settings, empty state, zeroed counters, fresh Random."""
        self.config = self.startup_config
        self.random.seed(self.config.seed)
        self.stats = FaultStats.empty()
        self.reset_state()

    def stats_json(self) -> dict[str, Any]:
        return {"system": self.name, **self.stats.to_json(), **self.extra_stats()}

    def with_faults(self, endpoint: Endpoint) -> Handler:
        """Wrap a public handler: count it, delay it, fail it or make it hang.

        Order matters and mirrors real failures: latency first; an injected error
        answers 503 *before* the request is processed (nothing stored); an injected
        timeout lets the request be processed (state changes) and then withholds
        the answer for ``hang_seconds``, like a network cut after sending.
        Random draws happen only for non-zero rates so that, without faults, the
        seeded sequence depends on the requests alone.
        """

        async def handle(request: web.Request) -> web.StreamResponse:
            config = self.config
            self.stats.requests[endpoint.name] += 1
            delay_ms = config.latency_ms.pick(self.random)
            if delay_ms > 0:
                await self._hold(delay_ms / 1000)
            if config.error_rate > 0 and self.random.random() < config.error_rate:
                self.stats.errors += 1
                return error_response("simulated failure", status=503)
            hang = config.timeout_rate > 0 and self.random.random() < config.timeout_rate
            response = await endpoint.handler(request)
            if hang:
                self.stats.timeouts += 1
                await self._hold(config.hang_seconds)
            return response

        return handle

    async def _hold(self, seconds: float) -> None:
        """Sleep on behalf of a request, cancellable by :meth:`release_held_requests`."""
        # Always set: handlers run inside the connection's task.
        task = cast(asyncio.Task[Any], asyncio.current_task())
        self._held.add(task)
        try:
            await asyncio.sleep(seconds)
        finally:
            self._held.discard(task)

    def release_held_requests(self) -> None:
        """Cancel requests sleeping for latency or a simulated timeout, so that a
        shutdown does not wait ``hang_seconds``; their clients see the connection drop."""
        for task in list(self._held):
            task.cancel()
