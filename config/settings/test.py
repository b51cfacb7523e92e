"""Tests: like development, but deterministic and isolated from a running `make run`."""

import os
from pathlib import Path

# Keep the test suite's broker and uploads apart from a `make run` on the same checkout; set
# before the base settings read them.
_VAR = Path(__file__).resolve().parent.parent.parent / "var"
os.environ.setdefault("CELERY_FILESYSTEM_BROKER_DIR", str(_VAR / "test-broker"))
os.environ.setdefault("MEDIA_ROOT", str(_VAR / "test-media"))
# Uploads in the database, as in production: a worker subprocess shares no folder with the
# test process (whose MEDIA_ROOT is a per-test temporary folder, tests/conftest.py). The
# filesystem backend has its own tests (tests/core/test_storage.py).
os.environ.setdefault("UPLOADS_STORAGE", "database")

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import DATABASES, VAR_DIR  # noqa: E402

DEBUG = False
SECRET_KEY = "test-insecure-key-only-for-the-test-suite"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
CLEAR_CONTENT_TYPE_CACHE_PER_TASK = True  # the suite flushes content types between tests
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only

# A real worker subprocess must see the test database, so SQLite tests use a file, not memory.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("TEST_SQLITE_PATH", str(VAR_DIR / "test-db.sqlite3"))
    }

# Static files straight from the app and project folders, no collectstatic needed.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# evaluations: the registers' shared limits live in the test database (rolled back with each
# test, whatever the broker); tests of the Redis limiter choose it explicitly.
EVALUATIONS_LIMITER = os.environ.get("EVALUATIONS_LIMITER", "database")
