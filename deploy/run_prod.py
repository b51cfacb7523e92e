"""`make run-prod`: the production topology as processes on one machine, without Docker.

Production settings on PostgreSQL + Redis from the environment; the static files collected and
the schema migrated first; then supervisord (deploy/supervisord.conf) runs the simulators,
gunicorn with WEB_CONCURRENCY workers, DEFAULT_WORKERS Celery workers on `default`, one on
`polling` and exactly one beat, until Ctrl-C or SIGTERM stops them all gracefully.

Environment (defaults in brackets):

    DATABASE_URL        [postgres://postgres@127.0.0.1:5432/backoffice]  created if missing
    CELERY_BROKER_URL   [redis://127.0.0.1:6379/0]
    SECRET_KEY          [a random key kept in var/run-prod/secret_key, mode 0600]
    PORT [8000]  SIMULATORS_PORT [8100]  WEB_CONCURRENCY [3]  DEFAULT_WORKERS [2]
    CELERY_CONCURRENCY [2]  RUN_PROD_DIR [var/run-prod]  RUN_PROD_CONSOLE [true]

It serves plain HTTP on 127.0.0.1: HTTPS redirects and secure-only cookies are off unless
SECURE_SSL_REDIRECT / SECURE_COOKIES say otherwise (a real deployment sits behind TLS).
Every failure before the start is one readable line and a non-zero exit.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

HOME = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/backoffice",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "localhost,127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "SECURE_HSTS_SECONDS": "0",
    "LOG_FORMAT": "json",
    "PORT": "8000",
    "SIMULATORS_PORT": "8100",
    "WEB_CONCURRENCY": "3",
    "DEFAULT_WORKERS": "2",
    "CELERY_CONCURRENCY": "2",
    "RUN_PROD_CONSOLE": "true",
}


class Refused(Exception):
    """Something the operator must fix before the topology can start (one line)."""


def prepare_environment(environ: dict[str, str]) -> dict[str, str]:
    """The environment every program runs with: the caller's, completed with the defaults."""
    env = {**DEFAULTS, **{k: v for k, v in environ.items() if v != ""}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"  # whatever the shell says
    run_dir = Path(env.get("RUN_PROD_DIR", HOME / "var" / "run-prod")).resolve()
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    env["RUN_PROD_DIR"] = str(run_dir)
    env["RUN_PROD_HOME"] = str(HOME)
    env["RUN_PROD_BIN"] = str(BIN)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("SIMULATORS_URL", f"http://127.0.0.1:{env['SIMULATORS_PORT']}")
    simulators = env["SIMULATORS_URL"]
    # Production settings default the company registers to the real ones: here, the simulators,
    # whose default credentials production accepts only under SIMULATORS_URL.
    env.setdefault("INSEE_API_URL", f"{simulators}/api-sirene/3.11")
    env.setdefault("VIES_API_URL", f"{simulators}/taxation_customs/vies/rest-api")
    env.setdefault("HMRC_API_URL", simulators)
    if "SECRET_KEY" not in env:
        env["SECRET_KEY"] = _kept_secret(run_dir / "secret_key")
    # Metrics of every process on this machine go to one directory, read by the web's /metrics.
    metrics_dir = Path(env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(run_dir / "metrics")))
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in metrics_dir.glob("*.db"):  # from a previous run: its processes are gone
        stale.unlink()
    time_limit = int(env.get("CELERY_TASK_TIME_LIMIT", "150"))
    env.setdefault("WORKER_STOP_WAIT", str(time_limit + 15))
    workers = int(env["DEFAULT_WORKERS"])
    logs = ["simulators", "web", "poller", "beat"] + [f"{n}-worker" for n in range(1, workers + 1)]
    paths = [run_dir / "logs" / f"{name}.log" for name in logs]
    for path in paths:  # so `console` follows each from the start, without a complaint
        path.touch()
    env["RUN_PROD_LOGS"] = " ".join(str(path) for path in paths)
    return env


def _kept_secret(path: Path) -> str:
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def check_backing_services(env: dict[str, str]) -> None:
    """PostgreSQL answers (the database is created when missing) and the broker answers."""
    url = urlsplit(env["DATABASE_URL"])
    if url.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise Refused("DATABASE_URL must be a PostgreSQL URL: production does not run on SQLite")
    import psycopg

    name = url.path.lstrip("/")
    server = url._replace(path="/postgres").geturl().replace("postgresql://", "postgres://")
    try:
        with psycopg.connect(
            server.replace("postgres://", "postgresql://", 1), autocommit=True, connect_timeout=5
        ) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
                print(f"run-prod: created the database {name}")
    except psycopg.Error:
        raise Refused(
            f"PostgreSQL does not answer at {url.hostname}:{url.port or 5432} (DATABASE_URL)"
        ) from None
    from kombu import Connection

    try:
        with Connection(env["CELERY_BROKER_URL"], connect_timeout=5) as broker:
            broker.ensure_connection(max_retries=1)
    except Exception:
        broker_url = urlsplit(env["CELERY_BROKER_URL"])
        raise Refused(
            f"the broker does not answer at {broker_url.hostname}:{broker_url.port} "
            "(CELERY_BROKER_URL)"
        ) from None


def manage(env: dict[str, str], *args: str) -> None:
    command = [str(BIN / "python"), "manage.py", *args]
    result = subprocess.run(command, cwd=HOME, env=env, check=False)  # noqa: S603 (our own)
    if result.returncode:
        raise Refused(f"`manage.py {' '.join(args)}` failed (exit {result.returncode})")


def main() -> int:
    try:
        env = prepare_environment(dict(os.environ))
        check_backing_services(env)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    except Refused as refused:
        print(f"run-prod: {refused}", file=sys.stderr)
        return 2
    print(
        f"run-prod: web http://127.0.0.1:{env['PORT']} "
        f"({env['WEB_CONCURRENCY']} gunicorn workers), "
        f"{env['DEFAULT_WORKERS']} workers on default, 1 on polling, 1 beat, simulators "
        f":{env['SIMULATORS_PORT']}; logs in {env['RUN_PROD_DIR']}/logs (Ctrl-C stops all)",
        flush=True,
    )
    conf = str(HOME / "deploy" / "supervisord.conf")
    supervisord = str(BIN / "supervisord")
    os.execve(supervisord, [supervisord, "-c", conf], env)  # noqa: S606 (signals go to it)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
