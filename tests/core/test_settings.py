"""Settings come from the environment; production refuses to start without its secrets."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
#: Credentials of the real registers (what the registers' portals give).
REGISTER_CREDENTIALS = {
    "INSEE_API_KEY": "0f5e8c2a-insee-integration-key",
    "HMRC_CLIENT_ID": "hmrc-app-client-id",
    "HMRC_CLIENT_SECRET": "hmrc-app-client-secret",
}
GOOD_PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x7#kq9!vR2mZp4@Lw8$Tn3^Bc6&Hy1*Jd5(Fg0)Ua-Ee+Oi=Ss_Qr",
    "ALLOWED_HOSTS": "backoffice.example.com",
    "DATABASE_URL": "postgres://app@db.example.com:5432/app",
    "CELERY_BROKER_URL": "redis://redis.example.com:6379/0",
    **REGISTER_CREDENTIALS,
}
#: What a developer's shell may export that would change what production settings see.
REGISTER_ENV = {
    "SIMULATORS_URL",
    "INSEE_API_URL",
    "VIES_API_URL",
    "HMRC_API_URL",
    "EVALUATIONS_SIREN_SOURCE",
    "EVALUATIONS_VAT_SOURCE",
    "EVALUATIONS_VAT_GB_SOURCE",
}


def run_manage(env_overrides: dict[str, str | None], *args: str) -> subprocess.CompletedProcess:
    ignored = {*GOOD_PRODUCTION_ENV, *REGISTER_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE"}
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


def production_registers(env_overrides: dict[str, str | None]) -> dict:
    """EVALUATIONS_REGISTERS as production settings build them from this environment."""
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.EVALUATIONS_REGISTERS))"
    )
    result = run_manage(env_overrides, "shell", "-c", code)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.splitlines()[-1])  # after the shell's own lines


def test_production_asks_the_real_registers_by_default():
    registers = production_registers(GOOD_PRODUCTION_ENV)

    assert {name: conf["url"] for name, conf in registers.items()} == {
        "insee": "https://api.insee.fr/api-sirene/3.11",
        "vies": "https://ec.europa.eu/taxation_customs/vies/rest-api",
        "hmrc": "https://api.service.hmrc.gov.uk",
    }
    assert registers["insee"]["key"] == REGISTER_CREDENTIALS["INSEE_API_KEY"]
    assert (registers["hmrc"]["client_id"], registers["hmrc"]["client_secret"]) == (
        REGISTER_CREDENTIALS["HMRC_CLIENT_ID"],
        REGISTER_CREDENTIALS["HMRC_CLIENT_SECRET"],
    )


@pytest.mark.parametrize(
    ("credentials", "refused"),
    [
        ({"INSEE_API_KEY": None}, ["INSEE_API_KEY"]),  # unset: the simulator's default
        ({"INSEE_API_KEY": "simulated-integration-key"}, ["INSEE_API_KEY"]),
        ({"HMRC_CLIENT_SECRET": " "}, ["HMRC_CLIENT_SECRET"]),
        ({"HMRC_CLIENT_ID": "CHANGE-ME-hmrc-client-id"}, ["HMRC_CLIENT_ID"]),
        (dict.fromkeys(REGISTER_CREDENTIALS), list(REGISTER_CREDENTIALS)),
    ],
    ids=["insee-unset", "insee-simulated", "hmrc-secret-blank", "hmrc-placeholder", "all"],
)
def test_production_refuses_to_ask_a_real_register_without_its_credentials(credentials, refused):
    result = run_manage({**GOOD_PRODUCTION_ENV, **credentials}, "check")

    assert result.returncode != 0
    assert f"{', '.join(refused)} must be set: production asks the real register" in result.stderr
    for name in set(REGISTER_CREDENTIALS) - set(refused):
        assert name not in result.stderr.rpartition("ImproperlyConfigured")[2]


def test_production_takes_the_simulators_credentials_when_the_registers_are_the_simulators():
    simulators = "http://simulators.internal:8100"
    env = {
        **GOOD_PRODUCTION_ENV,
        **dict.fromkeys(REGISTER_CREDENTIALS),
        "SIMULATORS_URL": simulators,
        "INSEE_API_URL": f"{simulators}/api-sirene/3.11",
        "HMRC_API_URL": simulators,
    }

    registers = production_registers(env)

    assert registers["insee"]["url"] == f"{simulators}/api-sirene/3.11"
    assert registers["vies"]["url"] == "https://ec.europa.eu/taxation_customs/vies/rest-api"
    # A URL that only looks like the simulators' (another port) is a real register.
    result = run_manage({**env, "HMRC_API_URL": f"{simulators}0"}, "check")
    assert result.returncode != 0
    assert "HMRC_CLIENT_ID, HMRC_CLIENT_SECRET must be set" in result.stderr


def test_a_register_no_source_uses_needs_no_credentials():
    env = {**GOOD_PRODUCTION_ENV, **dict.fromkeys(REGISTER_CREDENTIALS)}
    env |= {"EVALUATIONS_SIREN_SOURCE": "random", "EVALUATIONS_VAT_GB_SOURCE": "random"}

    result = run_manage(env, "check")

    assert result.returncode == 0, result.stdout + result.stderr


def test_run_prod_points_the_registers_at_its_simulators_and_passes_the_check(tmp_path):
    sys.path.insert(0, str(REPO / "deploy"))
    try:
        import run_prod
    finally:
        sys.path.remove(str(REPO / "deploy"))
    # `make run-prod`'s environment from a shell with nothing of ours set (no credentials).
    shell = {"PATH": os.environ.get("PATH", ""), "RUN_PROD_DIR": str(tmp_path / "run")}
    env = run_prod.prepare_environment(shell)

    result = run_manage({**dict.fromkeys(GOOD_PRODUCTION_ENV), **env}, "check", "--deploy")

    assert result.returncode == 0, result.stdout + result.stderr
    assert env["INSEE_API_URL"].startswith(env["SIMULATORS_URL"] + "/")
    assert env["HMRC_API_URL"] == env["SIMULATORS_URL"]


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
