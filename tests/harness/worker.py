"""A real Celery worker in a subprocess, on the same database and broker as the tests.

`start_worker()` is the building block (later tests kill and restart workers with it);
the fixture `live_worker` runs one worker on both queues for the whole session (started
again if a test took it down).
Tests that use it must commit their data: mark them `django_db(transaction=True)`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

REPO_ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = REPO_ROOT / "var" / "test-logs"


def database_url_for_subprocess() -> str:
    """The URL of the database the tests run on (the test database, not the configured one)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if "postgresql" in db["ENGINE"]:
        auth = db["USER"] or ""
        if db.get("PASSWORD"):
            auth += f":{db['PASSWORD']}"
        host = f"{auth}@" if auth else ""
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{host}{db['HOST'] or 'localhost'}{port}/{db['NAME']}"
    raise RuntimeError(f"no subprocess URL for database engine {db['ENGINE']}")


WORKER_MEDIA_ROOT = REPO_ROOT / "var" / "test-worker-media"


def uploads_env() -> dict[str, str]:
    """The tests' uploads backend, and a MEDIA_ROOT of the worker's own: like a worker on
    another machine, it reads uploaded files through the storage, never from the tests'
    folder."""
    return {"UPLOADS_STORAGE": settings.UPLOADS_STORAGE, "MEDIA_ROOT": str(WORKER_MEDIA_ROOT)}


def subprocess_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url_for_subprocess(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_FILESYSTEM_BROKER_DIR": str(settings.CELERY_FILESYSTEM_BROKER_DIR),
            "PYTHONUNBUFFERED": "1",
            **uploads_env(),
        }
    )
    env.update(extra or {})
    return env


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    log_path: Path
    name: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, *, timeout: float = 20.0) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL the whole group after `timeout`."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once, as a crash would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def start_worker(
    *,
    queues: str = "default,polling",
    concurrency: int = 2,
    beat: bool = False,
    env: dict[str, str] | None = None,
    ready_timeout: float = 60.0,
) -> WorkerProcess:
    """Start `celery worker` and return once it says it is ready."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    name = f"test-{uuid.uuid4().hex[:8]}"
    log_path = LOG_DIR / f"worker-{name}.log"
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "-Q", queues, "-n", f"{name}@%h", "--concurrency", str(concurrency),
        "--loglevel", "INFO", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    if beat:
        command += ["--beat", "--schedule", str(LOG_DIR / f"beat-{name}")]
    log_file = log_path.open("w")
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=subprocess_env(env),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stop()/kill() reach the pool
    )
    log_file.close()
    worker = WorkerProcess(process=process, log_path=log_path, name=name)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited with {process.returncode}:\n{worker.log()[-4000:]}")
        if " ready." in worker.log():
            return worker
        time.sleep(0.1)
    worker.kill()
    raise RuntimeError(f"worker not ready after {ready_timeout:.0f} s:\n{worker.log()[-4000:]}")


def purge_queues() -> None:
    """Drop messages left by earlier runs, so a new worker only sees this run's."""
    from config.celery import app

    app.control.purge()


@pytest.fixture(scope="session")
def _session_worker(
    django_db_setup, django_db_blocker, simulators_server
) -> Iterator[dict[str, WorkerProcess]]:
    """The session's worker, in a box so `live_worker` can replace it."""
    env = {"SIMULATORS_URL": simulators_server.url, "BANK_API_URL": simulators_server.url}
    with django_db_blocker.unblock():
        purge_queues()
        box = {"worker": start_worker(env=env)}
    yield box
    box["worker"].stop()


@pytest.fixture
def live_worker(_session_worker, django_db_blocker, simulators_server) -> WorkerProcess:
    """One real worker on both queues for the session, talking to the test simulators.

    Started again if it has exited: a test that restarts the broker (tests/loans/
    test_reliability.py) can take it down with it (kombu's Redis transport may fail to restore
    the unacknowledged messages of a connection that is gone, an "Unrecoverable error")."""
    worker = _session_worker["worker"]
    if worker.process.poll() is not None:
        env = {"SIMULATORS_URL": simulators_server.url, "BANK_API_URL": simulators_server.url}
        with django_db_blocker.unblock():
            worker = _session_worker["worker"] = start_worker(env=env)
    return worker
