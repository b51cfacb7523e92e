"""API authentication and the one JSON error shape."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions

from core.api.exceptions import api_exception_handler
from core.errors import ApplicationError, ConflictError, NotFoundError
from core.roles import Role

API_ROOTS = ["/api/me/", "/api/schema/"] + [
    f"/api/{app}/" for app in ("leads", "loans", "kam", "workflows", "evaluations")
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", API_ROOTS)
def test_anonymous_requests_are_refused_with_401_and_the_error_shape(api_client, path):
    response = api_client.get(path, HTTP_ACCEPT="application/json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.json()["error"]["fields"] == {}


@pytest.mark.django_db
def test_a_bad_token_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get("/api/me/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.django_db
def test_token_authentication_identifies_the_user_and_roles(user_factory, token_client):
    user = user_factory(username="olivia", roles=[Role.LOAN_OFFICER, Role.ANALYST])

    response = token_client(user).get("/api/me/")

    assert response.status_code == 200
    assert response.json()["username"] == "olivia"
    assert response.json()["roles"] == ["analyst", "loan_officer"]


@pytest.mark.django_db
def test_session_authentication_works_for_signed_in_staff(client, user_factory):
    client.force_login(user_factory(username="sam"))

    response = client.get("/api/me/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json()["username"] == "sam"


@pytest.mark.django_db
def test_session_api_writes_keep_csrf_protection(user_factory):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user_factory(username="csrf"))

    response = client.post("/api/me/", {}, content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_unknown_api_path_answers_json_404(client):
    response = client.get("/api/does-not-exist/")

    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "Not found.",
            "fields": {},
            "request_id": request_id,
        }
    }


def test_nested_validation_errors_become_dotted_field_messages():
    exc = exceptions.ValidationError(
        {
            "amount": ["Ensure this value is greater than 0."],
            "items": [{}, {"name": ["This field is required."]}],
            "non_field_errors": ["Dates are in the wrong order."],
        }
    )

    body = api_exception_handler(exc, {}).data

    assert body["error"]["code"] == "validation_error"
    assert body["error"]["message"] == "Dates are in the wrong order."
    assert body["error"]["fields"] == {
        "amount": ["Ensure this value is greater than 0."],
        "items.1.name": ["This field is required."],
    }


def test_field_errors_without_a_general_message_name_the_fields():
    body = api_exception_handler(exceptions.ValidationError({"email": ["Bad."]}), {}).data

    assert body["error"]["message"] == "Some fields are not valid: email."


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (ApplicationError("Amount too large.", fields={"amount": "Max 50000."}), 400, "invalid"),
        (NotFoundError("No such application."), 404, "not_found"),
        (ConflictError("Already decided."), 409, "conflict"),
        (ApplicationError("Nope.", code="custom", status_code=422), 422, "custom"),
        (Http404(), 404, "not_found"),
        (exceptions.ParseError("JSON parse error - Expecting value"), 400, "parse_error"),
        (exceptions.MethodNotAllowed("PUT"), 405, "method_not_allowed"),
    ],
)
def test_every_error_type_maps_to_one_shape(exc, status, code):
    response = api_exception_handler(exc, {})

    assert response.status_code == status
    assert set(response.data) == {"error"}
    assert set(response.data["error"]) == {"code", "message", "fields", "request_id"}
    assert response.data["error"]["code"] == code


def test_application_error_keeps_its_field_messages():
    exc = ApplicationError("Amount too large.", fields={"amount": "Max 50000."})

    body = api_exception_handler(exc, {}).data

    assert body["error"]["fields"] == {"amount": ["Max 50000."]}
    assert str(exc) == "Amount too large. (amount: Max 50000.)"


def test_django_validation_errors_are_field_messages_too():
    exc = DjangoValidationError({"email": ["Enter a valid email address."]})

    response = api_exception_handler(exc, {})

    assert response.status_code == 400
    assert response.data["error"]["fields"] == {"email": ["Enter a valid email address."]}


def test_unexpected_exceptions_are_left_to_django_500_handling():
    assert api_exception_handler(RuntimeError("boom"), {}) is None


def test_a_service_refusal_lands_on_the_form_fields():
    from django import forms

    from core.forms import add_application_error

    class Form(forms.Form):
        amount = forms.IntegerField()

    form = Form({"amount": "5"})
    form.is_valid()
    add_application_error(
        form, ApplicationError("No.", fields={"amount": "Too small.", "unknown": "Elsewhere."})
    )
    general = Form({"amount": "5"})
    general.is_valid()
    add_application_error(general, ApplicationError("Closed on Sundays."))

    assert form.errors["amount"] == ["Too small."]
    assert form.non_field_errors() == ["Elsewhere."]
    assert general.non_field_errors() == ["Closed on Sundays."]
