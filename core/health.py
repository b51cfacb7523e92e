"""Readiness: does each dependency answer right now, and is background work being done?

`/readyz` (core.views.readyz) answers anonymous callers (load balancers, orchestrators), so what
it says names what failed in a sentence and nothing more: no host, port, path or exception
text. The detail of a failed check goes to the log, under the request id of the probe.

* The database and the broker gate readiness: without them this web process cannot serve, so
  /readyz answers 503 (`"status": "unavailable"`) and the process is taken out of rotation.
* A queue whose heartbeat is older than settings.QUEUE_HEARTBEAT_STALE_AFTER has no worker
  consuming it (or beat is down). That does not make this web process unable to serve, and
  taking it out of rotation would not bring a worker back, so /readyz still answers 200, with
  `"status": "degraded"` and `"degraded": ["polling"]`: monitoring alerts on the body, the
  dashboard shows a banner naming the queue and since when.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import connections
from kombu import Connection

from config.celery import app as celery_app
from core.selectors import QueueStatus, queue_statuses

logger = logging.getLogger(__name__)

#: What a failed check says to anyone who asks; the exception goes to the log.
PUBLIC_ERRORS = {
    "database": "the database did not answer",
    "broker": "the broker did not answer",
}


class CheckFailed(Exception):
    """A check's failure with a sentence of its own (`public`) besides the detail."""

    def __init__(self, public: str, detail: str) -> None:
        super().__init__(detail)
        self.public = public


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    duration_ms: float
    #: A sentence for anyone (no address, no exception); empty when ok.
    error: str = ""


@dataclass(frozen=True)
class Readiness:
    checks: list[CheckResult]
    queues: list[QueueStatus] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [check.name for check in self.checks if not check.ok]

    @property
    def degraded(self) -> list[str]:
        return [queue.queue for queue in self.queues if not queue.healthy]

    @property
    def status(self) -> str:
        if self.failed:
            return "unavailable"
        return "degraded" if self.degraded else "ready"

    @property
    def http_status(self) -> int:
        return 503 if self.failed else 200

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "failed": self.failed,
            "degraded": self.degraded,
            "checks": {
                check.name: {
                    "ok": check.ok,
                    "ms": round(check.duration_ms, 1),
                    "error": check.error,
                }
                for check in self.checks
            },
            "queues": {queue.queue: _queue_json(queue) for queue in self.queues},
        }


def _queue_json(queue: QueueStatus) -> dict:
    return {
        "ok": queue.healthy,
        "last_heartbeat_at": _iso(queue.last_seen_at),
        "seconds_since": round(queue.seconds_since, 1) if queue.seconds_since is not None else None,
        "error": "" if queue.healthy else queue.problem,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _timed(name: str, check) -> CheckResult:
    started = time.perf_counter()
    try:
        check()
    except CheckFailed as exc:
        logger.warning("readiness: %s check failed: %s", name, exc)
        return CheckResult(name, False, (time.perf_counter() - started) * 1000, exc.public)
    except Exception:
        logger.warning("readiness: %s check failed", name, exc_info=True)
        return CheckResult(name, False, (time.perf_counter() - started) * 1000, PUBLIC_ERRORS[name])
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
                raise CheckFailed(
                    "the broker's message folder is missing or cannot be written",
                    f"broker folder {folder} is missing or not writable",
                )
        return
    with Connection(url, connect_timeout=2, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
        if str(url).startswith(("redis://", "rediss://")):
            # The Redis transport connects lazily: talk to the server to be sure it answers.
            conn.default_channel.client.ping()


def readiness() -> Readiness:
    checks = [_timed("database", _check_database), _timed("broker", _check_broker)]
    queues: list[QueueStatus] = []
    if checks[0].ok:  # the heartbeats are rows: nothing to say about queues without them
        try:
            queues = queue_statuses()
        except Exception:
            logger.warning("readiness: queue heartbeats could not be read", exc_info=True)
    return Readiness(checks=checks, queues=queues)
