"""Tasks go through a real broker to a real worker process that writes to the database.

Runs on whatever broker and database the suite is configured with: the embedded
filesystem broker and SQLite by default, Redis and PostgreSQL in CI's second run.
"""

import os
import signal
import uuid

import pytest
from kombu import Exchange, Queue

from core.models import QueueHeartbeat, WorkerPing
from core.services import worker_ping_create
from core.tasks import heartbeat
from tests.harness.waiting import wait_until
from tests.harness.worker import start_worker

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


def test_a_worker_that_stops_consuming_is_reported_and_recovers(client, settings, user_factory):
    """A worker that is alive but takes nothing (frozen with SIGSTOP, as one stuck on a dead
    broker connection looks from outside) makes /readyz "degraded" naming its queue and puts a
    warning on the dashboard; once it consumes again, both clear. A queue of its own keeps the
    session's shared worker out of the picture."""
    name = f"stall-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_QUEUES = (
        *settings.CELERY_TASK_QUEUES,
        Queue(name, Exchange(name), routing_key=name),
    )
    settings.QUEUE_HEARTBEAT_STALE_AFTER = 3
    client.force_login(user_factory(username="ops"))

    def send_heartbeat() -> None:  # what beat does every 30 s
        heartbeat.apply_async(kwargs={"queue": name}, queue=name)

    def state() -> dict:
        body = client.get("/readyz").json()
        return {"status": body["status"], "degraded": body["degraded"], **body["queues"][name]}

    worker = start_worker(queues=name, concurrency=1)
    try:
        send_heartbeat()
        wait_until(lambda: state()["ok"], timeout=30, message="heartbeat consumed")

        os.killpg(worker.process.pid, signal.SIGSTOP)  # alive, consuming nothing
        send_heartbeat()
        stalled = wait_until(
            lambda: (s := state())["status"] == "degraded" and name in s["degraded"] and s,
            timeout=30,
            message="readyz reports the queue",
        )
        assert stalled["error"].startswith(f"no worker has taken work from the {name} queue")
        assert client.get("/readyz").status_code == 200
        alert = client.get("/").text.split('id="background-work-alert"')[1].split("</section>")[0]
        assert f'data-queue="{name}"' in alert

        os.killpg(worker.process.pid, signal.SIGCONT)  # it takes the waiting heartbeat
        wait_until(lambda: state()["ok"], timeout=30, message="queue consumed again")
        assert name not in client.get("/readyz").json()["degraded"]
    finally:
        if worker.process.poll() is None:
            os.killpg(worker.process.pid, signal.SIGCONT)
        worker.stop()


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
