"""The input boundary at the HTTP door: query parameters, API bodies (parsers), oversized
bodies, admin posts; JSON under /api/, the site's 400 page elsewhere."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from core.boundary.http import bad_request
from core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(token_client, user_factory):
    return token_client(user_factory(username="kamila", roles=[Role.KEY_ACCOUNT_MANAGER]))


@pytest.fixture
def signed_in(client, user_factory):
    client.force_login(user_factory(username="kamila", roles=[Role.KEY_ACCOUNT_MANAGER]))
    return client


# --- query parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("search=a%00b", "search"),
        ("city=Par%1Bis", "city"),
        ("page=1&status=%7F", "status"),
        ("ordering=%C2%85name", "ordering"),  # U+0085, a C1 control, sent as UTF-8
        ("se%00arch=x", "se\\u0000arch"),  # the key itself
    ],
)
def test_a_control_character_in_a_query_parameter_is_a_400_naming_it(api, query, field):
    response = api.get(f"/api/kam/accounts/?{query}")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [field]
    assert "control character" in error["fields"][field][0]


def test_tabs_and_newlines_in_a_query_parameter_pass(api):
    assert api.get("/api/kam/accounts/?search=a%09b%0Ac%0D").status_code == 200


def test_anonymous_api_callers_get_the_400_too(api_client):
    response = api_client.get("/api/leads/?search=%00")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_a_page_answers_the_sites_400_page(signed_in):
    response = signed_in.get("/kam/accounts/?q=caf%00e")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "<strong>q</strong>" in response.text
    assert "Remove the control characters" in response.text
    assert "Log out" in response.text  # the site's layout, for the signed-in person
    assert "\x00" not in response.text


def test_too_many_query_parameters_is_a_400_that_says_the_limit(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    query = "&".join(f"p{i}=1" for i in range(11))

    response = api.get(f"/api/kam/accounts/?{query}")

    assert response.status_code == 400
    assert _without_request_id(response.json()["error"]) == {
        "code": "too_many_fields",
        "message": "The request has too many fields or parameters: at most 10 are accepted.",
        "fields": {},
    }


# --- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/kam/accounts/", "/accounts/login/", "/api/me/"])
def test_a_nul_in_the_session_cookie_is_a_400_not_a_database_error(client, url):
    response = client.get(url, HTTP_COOKIE="sessionid=abcdefgh\x00ijklmnop")

    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json()["error"]["fields"] == {
            "Cookie": ["Remove the control character U+0000: text may not contain any."]
        }
    else:
        assert "<strong>Cookie</strong>" in response.text
        assert "clear this site&#x27;s cookies" in response.text
        assert "Log out" not in response.text


def test_a_control_character_in_a_token_is_a_400_naming_the_header(api_client):
    response = api_client.get("/api/me/", HTTP_AUTHORIZATION="Token xyz\x00qwv")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Authorization"]
    # The value is never echoed (letters no hexadecimal request id can hold).
    assert "xyz" not in response.content.decode()


def test_utf8_header_values_pass(api):
    """WSGI decodes header bytes as Latin-1: UTF-8 text shows C1 characters there."""
    agent = "Zoë's client \u2026".encode().decode("latin-1")
    assert any("\x80" <= c <= "\x9f" for c in agent)

    assert api.get("/api/me/", HTTP_USER_AGENT=agent).status_code == 200


# --- API bodies (the parsers) -----------------------------------------------------------------


def test_control_characters_deep_in_a_json_body_are_named_by_their_path(api):
    body = {"items": [{"name": "ok"}, {"name": "b\x00d", "tags": ["x", "\x1b"]}], "k\x7f": 1}

    response = api.post("/api/kam/accounts/", body, format="json")

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"items.1.name", "items.1.tags.1", "k\\u007f"}


def test_control_characters_in_a_form_body_are_named_by_their_field(api):
    response = api.post(
        "/api/kam/accounts/", {"name": "A\x0cB", "city": "Paris"}, format="multipart"
    )
    urlencoded = api.post(
        "/api/kam/accounts/",
        "name=A%0CB&city=Paris",
        content_type="application/x-www-form-urlencoded",
    )

    for answer in (response, urlencoded):
        assert answer.status_code == 400
        assert list(answer.json()["error"]["fields"]) == ["name"]


@pytest.mark.parametrize("depth", [33, 1_000, 200_000])
def test_json_deeper_than_the_limit_is_a_400(api, depth):
    body = '{"name": ' + "[" * depth + "]" * depth + "}"

    response = api.post("/api/kam/accounts/", body, content_type="application/json")

    assert response.status_code == 400
    assert _without_request_id(response.json()["error"]) == {
        "code": "parse_error",
        "message": "The JSON body is nested more than 32 levels deep, more than any of our "
        "inputs needs.",
        "fields": {},
    }


def test_json_at_the_limit_reaches_the_serializer(api):
    body = json.dumps({"name": json.loads("[" * 31 + "]" * 31)})

    response = api.post("/api/kam/accounts/", body, content_type="application/json")

    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"call_hour": 1e999}', "call_hour"),
        ('{"call_hour": -1e999}', "call_hour"),
        ('{"accounts": [1, 100000000000000000000]}', "accounts.1"),
        ('{"kam": -9223372036854775809}', "kam"),
    ],
)
def test_numbers_no_column_can_hold_are_a_400_on_their_path(api, raw, field):
    response = api.post("/api/kam/accounts/", raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: ["This number is too large."]}


@pytest.mark.parametrize("raw", ['{"call_hour": NaN}', '{"call_hour": Infinity}', "[1,"])
def test_json_that_is_not_json_is_a_400(api, raw):
    response = api.post("/api/kam/accounts/", raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_every_api_view_uses_the_boundary_parsers():
    from django.urls import get_resolver
    from rest_framework.views import APIView

    from core.boundary import parsers

    ours = (parsers.JSONParser, parsers.FormParser, parsers.MultiPartParser)
    seen = 0

    def walk(patterns):
        nonlocal seen
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)
                continue
            view = getattr(pattern.callback, "cls", None)
            if (
                isinstance(view, type)
                and issubclass(view, APIView)
                and view.__module__.split(".")[0]
                in ("core", "leads", "loans", "kam", "workflows", "evaluations")
            ):
                seen += 1
                for parser in view.parser_classes:
                    assert issubclass(parser, ours), f"{view.__name__}: {parser.__name__}"

    walk(get_resolver().url_patterns)
    assert seen > 10


# --- oversized bodies -----------------------------------------------------------------------


def test_a_json_body_over_the_limit_is_a_413_that_says_the_limit(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = api.post("/api/kam/accounts/", {"name": "x" * 2000}, format="json")

    assert response.status_code == 413
    assert _without_request_id(response.json()["error"]) == {
        "code": "request_too_large",
        "message": "The request is too large: at most 1 KiB (the request body) are accepted.",
        "fields": {},
    }


def test_an_upload_over_the_limit_is_a_413(api, settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024
    upload = SimpleUploadedFile("big.xlsx", b"x" * 20 * 1024)

    response = api.post(
        "/api/workflows/runs/", {"definition": "x", "file": upload}, format="multipart"
    )

    assert response.status_code == 413
    assert "at most 10 KiB (files and fields together)" in response.json()["error"]["message"]


def test_multipart_fields_over_the_body_limit_read_by_the_api_are_a_413(api, settings):
    """Within the upload limit, but the fields alone exceed DATA_UPLOAD_MAX_MEMORY_SIZE: Django
    refuses when the parser reads them; the API answers its own shape."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = api.post("/api/kam/accounts/", {"name": "x" * 4000}, format="multipart")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_too_many_fields_in_an_api_body_is_a_400(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    body = "&".join(f"f{i}=1" for i in range(8))

    response = api.post(
        "/api/kam/accounts/", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_fields"


def test_a_page_post_over_the_limit_is_the_sites_413_page(signed_in, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = signed_in.post("/kam/accounts/new/", {"name": "x" * 2000})

    assert response.status_code == 413
    assert "Too much to send" in response.text
    assert "at most 1 KiB" in response.text


def test_too_many_fields_in_a_page_form_is_the_sites_400_page(signed_in, settings):
    """Read by the view (not the middleware): Django's refusal goes to handler400."""
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5

    response = signed_in.post("/kam/accounts/new/", {f"f{i}": "1" for i in range(8)})

    assert response.status_code == 400
    assert "at most 5 are accepted" in response.text
    assert "Log out" in response.text


def test_the_400_handler_answers_json_under_api_and_a_page_elsewhere(rf: RequestFactory):
    from django.contrib.auth.models import AnonymousUser

    api_request, page_request = rf.get("/api/kam/accounts/"), rf.get("/kam/")
    for request in (api_request, page_request):
        request.user = AnonymousUser()

    assert json.loads(bad_request(api_request).content)["error"]["code"] == "bad_request"
    page = bad_request(page_request)
    assert page.status_code == 400
    assert b"could not be understood" in page.content


# --- the admin --------------------------------------------------------------------------------


def test_an_admin_post_with_a_control_character_is_refused(admin_client):
    from kam.models import Restaurant

    response = admin_client.post(
        "/admin/kam/restaurant/add/", {"name": "Evil\x00", "city": "Paris"}
    )

    assert response.status_code == 400
    assert "<strong>name</strong>" in response.text
    assert not Restaurant.objects.exists()


@pytest.mark.parametrize(
    ("day", "time"),
    [("0001-01-01", "00:00:00"), ("9999-12-31", "23:59:00"), ("1899-12-31", "12:00:00")],
)
def test_admin_datetimes_are_in_the_filter_range(admin_client, day, time):
    from kam.models import Interaction
    from tests.kam.conftest import RestaurantFactory

    account = RestaurantFactory()

    response = admin_client.post(
        "/admin/kam/interaction/add/",
        {"restaurant": account.pk, "kind": "call", "outcome": "connected",
         "occurred_at_0": day, "occurred_at_1": time, "details": "kept"},
    )  # fmt: skip

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["occurred_at"] == ["Must be between 1900-01-01 and 2100-12-31."]
    assert not Interaction.objects.exists()


def test_admin_dates_are_in_the_filter_range(admin_client):
    from leads.models import Lead
    from tests.leads.conftest import LeadFactory

    lead = LeadFactory()

    response = admin_client.post(
        f"/admin/leads/lead/{lead.pk}/change/",
        {"first_name": "Ada", "last_name": "L", "birth_date": "0001-01-01",
         "national_id": lead.national_id, "email": lead.email, "phone": lead.phone,
         "owner": lead.owner_id},
    )  # fmt: skip

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["birth_date"] == ["Must be between 1900-01-01 and 2100-12-31."]
    assert Lead.objects.get().birth_date == lead.birth_date


def _without_request_id(error: dict) -> dict:
    """Every error carries the request's id (for support); compare the rest."""
    assert error.pop("request_id")
    return error
