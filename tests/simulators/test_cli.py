"""``python -m simulators`` as an operator runs it: settings, errors, shutdown."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.harness.simulators import (
    REPO_ROOT,
    SimulatorsError,
    running_simulators,
    simulators_env,
    start_simulators,
)
from tests.harness.waiting import wait_until
from tests.simulators.helpers import new_application

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["--set", "bank.error_rate=2"],
            {},
            "simulators: bank.error_rate must be between 0 and 1, got 2",
        ),
        (
            [],
            {"SIM_BANK_LATENCY_MS": "abc"},
            'simulators: bank.latency_ms must be a number or a range like "50-200" or '
            "[50, 200], got abc",
        ),
        (
            ["--set", "bank.decision_seconds=20-5"],
            {},
            "simulators: bank.decision_seconds must have its minimum <= its maximum, got 20-5",
        ),
        ([], {"SIM_BANK_COLOUR": "red"}, "simulators: bank.colour unknown setting"),
        (["--set", "vault.error_rate=0"], {}, "simulators: unknown system 'vault'"),
        (["--set", "bank"], {}, "simulators: --set expects SYSTEM.FIELD=VALUE, got 'bank'"),
        (["--port", "70000"], {}, "simulators: port must be an integer between 0 and 65535"),
        ([], {"SIMULATORS_PORT": "x"}, "simulators: port must be an integer"),
        (["--bogus"], {}, "simulators: unrecognized arguments: --bogus"),
    ],
)
def test_bad_setting_exits_with_one_line(args: list[str], env: dict, message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulators", *args],
        cwd=REPO_ROOT,
        env=simulators_env(env),
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )

    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(message)


def test_harness_reports_a_failed_start_with_the_output() -> None:
    with pytest.raises(SimulatorsError, match=r"exited with 2 before being ready(.|\n)*0 and 1"):
        start_simulators(["--set", "bank.error_rate=2"])


def test_command_line_wins_over_environment() -> None:
    env = {"SIM_BANK_ERROR_RATE": "0.9", "SIM_BANK_APPROVAL_RATE": "0.25"}
    args = ["--set", "bank.error_rate=0.5", "--set", "bank.decision_seconds=0.5-1"]

    with running_simulators(args, env=env) as server:
        config = server.config("bank")
        assert (config["error_rate"], config["approval_rate"]) == (0.5, 0.25)
        assert config["decision_seconds"] == [0.5, 1.0]
        # Reset goes back to these startup values, not to the defaults.
        server.configure("bank", error_rate=0, approval_rate=1)
        server.reset("bank")
        assert server.config("bank") == config


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_shutdown_is_quick_despite_hanging_requests(signum: signal.Signals) -> None:
    with running_simulators(["--set", "bank.timeout_rate=1"]) as server:
        hanging = threading.Thread(target=_post_ignoring_errors, args=(server.url,))
        hanging.start()
        wait_until(lambda: server.stats("bank")["faults"]["timeouts"] == 1, timeout=5)

        started = time.monotonic()
        server.process.send_signal(signum)
        returncode = server.process.wait(timeout=10)

        assert returncode == 0, server.output()
        assert time.monotonic() - started < 5
        hanging.join(timeout=10)
        # Nothing but the ready line: no traceback about the cancelled request.
        assert server.output().splitlines() == [f"simulators listening on {server.url}"]


def _post_ignoring_errors(url: str) -> None:
    """A client patient enough to still be waiting when the server stops."""
    with contextlib.suppress(httpx.HTTPError):
        httpx.post(f"{url}/api/applications", json=new_application(), timeout=60)
