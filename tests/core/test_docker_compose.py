"""The container definitions, checked by parsing: no Docker daemon (and no database) needed.

docker-compose.yml is loaded with ``yaml.safe_load`` and its structure asserted; the Dockerfile
is split into instructions. Both files live at the project root.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

SERVICES = {"postgres", "redis", "migrate", "web", "worker", "poller", "beat", "simulators"}
ONE_SHOT = {"migrate"}
LONG_RUNNING = SERVICES - ONE_SHOT
DJANGO_SERVICES = {"migrate", "web", "worker", "poller", "beat"}
APP_PROCESSES = DJANGO_SERVICES - ONE_SHOT
CELERY_WORKERS = {"worker": "default", "poller": "polling"}
DEPENDS_ON_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
PRODUCTION_SETTINGS = "config.settings.production"
# Inside a container a server must listen on every interface to be reachable at all.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml must be a mapping"
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert isinstance(compose.get("services"), dict), "docker-compose.yml needs `services:`"
    return compose["services"]


# --- Helpers ------------------------------------------------------------------------------


def argv(command: str | list[Any] | None) -> list[str]:
    """A compose command (string or list) as an argument vector."""
    if command is None:
        return []
    if isinstance(command, str):
        return shlex.split(command)
    return [str(part) for part in command]


def command_line(command: str | list[Any] | None) -> str:
    """A compose command (string or list) normalised to one string."""
    return shlex.join(argv(command))


def service_argv(service: dict[str, Any]) -> list[str]:
    """The service's command, or the image's default CMD from the Dockerfile when it has none."""
    if "command" in service:
        return argv(service["command"])
    return dockerfile_cmd()


def environment(service: dict[str, Any]) -> dict[str, str]:
    """`environment:` in either of its forms (mapping, or list of NAME=value)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return {name: value for name, _, value in (item.partition("=") for item in env)}
    return {name: "" if value is None else str(value) for name, value in env.items()}


def option_values(args: list[str], short: str, long: str) -> list[str]:
    """Every value given to an option, in the forms `-Q a`, `-Qa`, `--queues a`, `--queues=a`."""
    values = []
    for index, arg in enumerate(args):
        if arg in (short, long):
            if index + 1 < len(args):
                values.append(args[index + 1])
        elif arg.startswith(long + "="):
            values.append(arg[len(long) + 1 :])
        elif arg.startswith(short) and not arg.startswith("--") and len(arg) > len(short):
            values.append(arg[len(short) :])
    return values


def queues(args: list[str]) -> set[str]:
    return {
        queue.strip()
        for value in option_values(args, "-Q", "--queues")
        for queue in value.split(",")
        if queue.strip()
    }


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """`depends_on:` as {service: condition}; the short (list) form means service_started."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def healthcheck_line(service: dict[str, Any]) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    return test if isinstance(test, str) else command_line(test)


INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(text: str, shell: dict[str, str]) -> str:
    """What compose makes of `${NAME}`, `${NAME:-default}`, `${NAME:?message}` (and the forms
    without the colon) when `shell` is the caller's environment."""

    def value(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"] or "", match["arg"] or ""
        given = shell.get(name)
        unset = given is None or (op.startswith(":") and given == "")
        if unset and op.endswith("-"):
            return arg
        if unset and op.endswith("?"):
            raise AssertionError(f"compose refuses to start: {name}: {arg}")
        return given or ""

    return INTERPOLATION.sub(value, text)


def all_strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in all_strings(key) + all_strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in all_strings(item)]
    return []


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, rest = full.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    if pending.strip():
        keyword, _, rest = pending.strip().partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def dockerfile_cmd() -> list[str]:
    cmds = [args for keyword, args in dockerfile_instructions() if keyword == "CMD"]
    assert cmds, "the Dockerfile has no CMD"
    last = cmds[-1]
    return json.loads(last) if last.startswith("[") else shlex.split(last)


# --- The services -------------------------------------------------------------------------


def test_no_version_key(compose: dict[str, Any]) -> None:
    assert "version" not in compose, "the Compose spec has no `version:`; it is obsolete"


def test_the_services_are_exactly_the_stack(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == SERVICES


def test_web_runs_gunicorn_on_the_wsgi_application(services: dict[str, dict[str, Any]]) -> None:
    args = service_argv(services["web"])
    assert args[0] == "gunicorn"
    assert "config.wsgi:application" in args
    assert f"{ALL_INTERFACES}:8000" in option_values(args, "-b", "--bind")
    assert any(str(port).endswith("8000") for port in services["web"].get("ports", []))
    # Our middleware writes the access log (core.access_log): gunicorn's would double it.
    assert "--access-logfile" not in args
    # The config module: graceful timeout, and the metrics' multiprocess hook (child_exit).
    assert option_values(args, "-c", "--config") == ["python:config.gunicorn"]


@pytest.mark.parametrize(("name", "queue"), sorted(CELERY_WORKERS.items()))
def test_each_worker_consumes_only_its_queue(
    services: dict[str, dict[str, Any]], name: str, queue: str
) -> None:
    args = service_argv(services[name])
    assert args[:4] == ["celery", "-A", "config", "worker"], command_line(args)
    assert queues(args) == {queue}, f"{name} must consume `-Q {queue}` only: {command_line(args)}"


def test_the_workers_have_distinct_node_names(services: dict[str, dict[str, Any]]) -> None:
    names = [
        (option_values(service_argv(services[name]), "-n", "--hostname") or ["celery@%h"])[-1]
        for name in CELERY_WORKERS
    ]
    assert len(set(names)) == len(names), names


@pytest.mark.parametrize("name", sorted(CELERY_WORKERS))
def test_worker_healthcheck_pings_the_workers_own_node(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    node = (option_values(service_argv(services[name]), "-n", "--hostname") or ["celery@%h"])[-1]
    prefix = node.split("@", 1)[0]
    check = healthcheck_line(services[name])
    assert "inspect ping" in check, check
    # `$$` is compose's escape for `$`: the container's shell then expands $HOSTNAME (= %h).
    assert f"{prefix}@$$HOSTNAME" in check, f"{name} healthcheck must ping {prefix}@<host>: {check}"
    assert services[name]["healthcheck"]["test"][0] == "CMD-SHELL" or isinstance(
        services[name]["healthcheck"]["test"], str
    ), "$HOSTNAME is only expanded by a shell (CMD-SHELL)"


def test_beat_uses_the_database_scheduler(services: dict[str, dict[str, Any]]) -> None:
    args = service_argv(services["beat"])
    assert args[:4] == ["celery", "-A", "config", "beat"], command_line(args)
    schedulers = option_values(args, "-S", "--scheduler")
    assert schedulers == ["django_celery_beat.schedulers:DatabaseScheduler"], command_line(args)


def test_beat_runs_exactly_once(services: dict[str, dict[str, Any]]) -> None:
    beat = services["beat"]
    assert (beat.get("deploy") or {}).get("replicas") == 1
    assert beat.get("scale", 1) == 1
    for name, service in services.items():
        if name == "beat":
            continue
        line = command_line(service_argv(service))
        assert "beat" not in line, f"only the beat service may run beat; {name} runs: {line}"
        args = service_argv(service)
        assert "-B" not in args, f"{name} embeds beat in a worker (-B): {line}"
        assert "--beat" not in args, f"{name} embeds beat in a worker (--beat): {line}"


def test_migrate_is_a_one_shot_job(services: dict[str, dict[str, Any]]) -> None:
    migrate = services["migrate"]
    assert argv(migrate.get("command"))[:3] == ["python", "manage.py", "migrate"]
    assert "--noinput" in argv(migrate.get("command"))
    # Quoted: an unquoted YAML `no` is the boolean false, which compose rejects.
    assert migrate.get("restart") == "no"
    assert depends_on(migrate).get("postgres") == "service_healthy"


def test_simulators_listen_on_8100(services: dict[str, dict[str, Any]]) -> None:
    args = service_argv(services["simulators"])
    assert args[:3] == ["python", "-m", "simulators"]
    assert option_values(args, "--host", "--host") == [ALL_INTERFACES]
    assert option_values(args, "--port", "--port") == ["8100"]
    assert "/_health" in healthcheck_line(services["simulators"])


@pytest.mark.parametrize("name", sorted(LONG_RUNNING))
def test_every_long_running_service_has_a_healthcheck(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    healthcheck = services[name].get("healthcheck") or {}
    assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
    test = healthcheck.get("test")
    assert test, f"{name} has no healthcheck test"
    if isinstance(test, list):
        assert test[0] in ("CMD", "CMD-SHELL"), f"{name}: healthcheck test starts with {test[0]!r}"
        assert len(test) > 1, f"{name}: empty healthcheck command"


@pytest.mark.parametrize("name", sorted(LONG_RUNNING))
def test_long_running_services_restart(services: dict[str, dict[str, Any]], name: str) -> None:
    assert services[name].get("restart") == "unless-stopped"


def test_web_healthcheck_probes_healthz_without_curl(services: dict[str, dict[str, Any]]) -> None:
    check = healthcheck_line(services["web"])
    assert "http://127.0.0.1:8000/healthz" in check
    assert "urllib" in check
    assert "curl" not in check, "python:*-slim images have no curl"


@pytest.mark.parametrize("name", sorted(DJANGO_SERVICES))
def test_django_services_use_production_settings_and_a_secret_from_the_environment(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    service = services[name]
    assert service.get("build") or service.get("image"), f"{name} has neither build nor image"
    env = environment(service)
    assert env.get("DJANGO_SETTINGS_MODULE") == PRODUCTION_SETTINGS
    # Interpolated from the caller's environment, with no fallback value: ${SECRET_KEY} or
    # ${SECRET_KEY?msg} / ${SECRET_KEY:?msg}. A literal or a `:-default` would be a shared secret.
    secret = env.get("SECRET_KEY", "")
    assert re.fullmatch(r"\$\{SECRET_KEY(:?\?[^}]*)?\}", secret), (
        f"{name}: SECRET_KEY must come from the environment, got {secret!r}"
    )
    for required in ("DATABASE_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS", "SIMULATORS_URL"):
        assert env.get(required), f"{name}: {required} is not set"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:")


REGISTER_URLS = ("INSEE_API_URL", "VIES_API_URL", "HMRC_API_URL")
#: The caller's shell as the file's header says: only SECRET_KEY exported.
SHELL = {"SECRET_KEY": "s" * 50}


@pytest.mark.parametrize("name", sorted(DJANGO_SERVICES))
def test_the_registers_are_this_stacks_simulators_unless_the_shell_says_otherwise(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    env = {key: interpolate(value, SHELL) for key, value in environment(services[name]).items()}
    simulators = env["SIMULATORS_URL"]

    for url in REGISTER_URLS:
        assert env[url] == simulators or env[url].startswith(simulators + "/"), url
    assert env["HMRC_API_URL"] == simulators
    # ... and a real register's URL and credentials exported in the shell go through.
    real = {"INSEE_API_URL": "https://api.insee.fr/api-sirene/3.11", "INSEE_API_KEY": "k"}
    shell = {**SHELL, **real}
    env = {key: interpolate(value, shell) for key, value in environment(services[name]).items()}
    assert (env["INSEE_API_URL"], env["INSEE_API_KEY"]) == tuple(real.values())


def test_production_settings_start_with_the_compose_environment() -> None:
    """The environment compose gives the Django services passes production's checks (the
    registers' credentials among them), with only SECRET_KEY exported."""
    from tests.core.test_settings import GOOD_PRODUCTION_ENV, run_manage

    raw = environment(yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["x-app"])
    env = {key: interpolate(value, SHELL) for key, value in raw.items()}

    result = run_manage({**dict.fromkeys(GOOD_PRODUCTION_ENV), **env}, "check")

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(DJANGO_SERVICES))
def test_uploads_are_in_the_database_and_no_volume_is_shared(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    # Web and workers read uploaded files from PostgreSQL (core/storage.py), not from a volume
    # they would all have to mount: each can run on any host.
    assert environment(services[name]).get("UPLOADS_STORAGE") == "database"
    assert not services[name].get("volumes"), f"{name} mounts a volume"


def test_no_secret_key_anywhere_else(compose: dict[str, Any]) -> None:
    # Only the interpolation `${SECRET_KEY...}` may mention it; no literal in env lists either.
    for text in all_strings(compose):
        if text.startswith("SECRET_KEY="):
            value = text.split("=", 1)[1]
            assert value.startswith("${SECRET_KEY"), f"literal secret in {text!r}"


def test_depends_on_conditions_are_valid(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for target, condition in depends_on(service).items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert condition in DEPENDS_ON_CONDITIONS, f"{name} -> {target}: {condition!r}"
            if condition == "service_healthy":
                assert services[target].get("healthcheck"), (
                    f"{name} waits for {target} to be healthy, but it has no healthcheck"
                )
            if condition == "service_completed_successfully":
                assert services[target].get("restart") == "no", (
                    f"{name} waits for {target} to complete, but it restarts"
                )


@pytest.mark.parametrize("name", sorted(APP_PROCESSES))
def test_app_processes_wait_for_migrations_and_backing_services(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    deps = depends_on(services[name])
    assert deps.get("migrate") == "service_completed_successfully"
    assert deps.get("postgres") == "service_healthy"
    assert deps.get("redis") == "service_healthy"


def test_no_unescaped_shell_variables(compose: dict[str, Any]) -> None:
    """`$NAME` is interpolated by compose when the file is read (usually to ""); a variable
    meant for the container's shell must be written `$$NAME`."""
    for text in all_strings(compose):
        assert not re.search(r"(?<!\$)\$[A-Za-z_]", text), f"unescaped `$` in {text!r}"


# --- Structural schema (jsonschema is a runtime dependency; no network, no official schema) --

_DURATION = {"type": "string", "pattern": r"^(\d+(\.\d+)?(us|ms|s|m|h))+$"}
_COMMAND = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "minItems": 1, "items": {"type": "string"}},
    ]
}
_NAMED_ENTRIES = {"type": "object", "additionalProperties": {"type": ["object", "null"]}}
_ANY = {}  # a known key whose value this minimal schema does not describe

COMPOSE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["services"],
    "properties": {
        "name": {"type": "string"},
        "services": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": r"^[a-z0-9][a-z0-9_.-]*$"},
            "additionalProperties": {"$ref": "#/$defs/service"},
        },
        "volumes": _NAMED_ENTRIES,
        "networks": _NAMED_ENTRIES,
        "secrets": _NAMED_ENTRIES,
        "configs": _NAMED_ENTRIES,
    },
    "patternProperties": {"^x-": _ANY},
    "additionalProperties": False,
    "$defs": {
        "service": {
            "type": "object",
            "anyOf": [{"required": ["image"]}, {"required": ["build"]}],
            "properties": {
                "image": {"type": "string", "minLength": 1},
                "build": {
                    "oneOf": [
                        {"type": "string"},
                        {
                            "type": "object",
                            "properties": {
                                "context": {"type": "string"},
                                "dockerfile": {"type": "string"},
                                "args": _ANY,
                                "target": {"type": "string"},
                            },
                            "additionalProperties": False,
                        },
                    ]
                },
                "command": _COMMAND,
                "entrypoint": _COMMAND,
                "environment": {
                    "oneOf": [
                        {
                            "type": "object",
                            "additionalProperties": {
                                "type": ["string", "number", "boolean", "null"]
                            },
                        },
                        {"type": "array", "items": {"type": "string"}},
                    ]
                },
                "env_file": _ANY,
                "ports": {"type": "array", "items": {"type": ["string", "integer", "object"]}},
                "expose": {"type": "array"},
                "volumes": {"type": "array", "items": {"type": ["string", "object"]}},
                "depends_on": {
                    "oneOf": [
                        {"type": "array", "items": {"type": "string"}},
                        {
                            "type": "object",
                            "additionalProperties": {
                                "type": "object",
                                "required": ["condition"],
                                "properties": {
                                    "condition": {"enum": sorted(DEPENDS_ON_CONDITIONS)},
                                    "restart": {"type": "boolean"},
                                    "required": {"type": "boolean"},
                                },
                                "additionalProperties": False,
                            },
                        },
                    ]
                },
                "healthcheck": {
                    "type": "object",
                    "properties": {
                        "test": _COMMAND,
                        "interval": _DURATION,
                        "timeout": _DURATION,
                        "retries": {"type": "integer", "minimum": 0},
                        "start_period": _DURATION,
                        "start_interval": _DURATION,
                        "disable": {"type": "boolean"},
                    },
                    "additionalProperties": False,
                },
                "restart": {
                    "type": "string",
                    "pattern": r"^(no|always|unless-stopped|on-failure(:\d+)?)$",
                },
                "deploy": {
                    "type": "object",
                    "properties": {"replicas": {"type": "integer", "minimum": 0}},
                },
                "stop_grace_period": _DURATION,
                "stop_signal": {"type": "string"},
                "scale": {"type": "integer", "minimum": 0},
                "user": {"type": "string"},
                "working_dir": {"type": "string"},
                "container_name": {"type": "string"},
                "hostname": {"type": "string"},
                "init": {"type": "boolean"},
                "labels": _ANY,
                "logging": _ANY,
                "networks": _ANY,
                "profiles": {"type": "array", "items": {"type": "string"}},
                "pull_policy": {"type": "string"},
                "read_only": {"type": "boolean"},
                "tmpfs": _ANY,
                "ulimits": _ANY,
                "secrets": _ANY,
                "configs": _ANY,
                "extra_hosts": _ANY,
                "cap_drop": _ANY,
                "cap_add": _ANY,
                "security_opt": _ANY,
                "shm_size": _ANY,
            },
            # Known keys only: a typo such as `depend_on` or `healtcheck` fails here instead of
            # being silently ignored.
            "additionalProperties": False,
        }
    },
}


def test_compose_file_matches_a_structural_schema(compose: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator_class = jsonschema.Draft202012Validator
    validator_class.check_schema(COMPOSE_SCHEMA)
    errors = sorted(
        validator_class(COMPOSE_SCHEMA).iter_errors(compose), key=lambda error: list(error.path)
    )
    problems = [
        f"{'/'.join(map(str, error.path)) or '<root>'}: {error.message}" for error in errors
    ]
    assert not problems, "\n".join(problems)


# --- Dockerfile -----------------------------------------------------------------------------


def test_dockerfile_base_image_and_python_environment() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    env = " ".join(args for keyword, args in instructions if keyword == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert "PYTHONUNBUFFERED=1" in env


def test_dockerfile_installs_the_lock_file_with_hashes() -> None:
    installs = [
        args for keyword, args in dockerfile_instructions() if keyword == "RUN" and "pip" in args
    ]
    assert installs, "the Dockerfile installs nothing with pip"
    for args in installs:
        assert "--require-hashes" in args, args
    assert any("-r requirements.lock" in args for args in installs)


def test_dockerfile_runs_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions()
    users = [
        (index, args.split(":")[0]) for index, (kw, args) in enumerate(instructions) if kw == "USER"
    ]
    assert users, "the Dockerfile never switches away from root (no USER)"
    index, user = users[-1]
    assert user not in ("root", "0"), f"the final USER is {user}"
    cmd_index = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "CMD")
    assert index < cmd_index, "USER must come before CMD"


def test_dockerfile_collectstatic_uses_build_only_settings() -> None:
    instructions = dockerfile_instructions()
    runs = [args for keyword, args in instructions if keyword == "RUN" and "collectstatic" in args]
    assert len(runs) == 1, runs
    run = runs[0]
    assert "--noinput" in run
    assert f"DJANGO_SETTINGS_MODULE={PRODUCTION_SETTINGS}" in run
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"):
        assert f"{name}=" in run, f"collectstatic RUN line lacks an inline {name}"
    # The same values load the production settings (the registers' credentials included).
    from tests.core.test_settings import GOOD_PRODUCTION_ENV, run_manage

    inline = dict(
        word.split("=", 1)
        for word in shlex.split(run.partition("python manage.py")[0])
        if re.fullmatch(r"[A-Z_]+=.*", word)
    )
    result = run_manage({**dict.fromkeys(GOOD_PRODUCTION_ENV), **inline}, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    # The throwaway values must not persist into the image's runtime environment.
    for keyword, args in instructions:
        if keyword in ("ENV", "ARG"):
            assert "SECRET_KEY" not in args, f"{keyword} {args}"


def test_dockerfile_default_command_is_gunicorn() -> None:
    assert dockerfile_cmd() == [
        "gunicorn",
        "--config",
        "python:config.gunicorn",
        "config.wsgi:application",
        "--bind",
        "0.0.0.0:8000",
        "--workers",
        "3",
    ]


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    entries = {
        line.strip().strip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for entry in (".venv", ".git", "var", "staticfiles", ".pytest_cache", ".env"):
        assert entry in entries, f".dockerignore does not exclude {entry}"
    assert entries & {"__pycache__", "**/__pycache__"}
