"""Build Django's DATABASES entry from DATABASE_URL, with a safe SQLite default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

# WAL lets the web server read while a worker writes; IMMEDIATE transactions take the write
# lock up front so two processes never deadlock upgrading a read lock; the timeout makes a
# writer wait for the lock instead of failing with "database is locked".
SQLITE_OPTIONS: dict[str, Any] = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"),
}


def database_from_url(url: str | None, default_sqlite_path: Path) -> dict[str, Any]:
    if not url:
        default_sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(default_sqlite_path),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
        config["CONN_MAX_AGE"] = 0
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with psycopg's C date loader put back (core/db/postgresql/base.py).
        config["ENGINE"] = "core.db.postgresql"
    return config
