"""Pure unit tests of settings parsing (no process, no socket)."""

from __future__ import annotations

import random

import pytest

from simulators.bank import BankConfig
from simulators.cli import UsageError, build_systems, parse_assignments, parse_port
from simulators.config import (
    FaultConfig,
    Range,
    SettingsError,
    env_settings,
    parse_probability,
    parse_range,
    parse_seed,
)
from simulators.systems import SYSTEMS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("50", Range(50, 50)),
        (50, Range(50, 50)),
        ("50-200", Range(50, 200)),
        (" 0.5 - 1 ", Range(0.5, 1)),
        ([50, 200], Range(50, 200)),
        ([0, 0], Range(0, 0)),
    ],
)
def test_parse_range(raw: object, expected: Range) -> None:
    assert parse_range(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "must be a number or a range"),
        ("200-50", "minimum <= its maximum"),
        ("-5", "must be >= 0"),
        ([1, 2, 3], "must be a number or a range"),
        (True, "must be a number or a range"),
        (None, "must be a number or a range"),
        ("nan", "must be a number or a range"),
    ],
)
def test_parse_range_rejects(raw: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_range(raw)


def test_fixed_range_draws_nothing() -> None:
    rng = random.Random(1)
    state = rng.getstate()
    assert Range(5, 5).pick(rng) == 5
    assert rng.getstate() == state
    assert 5 <= Range(5, 20).pick(rng) <= 20


@pytest.mark.parametrize(("raw", "expected"), [("0", 0.0), ("1", 1.0), (0.2, 0.2), ("0.25", 0.25)])
def test_parse_probability(raw: object, expected: float) -> None:
    assert parse_probability(raw) == expected


@pytest.mark.parametrize("raw", ["2", -0.1, "x", False, None])
def test_parse_probability_rejects(raw: object) -> None:
    with pytest.raises(ValueError, match="must be"):
        parse_probability(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("42", 42), (42, 42), (7.0, 7), (None, None), ("null", None), ("", None)],
)
def test_parse_seed(raw: object, expected: int | None) -> None:
    assert parse_seed(raw) == expected


@pytest.mark.parametrize("raw", ["4.2", 4.5, True, [1]])
def test_parse_seed_rejects(raw: object) -> None:
    with pytest.raises(ValueError, match="integer or null"):
        parse_seed(raw)


def test_updated_collects_every_error_and_changes_nothing() -> None:
    config = BankConfig()
    with pytest.raises(SettingsError) as caught:
        config.updated("bank", {"error_rate": "2", "colour": "red", "approval_rate": "0.1"})

    assert caught.value.fields["error_rate"] == ["must be between 0 and 1"]
    assert caught.value.fields["colour"][0].startswith("unknown setting")
    assert "approval_rate" not in caught.value.fields
    assert caught.value.lines()[0] == "bank.error_rate must be between 0 and 1, got 2"
    assert config == BankConfig()


def test_to_json_and_defaults() -> None:
    assert FaultConfig().to_json() == {
        "latency_ms": [0, 0],
        "error_rate": 0.0,
        "timeout_rate": 0.0,
        "hang_seconds": 30.0,
        "seed": None,
    }
    assert BankConfig().decision_seconds == Range(5, 20)
    assert BankConfig().approval_rate == 0.5


def test_env_settings_picks_the_system_prefix() -> None:
    environ = {
        "SIM_BANK_ERROR_RATE": "0.2",
        "SIM_BANK_DECISION_SECONDS": "5-20",
        "SIM_BANK_COLOUR": "red",
        "SIM_OTHER_ERROR_RATE": "1",
        "PATH": "/bin",
    }
    assert env_settings("bank", BankConfig.setting_names(), environ) == {
        "error_rate": "0.2",
        "decision_seconds": "5-20",
        "colour": "red",
    }


def test_command_line_overrides_environment() -> None:
    environ = {"SIM_BANK_ERROR_RATE": "0.9", "SIM_BANK_SEED": "3"}
    systems = build_systems(SYSTEMS, ["bank.error_rate=0.1", "bank.latency_ms=50-200"], environ)
    bank = next(system for system in systems if system.name == "bank")

    assert bank.config.error_rate == 0.1
    assert bank.config.seed == 3
    assert bank.config.latency_ms == Range(50, 200)


@pytest.mark.parametrize(
    ("assignment", "message"),
    [("bank", "SYSTEM.FIELD=VALUE"), ("bank.x", "SYSTEM.FIELD=VALUE"), ("vault.x=1", "vault")],
)
def test_parse_assignments_rejects(assignment: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_assignments([assignment], ["bank"])


def test_parse_assignments_keeps_equals_in_values() -> None:
    assert parse_assignments(["bank.seed=1=2"], ["bank"]) == {"bank": {"seed": "1=2"}}


@pytest.mark.parametrize("raw", ["-1", "65536", "http"])
def test_parse_port_rejects(raw: str) -> None:
    with pytest.raises(UsageError, match="port must be"):
        parse_port(raw)
