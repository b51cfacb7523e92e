"""The input boundary over the whole API schema: every write operation has its border-value
tests in its app (tests/<app>/test_boundary.py), and every query parameter of every GET
operation refuses control characters and survives border values."""

from __future__ import annotations

import importlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.harness import boundary as harness

pytestmark = pytest.mark.django_db

APPS = ("kam", "leads", "loans", "workflows", "evaluations")
WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture
def api(token_client, user_factory):
    return token_client(user_factory(username="root", is_superuser=True, is_staff=True))


@pytest.fixture
def schema(api) -> dict:
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict, methods: set[str]):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in methods:
                yield path, method, operation


def test_every_write_operation_of_the_schema_has_its_boundary_tests(schema):
    covered = set()
    for app in APPS:
        covered.update(importlib.import_module(f"tests.{app}.test_boundary").OPERATIONS)
    in_schema = {op["operationId"] for _, _, op in _operations(schema, WRITES)}

    assert in_schema, "no write operation in the schema"
    assert in_schema - covered == set(), "write operations without boundary tests"
    assert covered - in_schema == set(), "boundary tests of operations that no longer exist"


def _list_operations(schema: dict) -> list[tuple[str, list[str]]]:
    found = []
    for path, _, operation in _operations(schema, {"get"}):
        if "{" in path or path.startswith("/api/schema"):
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        found.append((path, names))
    return found


def test_a_control_character_in_any_query_parameter_is_a_400_naming_it(api, schema):
    operations = _list_operations(schema)
    assert len(operations) > 10
    for path, names in operations:
        for name in [*names, "not_a_parameter"]:
            response = api.get(path, {name: "x\x00y"})
            assert response.status_code == 400, (path, name, response.status_code)
            assert list(response.json()["error"]["fields"]) == [name], (path, name)


def test_border_values_in_query_parameters_never_answer_5xx(api, schema):
    operations = _list_operations(schema)

    @given(
        operation=st.sampled_from(operations),
        data=st.data(),
        value=st.one_of(
            harness.huge_numbers().map(harness.form_value),
            harness.date_texts(),
            harness.datetime_texts(),
            st.text(max_size=20),
            st.just("9" * 4_000),
            st.sampled_from(harness.ODD_DIGITS),
        ),
    )
    @harness.fast(80)
    def run(operation, data, value):
        path, names = operation
        name = data.draw(st.sampled_from([*names, "page", "page_size", "ordering", "search"]))
        response = api.get(path, {name: value})
        assert response.status_code < 500, (path, name, value, response.content[:300])

    run()


def test_border_values_in_path_ids_never_answer_5xx(api, schema):
    paths = [path for path, _, _ in _operations(schema, {"get"}) if "{" in path]
    values = ["0", "-1", "9" * 30, str(2**63), "1e308", "NaN", "%00", "%1b", "a" * 300]
    for path in paths:
        for value in values:
            url = re.sub(r"\{[^}]+\}", value, path)
            response = api.get(url)
            assert response.status_code < 500, (url, response.status_code)
