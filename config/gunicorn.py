"""gunicorn's configuration (`gunicorn --config python:config.gunicorn`): values any
command-line option (bind address, number of workers) overrides.

With PROMETHEUS_MULTIPROC_DIR set, every gunicorn worker writes its samples to files in that
directory and /metrics aggregates them (prometheus-client's multiprocess mode, docs/operations.md
"Metrics"). The directory must be emptied before the processes start (the launcher does it, not
gunicorn: Celery workers of the same machine may share it).
"""

from __future__ import annotations

import os

# Threads in each worker process (gthread): a request that waits (an external register under
# its rate limit, a slow answer) holds one thread, not the whole process and every request
# queued behind it (the load test, README "Benchmarks"). GUNICORN_THREADS=1: the sync worker.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
# A SIGTERM lets the requests in flight finish for this long before the workers are killed.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# core.access_log writes one structured line per request: no second access log.
accesslog = None
errorlog = "-"
# Heartbeat files in memory, not on a disk that may stall (gunicorn's advice for containers).
SHM = "/dev/shm"  # noqa: S108 (a private directory per worker, made by gunicorn)
worker_tmp_dir = SHM if os.path.isdir(SHM) else None


def child_exit(server, worker) -> None:
    """A gunicorn worker exited: drop its live gauges' files (prometheus-client's documented
    hook for multiprocess mode; counters and histograms keep counting)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
