"""Command line entry point: ``python -m simulators [--host H] [--port P] [--set S.F=V]``.

Settings come from the environment (``SIM_<SYSTEM>_<FIELD>``, ``SIMULATORS_HOST``,
``SIMULATORS_PORT``) and are overridden by the command line. Any bad value stops
the program with one readable line on stderr, because a traceback hides the typo.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from typing import NoReturn

from aiohttp import web

from simulators.app import build_app
from simulators.config import SettingsError, env_settings
from simulators.core import System
from simulators.systems import SYSTEMS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8100
# How long in-flight requests get to finish at shutdown before being cancelled:
# hanging requests (timeout_rate) must not delay the exit by hang_seconds.
SHUTDOWN_GRACE_SECONDS = 1.0


class UsageError(Exception):
    """A bad command line or environment value, reported as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _build_parser(system_classes: Sequence[type[System]]) -> argparse.ArgumentParser:
    settings_help = []
    for system_class in system_classes:
        settings_help.append(f"{system_class.name}:")
        settings_help.extend(
            f"  {system_class.name}.{name}  {doc}"
            for name, doc in system_class.config_class.describe().items()
        )
    parser = _Parser(
        prog="python -m simulators",
        description="Simulate the external systems over HTTP, with injectable faults.",
        epilog="settings (also SIM_<SYSTEM>_<FIELD> in the environment):\n"
        + "\n".join(settings_help),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", help=f"default $SIMULATORS_HOST or {DEFAULT_HOST}")
    parser.add_argument(
        "--port", help=f"0 picks a free port; default $SIMULATORS_PORT or {DEFAULT_PORT}"
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="SYSTEM.FIELD=VALUE",
        help="e.g. bank.error_rate=0.2 or bank.latency_ms=50-200 (repeatable)",
    )
    return parser


def parse_port(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise UsageError(f"port must be an integer between 0 and 65535, got {raw}")
    return port


def parse_assignments(
    assignments: Sequence[str], system_names: Sequence[str]
) -> dict[str, dict[str, str]]:
    """``["bank.error_rate=0.2"]`` -> ``{"bank": {"error_rate": "0.2"}}``."""
    result: dict[str, dict[str, str]] = {name: {} for name in system_names}
    for assignment in assignments:
        target, equals, value = assignment.partition("=")
        system, dot, field = target.strip().partition(".")
        if not (equals and dot and system and field):
            raise UsageError(f"--set expects SYSTEM.FIELD=VALUE, got {assignment!r}")
        if system not in result:
            raise UsageError(f"unknown system {system!r} (known: {', '.join(system_names)})")
        result[system][field] = value
    return result


def build_systems(
    system_classes: Sequence[type[System]],
    assignments: Sequence[str],
    environ: Mapping[str, str],
) -> list[System]:
    """Instantiate every system with env settings overridden by ``--set`` ones."""
    cli = parse_assignments(assignments, [cls.name for cls in system_classes])
    systems = []
    for system_class in system_classes:
        names = system_class.config_class.setting_names()
        changes = {**env_settings(system_class.name, names, environ), **cli[system_class.name]}
        try:
            config = system_class.config_class().updated(system_class.name, changes)
        except SettingsError as error:
            raise UsageError(error.summary()) from None
        systems.append(system_class(config))
    return systems


def display_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def serve(systems: Sequence[System], host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM; announce the real URL (``--port 0``) on stdout."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(
        build_app(systems), access_log=None, shutdown_timeout=SHUTDOWN_GRACE_SECONDS
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound_port = runner.addresses[0][1]
        print(f"simulators listening on {display_url(host, bound_port)}", flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    logging.basicConfig(stream=sys.stderr, format="simulators: %(levelname)s %(message)s")
    try:
        args = _build_parser(SYSTEMS).parse_args(argv)
        host = args.host or environ.get("SIMULATORS_HOST") or DEFAULT_HOST
        port = parse_port(args.port or environ.get("SIMULATORS_PORT") or str(DEFAULT_PORT))
        systems = build_systems(SYSTEMS, args.settings, environ)
    except UsageError as error:
        print(f"simulators: {error}", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(systems, host, port))
    except OSError as error:
        print(
            f"simulators: cannot listen on {host}:{port}: {error.strerror or error}",
            file=sys.stderr,
        )
        return 1
    return 0
