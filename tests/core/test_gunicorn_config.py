"""config/gunicorn.py: what every gunicorn of ours runs with (compose, Kubernetes, run-prod)."""

import importlib

import pytest


def load(monkeypatch, **environ):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    import config.gunicorn

    return importlib.reload(config.gunicorn)


def test_threads_by_default_so_a_waiting_request_holds_one_thread_not_the_process(monkeypatch):
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    conf = load(monkeypatch)
    assert (conf.worker_class, conf.threads) == ("gthread", 4)
    assert conf.accesslog is None  # core.access_log writes one line per request
    assert conf.graceful_timeout == 30


def test_one_thread_is_the_sync_worker(monkeypatch):
    conf = load(monkeypatch, GUNICORN_THREADS="1")
    assert conf.worker_class == "sync"


@pytest.mark.parametrize("multiproc", [True, False])
def test_an_exited_worker_leaves_the_metrics_directory_only_in_multiprocess_mode(
    monkeypatch, tmp_path, multiproc
):
    conf = load(monkeypatch)
    dead = []
    monkeypatch.setattr("prometheus_client.multiprocess.mark_process_dead", dead.append)
    if multiproc:
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    else:
        monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)

    class Worker:
        pid = 4242

    conf.child_exit(None, Worker())
    assert dead == ([4242] if multiproc else [])
