"""The OpenAPI schema: generated without warnings, and every operation documents its errors
(core.api.schema.AutoSchema). Whether the answers match it is tests/core/test_api_fuzz.py."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

ERROR_REF = "#/components/schemas/ErrorResponse"


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_the_schema_generates_and_validates_without_a_warning():
    """What CI would run by hand: a new endpoint that cannot be described fails here."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("openapi: 3."), result.stdout[:200]


def test_every_operation_documents_its_errors_in_the_error_shape(schema):
    for label, operation in _operations(schema):
        responses = operation["responses"]
        parameters = operation.get("parameters", [])
        expected = {"400", "401", "403"}  # 400: the input boundary refuses anywhere
        if any(p["in"] == "path" for p in parameters):
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"413", "415"}

        assert expected <= set(responses), (label, sorted(responses))
        for code, response in responses.items():
            if int(code) >= 400:
                assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}
                assert response["description"], (label, code)
        assert responses["401"]["headers"]["WWW-Authenticate"]


def test_the_error_shape_is_one_component(schema):
    error = schema["components"]["schemas"]["ErrorResponse"]
    detail = schema["components"]["schemas"]["ErrorDetail"]

    assert error["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert {"code", "message", "fields"} <= set(detail["required"])


def test_paginated_lists_document_a_page_past_the_last(schema):
    for path in ("/api/leads/", "/api/kam/performance/underperforming/", "/api/leads/{id}/runs/"):
        assert "page" in schema["paths"][path]["get"]["responses"]["404"]["description"], path
    assert "404" not in schema["paths"]["/api/me/"]["get"]["responses"]


def test_an_operation_keeps_what_only_it_knows(schema):
    reevaluate = schema["paths"]["/api/evaluations/{id}/reevaluate/"]["post"]["responses"]
    transition = schema["paths"]["/api/kam/accounts/{id}/transition/"]["post"]["responses"]

    assert reevaluate["409"]["description"] == "Unfavorable is final: not re-evaluated"
    assert reevaluate["409"]["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}
    assert "409" in transition
    assert "409" not in schema["paths"]["/api/kam/accounts/reassign/"]["post"]["responses"]
    # An operation's error example joins the generated error response.
    created = schema["paths"]["/api/loans/applications/"]["post"]["responses"]
    assert created["400"]["content"]["application/json"]["examples"]


def test_the_band_lists_are_documented_as_pages_of_accounts(schema):
    for path in ("/api/kam/performance/underperforming/", "/api/kam/performance/well-performing/"):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert ok["schema"] == {"$ref": "#/components/schemas/PaginatedAccountList"}


def test_values_that_are_really_empty_or_null_are_declared(schema):
    components = schema["components"]["schemas"]

    for name, field in (
        ("Interaction", "created_by"),
        ("Order", "created_by"),
        ("WorkflowRun", "created_by"),
        ("Run", "requested_by"),
    ):
        assert components[name]["properties"][field]["nullable"] is True, name
    for name, field in (("LoanApplication", "failure_code"), ("Run", "outcome")):
        choices = components[name]["properties"][field]["oneOf"]
        assert {"$ref": "#/components/schemas/BlankEnum"} in choices, name
    me_email = components["Me"]["properties"]["email"]
    assert me_email["type"] == "string"
    assert "format" not in me_email


def test_loan_creation_documents_its_headers(schema):
    create = schema["paths"]["/api/loans/applications/"]["post"]
    headers = create["responses"]["201"]["headers"]

    assert headers["Location"]["required"] is True
    assert headers["Idempotent-Replayed"]["schema"]["enum"] == ["true"]
    key = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert (key["in"], key["schema"]["maxLength"]) == ("header", 255)
