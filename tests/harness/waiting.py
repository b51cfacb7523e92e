"""Condition polling with a deadline, instead of fixed sleeps that are either too
short (flaky) or too long (slow)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 5.0,
    interval: float = 0.05,
    message: str | None = None,
) -> T:
    """Call ``predicate`` until it returns something truthy, and return that value.

    Raises AssertionError after ``timeout`` seconds, naming the condition and the
    last value seen so a failure explains itself.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            what = message or getattr(predicate, "__name__", "condition")
            raise AssertionError(f"{what} not met within {timeout}s (last value: {value!r})")
        time.sleep(min(interval, remaining))
