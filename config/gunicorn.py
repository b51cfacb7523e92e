"""gunicorn's configuration (`gunicorn --config python:config.gunicorn`): values any command-line
option overrides."""

import os

# A SIGTERM lets the requests in flight finish for this long before the workers are killed.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Our middleware writes one structured line per request (core.request_id): no second access log.
accesslog = None
errorlog = "-"
# Heartbeat files in memory, not on a disk that may stall (gunicorn's advice for containers).
SHM = "/dev/shm"  # noqa: S108 (a private directory per worker, made by gunicorn)
worker_tmp_dir = SHM if os.path.isdir(SHM) else None
