"""The embedded filesystem broker: whole messages, each delivered to exactly one consumer."""

import contextlib
import multiprocessing
import time
from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection, Exchange, Queue

from config.celery import app  # noqa: F401  (registers the filesystem:// alias)
from core.broker import WRITING_SUFFIX


def make_queue(name: str) -> Queue:
    # One name per test: kombu keeps declared exchanges in process-wide state, which would
    # otherwise leak between tests that use different broker folders.
    return Queue(name, Exchange(name), routing_key=name)


def connection(folder: Path) -> Connection:
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "polling_interval": 0.01,
    }
    (folder / "queue").mkdir(exist_ok=True)
    return Connection("filesystem://localhost/", transport_options=options)


def test_the_alias_points_at_the_atomic_transport(tmp_path):
    with connection(tmp_path) as conn:
        assert type(conn.transport).__module__ == "core.broker"


def test_a_message_appears_whole_under_its_final_name(tmp_path, monkeypatch):
    from core import broker

    renames = []
    real_replace = broker.os.replace

    def spy(src, dst):
        # At the moment of the rename the content is complete and the final name is free.
        renames.append((src, dst, Path(src).read_bytes(), Path(dst).exists()))
        real_replace(src, dst)

    monkeypatch.setattr(broker.os, "replace", spy)
    with connection(tmp_path) as conn, conn.SimpleQueue(make_queue("whole")) as queue:
        queue.put({"n": 1})
        [(src, dst, content, existed)] = renames[:1]
        message = queue.get(timeout=2)
        message.ack()

    assert src.endswith(".whole.msg" + WRITING_SUFFIX)
    assert dst.endswith(".whole.msg")
    assert content.startswith(b'{"body": ')
    assert content.endswith(b"}")
    assert existed is False
    assert message.payload == {"n": 1}


def test_a_message_being_written_is_invisible(tmp_path):
    with connection(tmp_path) as conn:
        (tmp_path / "queue" / f"0001_x.partial.msg{WRITING_SUFFIX}").write_bytes(b"")
        with conn.SimpleQueue(make_queue("partial")) as queue, pytest.raises(queue.Empty):
            queue.get(timeout=0.2)


def _consume(folder: str, results) -> None:
    with connection(Path(folder)) as conn, conn.SimpleQueue(make_queue("shared")) as queue:
        while True:
            try:
                message = queue.get(timeout=0.5)
            except queue.Empty:
                return
            results.put(message.payload["n"])
            message.ack()


def test_concurrent_consumers_get_every_message_exactly_once(tmp_path):
    with connection(tmp_path) as conn, conn.SimpleQueue(make_queue("shared")) as queue:
        for n in range(300):
            queue.put({"n": n})
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    consumers = [context.Process(target=_consume, args=(str(tmp_path), results)) for _ in range(3)]
    for consumer in consumers:
        consumer.start()
    received = []
    deadline = time.monotonic() + 30
    while len(received) < 300 and time.monotonic() < deadline:
        with contextlib.suppress(Empty):
            received.append(results.get(timeout=1))
    for consumer in consumers:
        consumer.join(timeout=10)

    assert sorted(received) == list(range(300))
    assert [consumer.exitcode for consumer in consumers] == [0, 0, 0]
