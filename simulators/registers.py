"""What the company-register simulators (insee, vies, hmrc) share: a sliding-window rate limit
that answers 429 like the real gateways, a log of the requests each register accepted (so a
benchmark measures the limits from the simulator's side), and deterministic generated
companies for numbers outside the demo set (benchmarks need thousands)."""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import web


def parse_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
        "0",
        "false",
        "no",
        "off",
        "",
    }:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    raise ValueError("must be true or false")


def parse_count(raw: object) -> int:
    """A whole number >= 0 (0: no limit)."""
    if isinstance(raw, bool):
        raise ValueError("must be a whole number >= 0")
    try:
        value = int(raw) if not isinstance(raw, float) or raw.is_integer() else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = None
    if value is None or value < 0:
        raise ValueError("must be a whole number >= 0")
    return value


def parse_codes(raw: object) -> tuple[str, ...]:
    """Country codes: "DE,FR" or ["DE", "FR"] ("" or []: none)."""
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ValueError('must be country codes like "DE,FR"')
    codes = tuple(sorted({i.strip().upper() for i in items if i.strip()}))
    if any(len(code) != 2 or not code.isalpha() for code in codes):
        raise ValueError('must be two-letter country codes like "DE,FR"')
    return codes


class SlidingWindow:
    """At most `limit` accepted requests in any `window` seconds (0: unlimited); every
    accepted request is logged with its wall-clock time."""

    def __init__(self, window: float = 60.0) -> None:
        self.window = window
        self.recent: deque[float] = deque()
        self.accepted: list[float] = []
        self.rejected = 0

    def admit(self, limit: int) -> float | None:
        """None when the request may go on (logged); else the seconds until it could."""
        now = time.time()
        while self.recent and self.recent[0] <= now - self.window:
            self.recent.popleft()
        if limit and len(self.recent) >= limit:
            self.rejected += 1
            return max(0.001, self.recent[0] + self.window - now)
        self.recent.append(now)
        self.accepted.append(now)
        return None

    def max_in_any_window(self) -> int:
        """The most accepted requests in any `window`-second interval (two pointers)."""
        best, start = 0, 0
        for end, at in enumerate(self.accepted):
            while self.accepted[start] <= at - self.window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def to_json(self) -> dict[str, Any]:
        return {
            "window_seconds": self.window,
            "accepted": len(self.accepted),
            "rejected": self.rejected,
            "max_in_any_window": self.max_in_any_window(),
            "first_at": self.accepted[0] if self.accepted else None,
            "last_at": self.accepted[-1] if self.accepted else None,
        }


def draw(number: str, salt: str) -> float:
    """A stable number in [0, 1) for a company number: generated companies do not change
    between requests or runs."""
    digest = hashlib.sha256(f"{salt}:{number}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


COMPANY_WORDS = ("Atlas", "Borealis", "Cobalt", "Delta", "Emeraude", "Fjord", "Granit", "Helios")
KINDS = ("Trading", "Logistics", "Services", "Industries", "Consulting", "Foods")


def generated_name(number: str) -> str:
    word = COMPANY_WORDS[int(draw(number, "word") * len(COMPANY_WORDS))]
    kind = KINDS[int(draw(number, "kind") * len(KINDS))]
    return f"{word} {kind} {number[-4:]}"


def log_route(system: str, windows: Callable[[], dict[str, SlidingWindow]]) -> web.RouteDef:
    """`GET /_control/<system>/log`: what each limited endpoint accepted and refused
    (`?times=1` adds the time of every accepted request). `windows` is read at each request:
    a reset replaces the system's windows."""

    async def handler(request: web.Request) -> web.Response:
        detail = request.query.get("times") == "1"
        body = {
            name: {**window.to_json(), **({"times": window.accepted} if detail else {})}
            for name, window in windows().items()
        }
        return web.json_response(body)

    return web.get(f"/_control/{system}/log", handler)
