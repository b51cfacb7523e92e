"""Pytest plugin: run ``python -m simulators`` as a real subprocess for tests.

Registered by the root conftest (``pytest_plugins = ["tests.harness.simulators"]``).

- ``simulators_server`` (session): one process on a free port, stopped at the end.
- ``simulators`` (function): the same process, with every system reset first so
  each test starts from the startup settings and empty state.

Both yield a :class:`SimulatorsProcess` exposing ``.url`` and small httpx helpers
for the ``/_control`` API. :func:`running_simulators` starts an extra, private
process (e.g. to test command-line settings or shutdown).
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 5.0
READY_LINE = re.compile(r"^simulators listening on (?P<url>https?://\S+)\s*$")


class SimulatorsError(RuntimeError):
    """The simulators process failed to start, died, or refused a control call."""


class _OutputPump(threading.Thread):
    """Drains the child's stdout+stderr so it can never block on a full pipe, and
    keeps the text for error messages."""

    def __init__(self, stream: Any):
        super().__init__(name="simulators-output", daemon=True)
        self.stream = stream
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.captured: list[str] = []

    def run(self) -> None:
        for line in self.stream:
            self.captured.append(line)
            self.lines.put(line)
        self.lines.put(None)  # end of output: the process has exited

    def text(self) -> str:
        return "".join(self.captured)


class SimulatorsProcess:
    """A running simulators process and helpers for its control API."""

    def __init__(self, process: subprocess.Popen[str], url: str, output: _OutputPump):
        self.process = process
        self.url = url
        self._output = output
        self.client = httpx.Client(base_url=url, timeout=5.0)

    # --- control API --------------------------------------------------------------

    def configure(self, system: str, **fields: Any) -> dict[str, Any]:
        """PATCH settings, e.g. ``configure("bank", error_rate=1, latency_ms="50-200")``."""
        return self._call("PATCH", f"/_control/{system}", json=fields)

    def config(self, system: str | None = None) -> dict[str, Any]:
        return self._call("GET", f"/_control/{system}" if system else "/_control")

    def reset(self, system: str | None = None) -> None:
        self._call("POST", f"/_control/{system}/reset" if system else "/_control/reset")

    def stats(self, system: str) -> dict[str, Any]:
        return self._call("GET", f"/_control/{system}/stats")

    def applications(self) -> list[dict[str, Any]]:
        """What the bank has stored: id, job_id, created_at, decide_at, status_now, outcome."""
        return self._call("GET", "/_control/bank/applications")

    def forget_application(self, application_id: str) -> None:
        """Make the bank lose an application (its next GET /api/jobs answers 404)."""
        self._call("DELETE", f"/_control/bank/applications/{application_id}")

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise SimulatorsError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()

    # --- process ------------------------------------------------------------------

    def output(self) -> str:
        """Everything the process wrote so far (stdout and stderr)."""
        return self._output.text()

    def ensure_alive(self) -> None:
        if self.process.poll() is not None:
            raise SimulatorsError(
                f"simulators exited with {self.process.returncode}; output:\n{self.output()}"
            )

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """SIGTERM, then SIGKILL if it is still there after ``timeout``; the exit code."""
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        self._output.join(timeout=timeout)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


def simulators_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without any simulators settings, plus ``overrides``:
    a developer's exported SIM_* variables must not change what tests see."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SIM_", "SIMULATORS_"))
    }
    env.update(overrides or {})
    return env


def start_simulators(
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
) -> SimulatorsProcess:
    """Start ``python -m simulators`` on a free local port and wait for its ready line."""
    command = [sys.executable, "-m", "simulators", "--host", "127.0.0.1", "--port", "0", *args]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=simulators_env(env),
    )
    output = _OutputPump(process.stdout)
    output.start()
    deadline = time.monotonic() + startup_timeout
    while True:
        try:
            line = output.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = ""
        if line:
            match = READY_LINE.match(line)
            if match:
                return SimulatorsProcess(process, match["url"], output)
            continue
        # No ready line: it timed out ("") or the process exited (None).
        process.kill()
        process.wait()
        output.join(timeout=STOP_TIMEOUT_SECONDS)
        if process.stdout is not None:
            process.stdout.close()
        reason = (
            f"did not report ready within {startup_timeout}s"
            if line == ""
            else f"exited with {process.returncode} before being ready"
        )
        raise SimulatorsError(f"simulators {reason}; output:\n{output.text()}")


@contextmanager
def running_simulators(
    args: Sequence[str] = (), env: Mapping[str, str] | None = None
) -> Iterator[SimulatorsProcess]:
    """A private simulators process for one test, always stopped afterwards."""
    server = start_simulators(args, env)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def simulators_server() -> Iterator[SimulatorsProcess]:
    """One simulators process shared by the whole test session."""
    with running_simulators() as server:
        yield server


@pytest.fixture
def simulators(simulators_server: SimulatorsProcess) -> SimulatorsProcess:
    """The shared process with all systems reset (settings, state, counters)."""
    simulators_server.ensure_alive()
    simulators_server.reset()
    return simulators_server
