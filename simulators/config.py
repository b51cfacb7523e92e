"""Settings of a simulated system: fault injection plus the system's own knobs.

Every setting is declared once, as a dataclass field carrying its parser, so the
same validation (and the same error messages) serves the command line, the
environment and ``PATCH /_control/{system}``. A system adds settings of its own by
subclassing :class:`FaultConfig`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

Parser = Callable[[object], Any]


class SettingsError(ValueError):
    """One or more settings were rejected; ``fields`` maps a name to its messages."""

    def __init__(self, system: str, fields: dict[str, list[str]], raw: Mapping[str, object]):
        self.system = system
        self.fields = fields
        self.raw = dict(raw)
        super().__init__(self.summary())

    def lines(self) -> list[str]:
        """Readable one-line descriptions, e.g. ``bank.error_rate must be ..., got 2``."""
        lines = []
        for name, messages in self.fields.items():
            got = f", got {show(self.raw[name])}" if name in self.raw else ""
            lines.extend(f"{self.system}.{name} {message}{got}" for message in messages)
        return lines

    def summary(self) -> str:
        return "; ".join(self.lines())


def show(raw: object) -> str:
    """Render a raw value the way the user typed it (strings unquoted)."""
    return raw if isinstance(raw, str) else json.dumps(raw)


@dataclass(frozen=True)
class Range:
    """A closed interval of non-negative numbers; ``low == high`` means a fixed value."""

    low: float
    high: float

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    def pick(self, rng: Any) -> float:
        """A uniform draw from the interval; draws nothing from ``rng`` when fixed,
        so a fixed value never shifts a seeded sequence."""
        return self.low if self.fixed else rng.uniform(self.low, self.high)

    def to_json(self) -> list[float]:
        return [self.low, self.high]

    def __str__(self) -> str:
        return f"{_number_text(self.low)}-{_number_text(self.high)}"


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


# --- parsers: each takes a raw value (str from CLI/env, JSON value from HTTP) and
# returns the typed value or raises ValueError with a message meant for humans.


def _number(raw: object) -> float:
    if isinstance(raw, bool):
        raise ValueError("must be a number")
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            raise ValueError("must be a number") from None
    else:
        raise ValueError("must be a number")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def parse_non_negative(raw: object) -> float:
    value = _number(raw)
    if value < 0:
        raise ValueError("must be >= 0")
    return value


def parse_probability(raw: object) -> float:
    value = _number(raw)
    if not 0 <= value <= 1:
        raise ValueError("must be between 0 and 1")
    return value


def parse_range(raw: object) -> Range:
    """Accept ``50``, ``"50"``, ``"50-200"`` or ``[50, 200]``."""
    message = 'must be a number or a range like "50-200" or [50, 200]'
    if isinstance(raw, list | tuple):
        if len(raw) != 2:
            raise ValueError(message)
        bounds = list(raw)
    elif isinstance(raw, str) and "-" in raw.strip().lstrip("-"):
        bounds = raw.strip().split("-", 1)
    else:
        bounds = [raw, raw]
    try:
        low, high = (_number(bound) for bound in bounds)
    except ValueError:
        raise ValueError(message) from None
    if low < 0 or high < 0:
        raise ValueError("must be >= 0")
    if low > high:
        raise ValueError("must have its minimum <= its maximum")
    return Range(low, high)


def parse_seed(raw: object) -> int | None:
    """An integer, or null/"none"/"" for a seed drawn from the OS (not reproducible)."""
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if text.lower() in {"", "none", "null"}:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValueError("must be an integer or null") from None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    raise ValueError("must be an integer or null")


def spec(parse: Parser, doc: str) -> dict[str, Any]:
    """Field metadata declaring a setting: how to parse its raw value, and its help."""
    return {"parse": parse, "doc": doc}


@dataclass(frozen=True)
class FaultConfig:
    """Fault injection common to every system. Subclass it to add a system's settings."""

    latency_ms: Range = field(
        default=Range(0, 0),
        metadata=spec(parse_range, "delay added before answering, fixed or min-max in ms"),
    )
    error_rate: float = field(
        default=0.0,
        metadata=spec(parse_probability, "share of requests answered 503, not processed"),
    )
    timeout_rate: float = field(
        default=0.0,
        metadata=spec(parse_probability, "share of requests processed, answered after hang"),
    )
    hang_seconds: float = field(
        default=30.0,
        metadata=spec(parse_non_negative, "how long a 'timed out' request hangs"),
    )
    seed: int | None = field(
        default=None,
        metadata=spec(parse_seed, "seed of the system's Random (null: unpredictable)"),
    )

    @classmethod
    def setting_names(cls) -> list[str]:
        return [setting.name for setting in dataclasses.fields(cls)]

    @classmethod
    def describe(cls) -> dict[str, str]:
        """Name -> one-line help for every setting (used by ``--help``)."""
        return {setting.name: setting.metadata["doc"] for setting in dataclasses.fields(cls)}

    def updated(self, system: str, changes: Mapping[str, object]) -> Self:
        """A copy with ``changes`` (raw values) applied; all-or-nothing.

        Every rejected field is reported at once so a caller fixes them in one go.
        """
        known = {setting.name: setting for setting in dataclasses.fields(self)}
        parsed: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, raw in changes.items():
            setting = known.get(name)
            if setting is None:
                errors[name] = [f"unknown setting (known: {', '.join(known)})"]
                continue
            try:
                parsed[name] = setting.metadata["parse"](raw)
            except ValueError as error:
                errors[name] = [str(error)]
        if errors:
            raise SettingsError(system, errors, changes)
        return dataclasses.replace(self, **parsed)

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for setting in dataclasses.fields(self):
            value = getattr(self, setting.name)
            result[setting.name] = value.to_json() if isinstance(value, Range) else value
        return result


def env_settings(system: str, names: Iterable[str], environ: Mapping[str, str]) -> dict[str, str]:
    """The ``SIM_<SYSTEM>_<FIELD>`` variables for one system, keyed by setting name.

    A variable with the system's prefix but an unknown field name is returned as is
    (lower-cased) so validation rejects it: a typo must not be silently ignored.
    """
    prefix = f"SIM_{system.upper()}_"
    known = {name.upper(): name for name in names}
    found: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith(prefix):
            suffix = key[len(prefix) :]
            found[known.get(suffix, suffix.lower())] = value
    return found
