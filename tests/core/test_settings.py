"""Settings come from the environment; production refuses to start without its secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
GOOD_PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x7#kq9!vR2mZp4@Lw8$Tn3^Bc6&Hy1*Jd5(Fg0)Ua-Ee+Oi=Ss_Qr",
    "ALLOWED_HOSTS": "backoffice.example.com",
    "DATABASE_URL": "postgres://app@db.example.com:5432/app",
    "CELERY_BROKER_URL": "redis://redis.example.com:6379/0",
}


def run_manage(env_overrides: dict[str, str | None], *args: str) -> subprocess.CompletedProcess:
    ignored = {*GOOD_PRODUCTION_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in ignored}
    for key, value in env_overrides.items():
        if value is not None:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_passes_check_deploy_with_no_warning():
    result = run_manage(GOOD_PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set"),
        ("DATABASE_URL", "DATABASE_URL must be set"),
        ("CELERY_BROKER_URL", "CELERY_BROKER_URL must be set"),
    ],
)
def test_production_refuses_to_start_without_its_settings(missing, message):
    result = run_manage({**GOOD_PRODUCTION_ENV, missing: None}, "check")

    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_the_filesystem_broker():
    result = run_manage({**GOOD_PRODUCTION_ENV, "CELERY_BROKER_URL": "filesystem://"}, "check")

    assert result.returncode != 0
    assert "CELERY_BROKER_URL" in result.stderr


def test_a_malformed_boolean_is_one_readable_error():
    result = run_manage({"DJANGO_SETTINGS_MODULE": "config.settings.development",
                         "DEBUG": "maybe"}, "check")  # fmt: skip

    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_celery_is_never_eager_and_acks_late():
    from config.celery import app

    assert app.conf.task_always_eager is False
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert {q.name for q in app.conf.task_queues} == {"default", "polling"}


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-specific: this run uses " + connection.vendor)

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
