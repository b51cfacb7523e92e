"""The Kubernetes manifests (deploy/k8s/), checked offline: no cluster, no network, no database.

Every object is validated strictly against the Kubernetes OpenAPI schemas bundled in the
`kubernetes-validate` package, for a pinned Kubernetes version. The rest asserts the topology:
the same processes, commands, ports and environment names as docker-compose.yml, exactly one
beat, probes on /healthz and /readyz, resources and a non-root user everywhere, and secrets only
in the Secret (whose example holds placeholders).
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from django.conf import settings

from tests.core.test_docker_compose import COMPOSE_FILE, DOCKERFILE, all_strings, argv, queues

ROOT = Path(__file__).resolve().parents[2]
K8S_DIR = ROOT / "deploy" / "k8s"
KUSTOMIZATION = K8S_DIR / "kustomization.yaml"
SECRET_EXAMPLE = K8S_DIR / "secret.example.yaml"
# The oldest Kubernetes the manifests must be valid for (strict: no unknown field anywhere).
KUBERNETES_VERSION = "1.30.0"

CONFIG_MAP = "backoffice-config"
SECRET = "backoffice-secrets"
PLACEHOLDER = "CHANGE-ME"
# What the production settings must get from the Secret, never from the ConfigMap.
SECRET_NAMES = {
    "SECRET_KEY",
    "METRICS_TOKEN",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "INSEE_API_KEY",
    "HMRC_CLIENT_ID",
    "HMRC_CLIENT_SECRET",
}

# compose service -> (kind, name) of the Kubernetes workload running the same process.
WORKLOADS = {
    "migrate": ("Job", "migrate"),
    "web": ("Deployment", "web"),
    "worker": ("Deployment", "worker"),
    "poller": ("Deployment", "poller"),
    "beat": ("Deployment", "beat"),
    "simulators": ("Deployment", "simulators"),
}
DJANGO_WORKLOADS = {"migrate", "web", "worker", "poller", "beat"}
LONG_RUNNING_DJANGO = DJANGO_WORKLOADS - {"migrate"}
CELERY_WORKERS = {"worker": "default", "poller": "polling"}
SCALABLE = {"web", "worker", "poller"}
EXPECTED_OBJECTS = {
    ("ConfigMap", CONFIG_MAP),
    ("Job", "migrate"),
    ("Deployment", "web"),
    ("Service", "web"),
    ("PodDisruptionBudget", "web"),
    ("Deployment", "worker"),
    ("Deployment", "poller"),
    ("Deployment", "beat"),
    ("Deployment", "simulators"),
    ("Service", "simulators"),
    ("NetworkPolicy", "workers-metrics-only"),
}
# A URL carrying credentials (user:password@host).
CREDENTIALS_IN_URL = re.compile(r"://[^/\s:@]*:[^/\s@]+@")
CPU = re.compile(r"^(\d+(?:\.\d+)?)(m?)$")
MEMORY = re.compile(r"^(\d+)(Ki|Mi|Gi)$")


# --- Loading ------------------------------------------------------------------------------


def load_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def manifest_files() -> list[Path]:
    return sorted(path for path in K8S_DIR.glob("*.yaml") if path != KUSTOMIZATION)


def applied_files() -> list[Path]:
    return [K8S_DIR / name for name in load_documents(KUSTOMIZATION)[0]["resources"]]


OBJECTS: list[tuple[str, dict[str, Any]]] = [
    (path.name, doc) for path in manifest_files() for doc in load_documents(path)
]
APPLIED: dict[tuple[str, str], dict[str, Any]] = {
    (doc["kind"], doc["metadata"]["name"]): doc
    for path in applied_files()
    for doc in load_documents(path)
}


def obj(kind: str, name: str) -> dict[str, Any]:
    return APPLIED[(kind, name)]


def pod_spec(workload: str) -> dict[str, Any]:
    return obj(*WORKLOADS[workload])["spec"]["template"]["spec"]


def main_container(workload: str) -> dict[str, Any]:
    containers = pod_spec(workload)["containers"]
    assert len(containers) == 1, f"{workload}: one container per pod"
    return containers[0]


def all_containers() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{workload}/{container['name']}", container)
        for workload in sorted(WORKLOADS)
        for container in pod_spec(workload).get("initContainers", [])
        + pod_spec(workload)["containers"]
    ]


def config_map() -> dict[str, str]:
    return obj("ConfigMap", CONFIG_MAP)["data"]


def secret_example() -> dict[str, str]:
    (secret,) = load_documents(SECRET_EXAMPLE)
    assert secret["kind"] == "Secret"
    assert secret["metadata"]["name"] == SECRET
    return secret["stringData"]


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def compose_env_names(service: str) -> set[str]:
    env = compose()["services"][service].get("environment") or {}
    if isinstance(env, list):
        return {item.partition("=")[0] for item in env}
    return set(env)


def cpu_millis(quantity: Any) -> float:
    match = CPU.match(str(quantity))
    assert match, f"cpu quantity {quantity!r}"
    return float(match[1]) * (1 if match[2] else 1000)


def memory_bytes(quantity: Any) -> int:
    match = MEMORY.match(str(quantity))
    assert match, f"memory quantity {quantity!r} (use Ki, Mi or Gi)"
    return int(match[1]) * {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}[match[2]]


def resolve_port(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    (number,) = [p["containerPort"] for p in container.get("ports", []) if p.get("name") == port]
    return number


# --- Schema validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "document"),
    OBJECTS,
    ids=[
        f"{name}:{doc.get('kind')}/{doc.get('metadata', {}).get('name')}" for name, doc in OBJECTS
    ],
)
def test_every_object_validates_strictly(filename: str, document: dict[str, Any]) -> None:
    try:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        pytest.fail(f"{filename}: {error.message} at {'.'.join(map(str, error.path))}")


def test_the_validator_rejects_an_unknown_field() -> None:
    # The check above is only worth something if strict validation really refuses typos.
    broken = {**obj("Service", "web"), "spec": {**obj("Service", "web")["spec"], "prots": []}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_kustomization_applies_every_object_but_the_secret_example() -> None:
    listed = {path.name for path in applied_files()}
    assert SECRET_EXAMPLE.name not in listed, "the placeholder Secret must never be applied"
    assert listed == {path.name for path in manifest_files()} - {SECRET_EXAMPLE.name}
    assert set(APPLIED) == EXPECTED_OBJECTS


def test_every_object_is_labelled_and_selectors_match() -> None:
    for (kind, name), document in APPLIED.items():
        if kind in {"Deployment", "Job"}:
            labels = document["spec"]["template"]["metadata"]["labels"]
            selector = document["spec"].get("selector", {}).get("matchLabels", labels)
            assert selector.items() <= labels.items(), f"{kind}/{name}: selector misses its pods"
    for service in ("web", "simulators"):
        pods = obj("Deployment", service)["spec"]["template"]["metadata"]["labels"]
        assert obj("Service", service)["spec"]["selector"].items() <= pods.items()
        for other in WORKLOADS:
            if other != service:
                labels = pod_spec_labels(other)
                assert not obj("Service", service)["spec"]["selector"].items() <= labels.items()


def test_the_workers_accept_only_metrics_scrapes_from_the_monitoring_namespace() -> None:
    policy = obj("NetworkPolicy", "workers-metrics-only")["spec"]
    assert policy["policyTypes"] == ["Ingress"]
    (rule,) = policy["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": "metrics"}]
    (source,) = rule["from"]
    assert source == {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
    }
    (expression,) = policy["podSelector"]["matchExpressions"]
    for workload in CELERY_WORKERS:
        labels = pod_spec_labels(workload)
        assert labels[expression["key"]] in expression["values"], workload
        ports = obj(*WORKLOADS[workload])["spec"]["template"]["spec"]["containers"][0]["ports"]
        assert {"name": "metrics", "containerPort": 9808} in [
            {k: p[k] for k in ("name", "containerPort")} for p in ports
        ]
    for workload in WORKLOADS.keys() - CELERY_WORKERS.keys():
        assert pod_spec_labels(workload)[expression["key"]] not in expression["values"]


def pod_spec_labels(workload: str) -> dict[str, str]:
    return obj(*WORKLOADS[workload])["spec"]["template"]["metadata"]["labels"]


# --- The same processes as docker-compose.yml ---------------------------------------------


@pytest.mark.parametrize("service", sorted(WORKLOADS))
def test_each_workload_runs_the_compose_command(service: str) -> None:
    assert main_container(service)["command"] == argv(compose()["services"][service]["command"])


@pytest.mark.parametrize("service", sorted(WORKLOADS))
def test_every_pod_runs_the_compose_image(service: str) -> None:
    compose_image = compose()["x-image"]["image"]  # ${BACKOFFICE_IMAGE:-backoffice:latest}
    name, tag = re.fullmatch(r"\$\{BACKOFFICE_IMAGE:-([^:}]+):([^}]+)\}", compose_image).groups()
    (image,) = load_documents(KUSTOMIZATION)[0]["images"]
    assert (image["name"], image["newTag"]) == (name, tag)
    for container in pod_spec(service).get("initContainers", []) + pod_spec(service)["containers"]:
        assert container["image"] == name


@pytest.mark.parametrize(("workload", "queue"), sorted(CELERY_WORKERS.items()))
def test_each_worker_consumes_only_its_queue(workload: str, queue: str) -> None:
    assert queues(main_container(workload)["command"]) == {queue}


@pytest.mark.parametrize("workload", sorted(SCALABLE))
def test_web_and_the_workers_can_scale(workload: str) -> None:
    deployment = obj("Deployment", workload)
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"].get("strategy", {}).get("type", "RollingUpdate") == "RollingUpdate"


def test_beat_runs_exactly_once_and_never_overlaps() -> None:
    beat = obj("Deployment", "beat")
    assert beat["spec"]["replicas"] == 1
    # RollingUpdate would start the new beat before stopping the old one.
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert "beat" in main_container("beat")["command"]
    for workload in WORKLOADS.keys() - {"beat"}:
        command = main_container(workload)["command"]
        assert not {"beat", "-B", "--beat"} & set(command), workload
    assert not [key for key in APPLIED if key[0] == "HorizontalPodAutoscaler"]


def test_migrate_job_runs_migrate_once() -> None:
    job = obj("Job", "migrate")
    assert main_container("migrate")["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert pod_spec("migrate")["restartPolicy"] in {"Never", "OnFailure"}
    assert job["spec"].get("parallelism", 1) == 1
    assert job["spec"].get("completions", 1) == 1
    assert job["spec"]["backoffLimit"] >= 1


@pytest.mark.parametrize("workload", sorted(LONG_RUNNING_DJANGO))
def test_django_processes_wait_for_the_migrations(workload: str) -> None:
    # compose: depends_on migrate: service_completed_successfully.
    commands = [c["command"] for c in pod_spec(workload).get("initContainers", [])]
    assert ["python", "manage.py", "migrate", "--check"] in commands


def test_web_service_exposes_the_compose_port() -> None:
    (mapping,) = compose()["services"]["web"]["ports"]
    published, _, target = str(mapping).rpartition(":")
    web = main_container("web")
    (port,) = obj("Service", "web")["spec"]["ports"]
    assert port["port"] == int(published)
    assert resolve_port(web, port["targetPort"]) == int(target)
    assert f"0.0.0.0:{target}" in web["command"]


def test_simulators_service_matches_simulators_url() -> None:
    (port,) = obj("Service", "simulators")["spec"]["ports"]
    url = config_map()["SIMULATORS_URL"]
    assert url == f"http://simulators:{port['port']}"
    assert resolve_port(main_container("simulators"), port["targetPort"]) == port["port"]
    assert compose()["x-app"]["environment"]["SIMULATORS_URL"] == url


def test_web_probes_healthz_for_liveness_and_readyz_for_readiness() -> None:
    web = main_container("web")
    container_port = web["ports"][0]["containerPort"]
    allowed_hosts = {host.strip() for host in config_map()["ALLOWED_HOSTS"].split(",")}
    expected = {"livenessProbe": "/healthz", "readinessProbe": "/readyz"}
    if "startupProbe" in web:
        expected["startupProbe"] = "/healthz"
    for probe_name, path in expected.items():
        probe = web[probe_name]["httpGet"]
        assert probe["path"] == path, probe_name
        assert resolve_port(web, probe["port"]) == container_port, probe_name
        # Django refuses a Host outside ALLOWED_HOSTS, and kubelet would send the pod IP.
        hosts = [h["value"] for h in probe.get("httpHeaders", []) if h["name"].lower() == "host"]
        assert hosts, f"{probe_name}: no Host header"
        assert hosts[0] in allowed_hosts, f"{probe_name}: Host header {hosts}"
        assert probe.get("scheme", "HTTP") == "HTTP"  # exempt from the HTTPS redirect


@pytest.mark.parametrize("workload", sorted(WORKLOADS.keys() - {"migrate"}))
def test_every_long_running_container_has_a_liveness_probe(workload: str) -> None:
    assert "livenessProbe" in main_container(workload)


@pytest.mark.parametrize(("workload", "queue"), sorted(CELERY_WORKERS.items()))
def test_worker_liveness_pings_its_own_node(workload: str, queue: str) -> None:
    command = main_container(workload)["command"]
    names = [value for flag, value in pairwise(command) if flag == "-n"]
    node = names[0].split("@")[0] if names else "celery"
    probe = main_container(workload)["livenessProbe"]["exec"]["command"]
    assert probe[:2] == ["sh", "-c"], "the shell must expand $HOSTNAME"
    assert f"inspect ping -d {node}@$HOSTNAME" in probe[2]


def test_the_pod_disruption_budget_keeps_web_up() -> None:
    pdb = obj("PodDisruptionBudget", "web")["spec"]
    assert pdb["selector"]["matchLabels"].items() <= pod_spec_labels("web").items()
    assert 1 <= pdb["minAvailable"] < obj("Deployment", "web")["spec"]["replicas"]


# --- Resources, security, shutdown --------------------------------------------------------


@pytest.mark.parametrize(("name", "container"), all_containers(), ids=lambda v: str(v)[:40])
def test_every_container_has_requests_and_limits(name: str, container: dict[str, Any]) -> None:
    resources = container.get("resources", {})
    for resource, parse in (("cpu", cpu_millis), ("memory", memory_bytes)):
        request = resources.get("requests", {}).get(resource)
        limit = resources.get("limits", {}).get(resource)
        assert request, f"{name}: no {resource} request"
        assert limit, f"{name}: no {resource} limit"
        assert parse(request) <= parse(limit), f"{name}: {resource} request above its limit"


@pytest.mark.parametrize(("name", "container"), all_containers(), ids=lambda v: str(v)[:40])
def test_every_container_runs_unprivileged(name: str, container: dict[str, Any]) -> None:
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False, name
    assert security["capabilities"]["drop"] == ["ALL"], name
    assert not security.get("privileged", False), name


@pytest.mark.parametrize("workload", sorted(WORKLOADS))
def test_every_pod_runs_as_the_image_user(workload: str) -> None:
    uid = int(re.search(r"--uid (\d+)", DOCKERFILE.read_text(encoding="utf-8"))[1])
    assert uid != 0
    security = pod_spec(workload)["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == uid
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod_spec(workload)["automountServiceAccountToken"] is False


@pytest.mark.parametrize("workload", sorted(CELERY_WORKERS))
def test_workers_get_to_finish_their_tasks_on_shutdown(workload: str) -> None:
    # Celery's warm shutdown waits for running tasks; the hard time limit bounds how long.
    time_limit = max(settings.CELERY_TASK_TIME_LIMIT, int(config_map()["CELERY_TASK_TIME_LIMIT"]))
    assert int(config_map()["CELERY_TASK_SOFT_TIME_LIMIT"]) < time_limit
    assert pod_spec(workload)["terminationGracePeriodSeconds"] > time_limit


def test_web_shuts_down_gracefully() -> None:
    # gunicorn's graceful timeout is 30 s; the preStop pause comes on top.
    assert pod_spec("web")["terminationGracePeriodSeconds"] >= 30 + 5
    assert main_container("web")["lifecycle"]["preStop"]


@pytest.mark.parametrize("workload", sorted(WORKLOADS))
def test_no_pod_needs_a_shared_volume(workload: str) -> None:
    # Uploads are in PostgreSQL (UPLOADS_STORAGE=database): web and workers on any node.
    claims = [v for v in pod_spec(workload).get("volumes", []) if "persistentVolumeClaim" in v]
    assert claims == []


def test_uploads_are_kept_in_the_database_as_in_compose() -> None:
    assert config_map()["UPLOADS_STORAGE"] == "database"
    assert compose()["x-app"]["environment"]["UPLOADS_STORAGE"] == "database"


# --- Configuration and secrets ------------------------------------------------------------


@pytest.mark.parametrize(("name", "container"), all_containers(), ids=lambda v: str(v)[:40])
def test_django_containers_take_config_and_secrets_by_reference(
    name: str, container: dict[str, Any]
) -> None:
    if name.startswith("simulators/"):
        assert "envFrom" not in container
        assert "env" not in container
        return
    sources = [
        ("configMap", ref["configMapRef"]["name"])
        if "configMapRef" in ref
        else ("secret", ref["secretRef"]["name"])
        for ref in container["envFrom"]
    ]
    assert sources == [("configMap", CONFIG_MAP), ("secret", SECRET)], name
    for entry in container.get("env", []):
        # A literal value here would be a secret (or config) outside the Secret/ConfigMap.
        assert "value" not in entry, f"{name}: {entry['name']} has a literal value"


def test_the_environment_names_are_the_compose_ones() -> None:
    k8s_names = set(config_map()) | set(secret_example())
    for service in DJANGO_WORKLOADS:
        missing = compose_env_names(service) - k8s_names
        assert not missing, f"{service}: compose sets {sorted(missing)}, Kubernetes does not"


def test_every_environment_name_is_read_by_the_code() -> None:
    # A typo in a ConfigMap or Secret key would be silently ignored at run time.
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for path in [*sorted((ROOT / "config").rglob("*.py")), ROOT / "manage.py"]
    )
    for name in set(config_map()) | set(secret_example()):
        assert f'"{name}"' in code, f"{name} is not read anywhere under config/"


def test_secrets_only_in_the_secret() -> None:
    assert set(secret_example()) == SECRET_NAMES
    assert not SECRET_NAMES & set(config_map()), "a secret in the ConfigMap"
    for (kind, name), document in APPLIED.items():
        assert kind != "Secret", f"{kind}/{name}: no Secret is applied from the repository"
        for text in all_strings(document):
            assert not CREDENTIALS_IN_URL.search(text), f"{kind}/{name}: credentials in {text!r}"


def test_the_secret_example_holds_placeholders_only() -> None:
    for name, value in secret_example().items():
        assert PLACEHOLDER in value, f"{name}: not a placeholder"
    # The placeholders never leak into what is applied.
    for path in applied_files():
        assert PLACEHOLDER not in path.read_text(encoding="utf-8"), path.name


def test_production_settings_are_selected() -> None:
    data = config_map()
    assert (
        data["DJANGO_SETTINGS_MODULE"]
        == compose()["x-app"]["environment"]["DJANGO_SETTINGS_MODULE"]
    )
    assert data["ALLOWED_HOSTS"].strip()


def test_the_registers_are_the_real_ones_with_the_secrets_credentials() -> None:
    from tests.core.test_settings import GOOD_PRODUCTION_ENV, REGISTER_CREDENTIALS, run_manage

    data = config_map()
    assert {name: data[f"{name.upper()}_API_URL"] for name in ("insee", "vies", "hmrc")} == {
        "insee": "https://api.insee.fr/api-sirene/3.11",
        "vies": "https://ec.europa.eu/taxation_customs/vies/rest-api",
        "hmrc": "https://api.service.hmrc.gov.uk",
    }
    assert set(REGISTER_CREDENTIALS) <= set(secret_example())
    base = {**dict.fromkeys(GOOD_PRODUCTION_ENV), **data}

    # The example's placeholders are refused at start; real values pass.
    example = run_manage({**base, **secret_example()}, "check")
    real = {
        **secret_example(),
        **REGISTER_CREDENTIALS,
        "SECRET_KEY": "s" * 50,
        "DATABASE_URL": "postgres://app@db.example.com:5432/app",
        "CELERY_BROKER_URL": "redis://redis.example.com:6379/0",
        "METRICS_TOKEN": "m" * 32,
    }
    started = run_manage({**base, **real}, "check")

    assert example.returncode != 0
    assert "INSEE_API_KEY, HMRC_CLIENT_ID, HMRC_CLIENT_SECRET must be set" in example.stderr
    assert started.returncode == 0, started.stdout + started.stderr
