"""Schemathesis over our own OpenAPI schema: every operation answers what its schema promises.

Each operation of `/api/schema/` is called with generated requests, as a superuser with a
token, and each answer is checked: no 5xx, a documented status code, a documented content
type, a body that matches the documented schema, the documented response headers. Twice: on
an empty database (mostly refusals: 400, 404, 409), and on what `make run` loads (the
development users and every app's `<app>/demo.py`) with the path parameters taken from real
objects, and with one valid request per write operation tried first (generated bodies rarely
pass the business rules), so the serializers that return data are reached. On that run a good
share of the calls must answer 2xx, and every operation at least once.

Failures are collected rather than raised inside Hypothesis (no shrinking: the first example of
each violation is reported), then reported together, one entry per operation and violation.
Every app's endpoints join this automatically as they are added to the schema; a new write
operation adds its valid request to `VALID_REQUESTS`.
"""

from __future__ import annotations

import io
import re
import socket
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import hypothesis
import pytest
import schemathesis
import werkzeug.test
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from urllib3.filepost import encode_multipart_formdata

from leads.demo import nir
from workflows.demo import sample_statement

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    # A 2xx is resent without credentials and with invalid ones: it must be refused.
    ignored_auth,
]
# Generated requests per operation (48 operations): about a minute per database here.
MAX_EXAMPLES = 30
# On demo data, at least this share of all calls must answer 2xx.
MIN_SUCCESS_SHARE = 0.4


@dataclass
class Report:
    calls: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def record(self, label: str, status_code: int) -> None:
        self.calls[label][status_code // 100] += 1

    def fail(self, label: str, failure: Exception, reproduce: str) -> None:
        title = getattr(failure, "title", type(failure).__name__)
        message = getattr(failure, "message", str(failure)).strip()
        # One entry per operation and kind of violation (e.g. per undocumented status code).
        first_line = message.splitlines()[0] if message else ""
        self.failures.setdefault((label, title, first_line), f"{message}\n{reproduce}")

    def total(self, status_class: int | None = None) -> int:
        return sum(
            count
            for counter in self.calls.values()
            for cls, count in counter.items()
            if status_class in (None, cls)
        )

    def describe_failures(self) -> str:
        lines = [f"{len(self.failures)} schema violation(s):"]
        for (label, title, _), detail in sorted(self.failures.items()):
            lines.append(f"- {label}: {title}\n    " + detail.replace("\n", "\n    "))
        return "\n".join(lines)

    def describe_calls(self) -> str:
        return "\n".join(
            f"  {label}: " + ", ".join(f"{cls}xx {n}" for cls, n in sorted(counter.items()))
            for label, counter in sorted(self.calls.items())
        )


@pytest.fixture
def fuzz_user(user_factory):
    # No email, like the development users: `/api/me/` must describe that too.
    return user_factory(username="fuzzer", email="", is_superuser=True, is_staff=True)


@pytest.fixture
def auth_headers(fuzz_user) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.create(user=fuzz_user).key}"}


@pytest.fixture
def unreachable_systems(settings):
    """Every external system at a closed local port with short timeouts: the calls fail fast
    and in the documented way ("unable to reach"), whatever else listens on this machine."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    urls = ("SIMULATORS_URL", "BANK_API_URL", "REGISTRY_API_URL", "ARCHIVES_API_URL",
            "SCORING_API_URL")  # fmt: skip
    for name in urls:
        assert hasattr(settings, name), f"no setting {name} (renamed?)"
        setattr(settings, name, closed)
    # The company registers (evaluations.clients.register_url): each its own URL, else the
    # simulators'; both closed, whatever the environment set.
    settings.EVALUATIONS_REGISTERS = {
        register: {**configured, "url": closed}
        for register, configured in settings.EVALUATIONS_REGISTERS.items()
    }
    timeouts = {"EXTERNAL_HTTP_CONNECT_TIMEOUT": 0.5, "EXTERNAL_HTTP_TIMEOUT": 1.0,
                "EVALUATIONS_REGISTER_TIMEOUT": 1.0, "LOANS_BANK_TIMEOUT": 1.0,
                "QUALIFICATION_TIMEOUT": 2.0}  # fmt: skip
    for name, seconds in timeouts.items():
        assert hasattr(settings, name), f"no setting {name} (renamed?)"
        setattr(settings, name, seconds)
    return closed


def test_unreachable_systems_close_every_system(unreachable_systems):
    from evaluations.clients import register_url
    from leads.clients import ArchivesClient, RegistryClient, ScoringClient
    from loans.clients import AsyncBankClient

    for register in ("insee", "vies", "hmrc"):
        assert register_url(register) == unreachable_systems, register
    for client_class in (RegistryClient, ArchivesClient, ScoringClient, AsyncBankClient):
        client = client_class()
        assert str(client.base_url).rstrip("/") == unreachable_systems, client_class


@pytest.fixture
def wsgi_app():
    """The real WSGI app, without closing the test's database connection after each request
    (Django's own test client disconnects the same signal handler)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(auth_headers, wsgi_app, unreachable_systems):
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", wsgi_app, headers=dict(auth_headers)
    )


@pytest.fixture
def demo_data(settings) -> None:
    """What `make run` loads: the development users, then every app's `<app>/demo.py`."""
    settings.DEBUG = True  # both commands refuse to run otherwise
    call_command("create_dev_users", stdout=io.StringIO())
    call_command("load_demo_data", stdout=io.StringIO())
    settings.DEBUG = False


class Api:
    """Reads through the API itself, as the fuzzing user."""

    def __init__(self, wsgi_app, auth_headers: dict[str, str]) -> None:
        # Werkzeug's client, as schemathesis uses: Django's test client would reconnect the
        # signal handler that closes the test's database connection after each request.
        self.client = werkzeug.test.Client(wsgi_app)
        self.headers = dict(auth_headers)

    def rows(self, path: str, **query: Any) -> list[dict]:
        query.setdefault("page_size", 200)
        response = self.client.get(path, query_string=query, headers=self.headers)
        if response.status_code != 200:
            return []
        body = response.get_json()
        rows = body.get("results", []) if isinstance(body, dict) else body
        return [row for row in rows if isinstance(row, dict)]

    def first(self, path: str, **query: Any) -> dict | None:
        rows = self.rows(path, **query)
        return rows[0] if rows else None

    def path_values(self, operation) -> dict[str, list]:
        """Values naming existing objects: `/api/x/{id}/...` takes the `id` of the rows that
        `/api/x/` lists; a workflow run's `step_id`, the steps of the workflows we have."""
        names = re.findall(r"{(\w+)}", operation.path)
        if not names:
            return {}
        first = names[0]
        rows = self.rows(operation.path.split("{", 1)[0])
        values = {first: [row[first] for row in rows if row.get(first) is not None]}
        if "step_id" in names:
            definitions = self.rows("/api/workflows/definitions/")
            values["step_id"] = sorted(
                {step["id"] for definition in definitions for step in definition["steps"]}
            )
        return {name: found for name, found in values.items() if found}


# --- One valid request per write operation (explicit examples, tried first) ---------------

NEW_ACCOUNT = {"name": "Chez Fuzz", "city": "Lyon", "country": "FR", "time_zone": "Europe/Paris"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEW_LOAN = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "amount": "15000.00",
    "currency": "EUR",
}


def _lead_body(lead: dict | None = None) -> dict:
    if lead is not None:  # the lead as it is (its identity may not change once qualified)
        keys = ("first_name", "last_name", "birth_date", "national_id", "email", "phone")
        return {key: lead[key] for key in keys}
    return {
        "first_name": "Zoé",
        "last_name": "Fuzz",
        "birth_date": "1970-01-15",
        "national_id": nir(2, "1970-01-15", "75056", "123"),
        "email": "zoe.fuzz@example.test",
        "phone": "+33 6 12 34 56 78",
    }


def _reassign(api: Api) -> list[dict]:
    accounts = api.rows("/api/kam/accounts/")
    if not accounts:
        return []
    other = next((a["owner"] for a in accounts if a["owner"] != accounts[0]["owner"]), None)
    if other is None:
        return []
    body = {"accounts": [accounts[0]["id"]], "kam": other, "reason": "Territory change."}
    return [{"body": body}]


def _submit_step(api: Api) -> list[dict]:
    run = api.first("/api/workflows/runs/", status="waiting")
    if run is None:
        return []
    # Encoded here: the step's input schema is a free-form object, so schemathesis would not
    # know `statement` is a file part.
    body, content_type = encode_multipart_formdata(
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "date_of_birth": "1986-12-09",
            "statement": ("statement.xlsx", sample_statement(), XLSX),
        }
    )
    return [
        {
            "path_parameters": {"id": run["id"], "step_id": run["current_step"]},
            "body": body,
            "media_type": "multipart/form-data",
            "headers": {"Content-Type": content_type},
        }
    ]


def _with(path: str, build: Callable[[dict], dict], **query: Any) -> Callable[[Api], list]:
    """A request about the first row `path` lists (filtered by `query`), if there is one."""

    def requests(api: Api) -> list[dict]:
        row = api.first(path, **query)
        return [build(row)] if row else []

    return requests


def _body(body: dict) -> Callable[[Api], list]:
    return lambda api: [{"body": body}]


VALID_REQUESTS: dict[str, Callable[[Api], list[dict]]] = {
    "POST /api/evaluations/": _body({"kind": "SIREN", "value": "356000000"}),
    "POST /api/kam/accounts/": _body(NEW_ACCOUNT),
    "PUT /api/kam/accounts/{id}/": _with(
        "/api/kam/accounts/", lambda a: {"path_parameters": {"id": a["id"]}, "body": NEW_ACCOUNT}
    ),
    "POST /api/kam/accounts/{id}/transition/": _with(
        "/api/kam/accounts/",
        lambda a: {
            "path_parameters": {"id": a["id"]},
            "body": {"status": "contacted", "reason": "First call booked."},
        },
        status="new",
    ),
    "POST /api/kam/accounts/reassign/": _reassign,
    "POST /api/kam/contacts/": _with(
        "/api/kam/accounts/",
        lambda a: {
            "body": {"restaurant": a["id"], "name": "Ada Fuzz", "email": "ada@example.test"}
        },
    ),
    "POST /api/kam/interactions/": _with(
        "/api/kam/accounts/",
        lambda a: {"body": {"restaurant": a["id"], "kind": "visit", "details": "Tasting."}},
    ),
    "POST /api/kam/orders/": _with(
        "/api/kam/accounts/", lambda a: {"body": {"restaurant": a["id"], "amount": "120.50"}}
    ),
    "POST /api/leads/": _body(_lead_body()),
    "PUT /api/leads/{id}/": _with(
        "/api/leads/",
        lambda lead: {"path_parameters": {"id": lead["id"]}, "body": _lead_body(lead)},
        stage="lead",
    ),
    "POST /api/leads/qualify/": _with(
        "/api/leads/", lambda lead: {"body": {"leads": [lead["id"]]}}, stage="lead"
    ),
    # Twice with one key: the second answers the first result, `Idempotent-Replayed: true`.
    "POST /api/loans/applications/": lambda api: (
        [{"body": NEW_LOAN, "headers": {"Idempotency-Key": "fuzz-replay"}}] * 2
    ),
    "POST /api/workflows/runs/": _body({"definition": "customer_income_expenditure"}),
    "POST /api/workflows/runs/{id}/steps/{step_id}/": _submit_step,
}


def _explicit_cases(operation, label: str, api: Api | None) -> list:
    if api is None or label not in VALID_REQUESTS:
        return []
    return [
        operation.Case(**{"media_type": "application/json", **request})
        for request in VALID_REQUESTS[label](api)
    ]


# --- The run ---------------------------------------------------------------------------------


def _operations(api_schema) -> list:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert operations, "the schema has no operation to fuzz"
    # Deletions last, so the other operations still find the objects they are given.
    return sorted(operations, key=lambda op: op.method.upper() == "DELETE")


def _fuzz(strategy, examples: list, label: str, headers: dict, report: Report) -> None:
    def call(case):
        response = case.call(headers=headers)
        report.record(label, response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            query = f"?{urlencode(case.query, doseq=True)}" if case.query else ""
            reproduce = f"{case.method} {case.formatted_path}{query} -> {response.status_code}"
            for failure in group.exceptions:
                report.fail(label, failure, reproduce)

    for example in reversed(examples):  # decorators apply bottom-up; run them in list order
        call = hypothesis.example(case=example)(call)
    hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        derandomize=True,
        database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )(hypothesis.given(case=strategy)(call))()


def _exercise(api_schema, auth_headers, api: Api | None = None) -> Report:
    """Every operation; with `api`, path parameters name existing objects and the valid
    requests are tried first."""
    report = Report()
    for operation in _operations(api_schema):
        label = f"{operation.method.upper()} {operation.path}"
        known = api.path_values(operation) if api else {}
        strategy = (
            st.fixed_dictionaries({name: st.sampled_from(v) for name, v in known.items()}).flatmap(
                lambda params, op=operation: op.as_strategy(path_parameters=params)
            )
            if known
            else operation.as_strategy()
        )
        examples = _explicit_cases(operation, label, api)
        _fuzz(strategy, examples, label, dict(auth_headers), report)
    return report


def test_every_operation_answers_as_documented_on_an_empty_database(api_schema, auth_headers):
    report = _exercise(api_schema, auth_headers)

    assert not report.failures, report.describe_failures()
    assert len(report.calls) == len(_operations(api_schema))


def test_every_operation_answers_as_documented_on_demo_data(
    demo_data, api_schema, auth_headers, wsgi_app
):
    report = _exercise(api_schema, auth_headers, Api(wsgi_app, auth_headers))

    assert not report.failures, report.describe_failures()
    successes, total = report.total(2), report.total()
    assert successes >= MIN_SUCCESS_SHARE * total, (
        f"only {successes} of {total} calls answered 2xx on demo data:\n" + report.describe_calls()
    )
    never_ok = sorted(label for label, counter in report.calls.items() if not counter[2])
    assert not never_ok, (
        f"operations that never answered 2xx on demo data (add a valid request to "
        f"VALID_REQUESTS): {never_ok}\n" + report.describe_calls()
    )
