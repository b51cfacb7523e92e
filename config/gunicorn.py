"""gunicorn settings module: `gunicorn -c config/gunicorn.py config.wsgi:application`.

Only what the metrics need (docs/operations.md "Metrics"); the bind address, the number of
workers and the rest stay on the command line. With PROMETHEUS_MULTIPROC_DIR set, every
gunicorn worker writes its samples to files in that directory and /metrics aggregates them
(prometheus-client's multiprocess mode). The directory must be emptied before the processes
start (the launcher does it, not gunicorn: Celery workers of the same machine may share it).
"""

from __future__ import annotations

import os


def child_exit(server, worker) -> None:
    """A gunicorn worker exited: drop its live gauges' files (prometheus-client's documented
    hook for multiprocess mode; counters and histograms keep counting)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
