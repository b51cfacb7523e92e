"""/api/loans/applications/: create (idempotent), list with filters, detail with history."""

import json

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from loans.models import LoanApplication, Status

pytestmark = pytest.mark.django_db
URL = "/api/loans/applications/"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from loans import tasks

    monkeypatch.setattr(tasks.dispatch_submissions, "apply_async", lambda **kw: None)


def test_create_answers_201_with_the_application(officer_api, valid_input):
    response = officer_api.post(URL, valid_input, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "new"
    assert body["amount"] == "15000.00"
    [event] = body["history"]
    assert event["changes"] == {"status": {"from": None, "to": "new"}}
    assert (event["action"], event["action_label"]) == ("loans.created", "Application created")
    assert event["actor"] == "officer"
    assert set(event) == {
        "at",
        "actor",
        "action",
        "action_label",
        "changes",
        "reason",
        "request_id",
    }
    assert response["Location"] == f"{URL}{body['id']}/"
    assert LoanApplication.objects.get(id=body["id"]).created_by.username == "officer"


def test_a_retry_with_the_same_key_returns_the_first_result(officer_api, valid_input):
    first = officer_api.post(URL, valid_input, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    retry = officer_api.post(URL, valid_input, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")

    assert retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert retry["Idempotent-Replayed"] == "true"
    assert LoanApplication.objects.count() == 1


def test_reusing_a_key_with_another_body_is_a_400(officer_api, valid_input):
    officer_api.post(URL, valid_input, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")

    response = officer_api.post(
        URL, {**valid_input, "amount": "999"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-123"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert LoanApplication.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": None}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"email": "nope"}, "email"),
        ({"amount": "-100"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1e12"}, "amount"),
        ({"amount": "ten thousand"}, "amount"),
        ({"currency": "BTC"}, "currency"),
    ],
)
def test_bad_input_is_a_400_with_field_messages(officer_api, valid_input, change, field):
    body = {**valid_input, **change}
    body = {k: v for k, v in body.items() if v is not None}

    response = officer_api.post(URL, body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert error["fields"][field][0]
    assert LoanApplication.objects.count() == 0


def test_every_bad_field_is_reported_in_one_answer(officer_api, valid_input):
    body = {**valid_input, "email": "nope", "amount": "12.345", "currency": "btc"}

    response = officer_api.post(URL, body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {
        "email": ["Enter a valid email address."],
        "amount": ["At most 2 decimal places."],
        "currency": ["Choose one of EUR, GBP, USD, CHF."],
    }


def test_the_currency_is_read_in_any_case(officer_api, valid_input):
    response = officer_api.post(URL, {**valid_input, "currency": "gbp"}, format="json")

    assert response.status_code == 201
    assert response.json()["currency"] == "GBP"


def test_malformed_json_is_a_400(officer_api):
    response = officer_api.generic("POST", URL, '{"first_name": "Ada",', "application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_list_filters_by_status_and_is_paginated(officer_api, application_factory):
    application_factory.create_batch(3, status=Status.PENDING)
    application_factory.create_batch(2, status=Status.COMPLETED)

    response = officer_api.get(URL, {"status": "pending", "page_size": 2})

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert {row["status"] for row in body["results"]} == {"pending"}
    assert body["next"]


def test_an_unknown_status_filter_is_a_400(officer_api):
    response = officer_api.get(URL, {"status": "approved-ish"})

    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_date_range_and_search(officer_api, application_factory):
    from datetime import timedelta

    from django.utils import timezone

    old = application_factory(first_name="Grace", last_name="Hopper")
    LoanApplication.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(days=10))
    application_factory(first_name="Alan", last_name="Turing", email="alan@bletchley.uk")
    today = timezone.localdate().isoformat()

    recent = officer_api.get(URL, {"created_from": today}).json()
    found = officer_api.get(URL, {"search": "bletchley"}).json()
    bad_range = officer_api.get(URL, {"created_from": today, "created_to": "2000-01-01"})

    assert [row["last_name"] for row in recent["results"]] == ["Turing"]
    assert [row["last_name"] for row in found["results"]] == ["Turing"]
    assert bad_range.status_code == 400
    assert "created_to" in bad_range.json()["error"]["fields"]


def test_detail_and_unknown_ids(officer_api, application_factory):
    application = application_factory()

    assert officer_api.get(f"{URL}{application.id}/").json()["id"] == str(application.id)
    assert officer_api.get(f"{URL}3fa85f64-5717-4562-b3fc-2c963f66afa6/").status_code == 404
    assert officer_api.get(f"{URL}not-a-uuid/").status_code == 404


@pytest.mark.parametrize(
    ("roles", "read", "write"),
    [
        ([Role.LOAN_OFFICER], 200, 201),
        ([Role.RISK_ANALYST], 200, 403),
        ([Role.ANALYST], 200, 403),
        ([Role.SALES_AGENT], 403, 403),
        ([], 403, 403),
    ],
)
def test_roles(user_factory, token_client, valid_input, roles, read, write):
    client = token_client(user_factory(roles=roles))

    assert client.get(URL).status_code == read
    assert client.post(URL, valid_input, format="json").status_code == write


def test_anonymous_is_refused(valid_input):
    client = APIClient()

    assert client.get(URL).status_code == 401
    assert (
        client.post(URL, json.dumps(valid_input), content_type="application/json").status_code
        == 401
    )


def test_the_schema_documents_the_endpoints_with_examples(officer_api):
    schema = officer_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    create = schema["paths"]["/api/loans/applications/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert "examples" in create["requestBody"]["content"]["application/json"]
    assert "400" in create["responses"]
    assert "/api/loans/applications/{id}/" in schema["paths"]
