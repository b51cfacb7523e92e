"""Readiness checks: does each dependency answer right now?"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connections
from kombu import Connection

from config.celery import app as celery_app


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    duration_ms: float
    error: str = ""


def _timed(name: str, check) -> CheckResult:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:
        return CheckResult(name, False, (time.perf_counter() - started) * 1000, f"{exc!r}"[:300])
    return CheckResult(name, True, (time.perf_counter() - started) * 1000)


def _check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker_settings() -> tuple[str, dict]:
    return str(celery_app.conf.broker_url), dict(celery_app.conf.broker_transport_options or {})


def _check_broker() -> None:
    url, options = _broker_settings()
    if str(url).startswith("filesystem://"):
        # Nothing to connect to: the broker is a folder that every process must be able to write.
        for key in ("data_folder_in", "control_folder"):
            folder = Path(options[key])
            if not folder.is_dir() or not os.access(folder, os.W_OK):
                raise OSError(f"broker folder {folder} is missing or not writable")
        return
    with Connection(url, connect_timeout=2, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
        if str(url).startswith(("redis://", "rediss://")):
            # The Redis transport connects lazily: talk to the server to be sure it answers.
            conn.default_channel.client.ping()


def readiness() -> list[CheckResult]:
    return [_timed("database", _check_database), _timed("broker", _check_broker)]
