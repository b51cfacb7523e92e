"""Nothing is ever lost: real worker processes (with beat), the bank simulator over a real
socket, injected faults, a worker killed with SIGKILL, a broker restart.

Runs on the configured broker and database: filesystem + SQLite, then Redis + PostgreSQL.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

from loans.models import OPEN_STATUSES, LoanApplication, Status
from loans.services import loan_application_create
from tests.harness.waiting import wait_until
from tests.harness.worker import start_worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Fast clock for tests: same rules, seconds instead of tens of seconds.
FAST = {
    "LOANS_FIRST_POLL_DELAY": "0.3",
    "LOANS_POLL_INTERVAL": "0.5",
    "LOANS_SUBMIT_RETRY_BASE": "0.2",
    "LOANS_SUBMIT_RETRY_MAX": "1",
    "LOANS_CLAIM_LEASE": "4",
    "LOANS_BANK_TIMEOUT": "1",
}


@pytest.fixture
def bank(simulators, settings):
    settings.BANK_API_URL = simulators.url
    return simulators


def worker_env(bank) -> dict[str, str]:
    return {**FAST, "BANK_API_URL": bank.url, "SIMULATORS_URL": bank.url}


def create(count: int) -> list[LoanApplication]:
    return [
        loan_application_create(
            first_name=f"Client{i}",
            last_name="Reliability",
            email=f"client{i}@example.com",
            amount="5000",
            currency="EUR",
            actor="tests",
        )[0]
        for i in range(count)
    ]


def all_decided(timeout: float) -> None:
    def done() -> bool:
        return not LoanApplication.objects.filter(status__in=OPEN_STATUSES).exists()

    def describe() -> str:
        open_rows = LoanApplication.objects.filter(status__in=OPEN_STATUSES)
        return f"{open_rows.count()} still open, e.g. " + "; ".join(
            f"{a.status} polls={a.poll_count} attempts={a.submit_attempts} err={a.last_error[:80]}"
            for a in open_rows[:3]
        )

    try:
        wait_until(done, timeout=timeout, interval=0.2)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {describe()}") from None


def assert_matches_the_bank(bank, applications: list[LoanApplication]) -> None:
    at_bank = {row["id"]: row for row in bank.applications()}
    ours = {
        str(a.id): a for a in LoanApplication.objects.filter(id__in=[a.id for a in applications])
    }
    assert set(at_bank) == set(ours), "the bank and we do not hold the same applications"
    stats = bank.stats("bank")
    assert stats["applications_created"] == len(applications), "duplicated at the bank"
    for application_id, application in ours.items():
        assert application.status == at_bank[application_id]["outcome"], application_id
        assert str(application.bank_job_id) == at_bank[application_id]["job_id"]
        assert application.decided_at.timestamp() >= at_bank[application_id]["decide_at"] - 0.05


def test_a_flaky_bank_loses_nothing_and_duplicates_nothing(bank):
    bank.configure(
        "bank",
        decision_seconds="0.5-2",
        error_rate=0.2,
        timeout_rate=0.1,
        hang_seconds=2,
        seed=2026,
    )
    worker = start_worker(concurrency=4, beat=True, env=worker_env(bank))
    try:
        applications = create(200)
        all_decided(timeout=180)
    finally:
        worker.stop()

    stats = bank.stats("bank")
    assert stats["faults"]["errors"] > 0
    assert stats["faults"]["timeouts"] > 0
    assert not LoanApplication.objects.filter(status=Status.FAILED).exists()
    assert_matches_the_bank(bank, applications)


def test_a_worker_killed_mid_work_loses_nothing(bank):
    bank.configure("bank", decision_seconds="1-3", latency_ms="200-400", seed=7)
    # Small, slow submission batches, so that the kill lands while some applications are
    # still being sent and others already polled.
    slow_batches = {"LOANS_SUBMIT_BATCH_SIZE": "4", "LOANS_SUBMIT_CONCURRENCY": "2"}
    first = start_worker(concurrency=2, beat=True, env={**worker_env(bank), **slow_batches})
    try:
        applications = create(40)

        def submitting_and_polling() -> bool:
            counts = {
                status: LoanApplication.objects.filter(status=status).count()
                for status in (Status.NEW, Status.PENDING)
            }
            polling = (
                LoanApplication.objects.filter(poll_count__gt=0).exists()
                or bank.stats("bank")["requests"].get("GET /api/jobs", 0) > 0
            )
            # Mid-work: some sent and waiting for the bank, and either some still to send or
            # the polls under way (on a busy machine the sending may end before they start).
            return counts[Status.PENDING] >= 3 and (counts[Status.NEW] >= 3 or polling)

        wait_until(submitting_and_polling, timeout=60, interval=0.05)
    finally:
        first.kill()  # SIGKILL to the worker, its pool and its beat: no goodbye

    assert LoanApplication.objects.filter(status__in=OPEN_STATUSES).exists()
    second = start_worker(concurrency=2, beat=True, env=worker_env(bank))
    try:
        all_decided(timeout=120)
    finally:
        second.stop()
    assert_matches_the_bank(bank, applications)


def restart_broker() -> None:
    """Restart the broker the suite runs on, losing every message it held."""
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        for message in folder.iterdir():
            message.unlink()
        return
    parsed = urlparse(url)
    if parsed.scheme != "redis" or parsed.hostname not in ("127.0.0.1", "localhost"):
        pytest.skip(f"restarting {parsed.scheme} at {parsed.hostname} is not supported here")
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed on this machine")
    port = str(parsed.port or 6379)
    # SHUTDOWN NOSAVE drops the queues, like a broker that comes back empty.
    subprocess.run(
        ["redis-cli", "-p", port, "shutdown", "nosave"],
        check=False,
        capture_output=True,
        timeout=10,
    )
    wait_until(
        lambda: (
            subprocess.run(
                ["redis-cli", "-p", port, "ping"], capture_output=True, check=False
            ).returncode
            != 0
        ),
        timeout=10,
    )
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            port,
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
        capture_output=True,
        timeout=10,
    )
    wait_until(
        lambda: (
            subprocess.run(
                ["redis-cli", "-p", port, "ping"], capture_output=True, text=True, check=False
            ).stdout.strip()
            == "PONG"
        ),
        timeout=15,
    )


def test_a_broker_restart_while_applications_are_pending_loses_nothing(bank):
    bank.configure("bank", decision_seconds="2-4", seed=11)
    worker = start_worker(concurrency=2, beat=True, env=worker_env(bank))
    try:
        applications = create(30)
        wait_until(
            lambda: LoanApplication.objects.filter(status=Status.PENDING).count() >= 10,
            timeout=60,
        )
        restart_broker()
        # The worker reconnects, or dies on kombu's "Unrecoverable error" restoring the
        # unacknowledged messages of a connection that is gone; then it is started again, as
        # supervisord (run-prod) and Kubernetes do. Either way nothing may be lost.
        if settings.CELERY_BROKER_URL.startswith("redis"):  # the filesystem broker has no link
            wait_until(
                lambda: (
                    worker.process.poll() is not None
                    or worker.log().count("Connected to redis") >= 2
                ),
                timeout=60,
                message="the worker reconnected or exited",
            )
        if worker.process.poll() is not None:
            worker = start_worker(concurrency=2, beat=True, env=worker_env(bank))
        all_decided(timeout=120)
    finally:
        worker.stop()
    assert_matches_the_bank(bank, applications)
