"""Tasks go through a real broker to a real worker process that writes to the database.

Runs on whatever broker and database the suite is configured with: the embedded
filesystem broker and SQLite by default, Redis and PostgreSQL in CI's second run.
"""

import os

import pytest

from core.models import QueueHeartbeat, WorkerPing
from core.services import worker_ping_create
from core.tasks import heartbeat
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_ping_sent_after_commit_is_executed_by_the_worker_process(live_worker):
    ping = worker_ping_create()

    def executed():
        ping.refresh_from_db()
        return ping.executed_at

    wait_until(executed, timeout=30, message="worker executed the ping")
    assert ping.worker_pid != os.getpid()
    assert ping.worker_pid in _worker_pids(live_worker)
    assert ping.round_trip_seconds < 30


@pytest.mark.parametrize("queue", ["default", "polling"])
def test_the_worker_consumes_both_queues(live_worker, queue):
    heartbeat.apply_async(kwargs={"queue": queue}, queue=queue)

    beat = wait_until(lambda: QueueHeartbeat.objects.filter(queue=queue).first(), timeout=30)
    assert beat.pid != os.getpid()


def test_the_dashboard_button_reaches_the_worker(client, live_worker, user_factory):
    client.force_login(user_factory(username="ops"))

    client.post("/system/ping/")

    ping = WorkerPing.objects.get()
    wait_until(lambda: WorkerPing.objects.filter(pk=ping.pk, executed_at__isnull=False).exists(),
               timeout=30)  # fmt: skip
    assert "ops" in client.get("/").text


def _worker_pids(worker) -> set[int]:
    """The worker's main process and its pool children."""
    pids = {worker.process.pid}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().split(") ")[1].split()[1]) == worker.process.pid:
                        pids.add(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return pids
