"""400, 403, 404 and 500: the site layout, what to do next, the reference support needs;
JSON in the one error shape under /api/."""

import logging

import pytest
from django.test import Client, override_settings

from core import context_processors
from core.request_id import HEADER
from tests.core.error_urls import GUARD_MESSAGE

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.error_urls")]


@pytest.fixture
def signed_in(client, user_factory):
    client.force_login(user_factory(username="nina"))
    client.raise_request_exception = False
    return client


def _page(response) -> str:
    return response.content.decode()


def _uses_the_site_layout(html: str) -> None:
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    assert 'class="topbar"' in html
    assert 'class="footer"' in html


def test_404_uses_the_layout_offers_the_way_back_and_the_reference(signed_in):
    response = signed_in.get("/no/such/page/")

    assert response.status_code == 404
    html = _page(response)
    _uses_the_site_layout(html)
    assert "Page not found" in html
    assert "Back to the dashboard" in html
    assert "Log out" in html  # the signed-in navigation is there
    assert f'<code id="request-id">{response[HEADER]}</code>' in html


def test_404_inside_an_app_links_back_to_its_list(signed_in):
    response = signed_in.get("/loans/not-a-page/")

    assert response.status_code == 404
    assert 'href="/loans/"' in _page(response)
    assert "Back to loans" in _page(response)


def test_403_says_what_the_page_is_for_and_who_can_grant_access(signed_in):
    response = signed_in.get("/test-errors/guarded/")

    assert response.status_code == 403
    html = _page(response)
    _uses_the_site_layout(html)
    assert GUARD_MESSAGE.replace("'", "&#x27;") in html
    assert "ask an administrator to give you the role" in html
    assert "signed in as <strong>nina</strong>" in html
    assert response[HEADER] in html
    assert "403 Forbidden" not in html


def test_403_without_a_message_still_explains(signed_in):
    response = signed_in.get("/test-errors/denied/")

    assert response.status_code == 403
    assert "You do not have access to this page" in _page(response)
    assert 'class="error-reason"' not in _page(response)


def test_500_uses_the_layout_and_the_log_line_has_its_reference(signed_in, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = signed_in.get("/test-errors/broken/")

    assert response.status_code == 500
    html = _page(response)
    _uses_the_site_layout(html)
    assert "has been logged" in html
    assert "try again" in html
    assert "national_id" not in html
    assert "RuntimeError" not in html
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.request_id == response[HEADER]
    assert f'<code id="request-id">{response[HEADER]}</code>' in html


def test_500_still_answers_a_page_when_the_layout_itself_fails(signed_in, monkeypatch):
    def navigation_down(request):
        raise RuntimeError("navigation needs the database, which is down")

    monkeypatch.setattr(context_processors, "nav_links", navigation_down)

    response = signed_in.get("/test-errors/broken/")

    assert response.status_code == 500
    html = _page(response)
    assert "Something went wrong on our side" in html
    assert "Log out" not in html  # rendered without the session and the navigation
    assert response[HEADER] in html
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html


def test_400_is_a_page_and_json_under_the_api(client):
    client.raise_request_exception = False

    page = client.get("/test-errors/bad/")
    api = client.get("/api/test-errors/bad/")

    assert page.status_code == api.status_code == 400
    assert "The request could not be understood" in _page(page)
    assert page[HEADER] in _page(page)
    assert api.json()["error"]["code"] == "bad_request"
    assert api.json()["error"]["request_id"] == api[HEADER]


def test_api_403_and_500_stay_json_in_the_error_shape(signed_in):
    denied = signed_in.get("/api/test-errors/guarded/")
    broken = signed_in.get("/api/test-errors/broken/")

    assert denied.status_code == 403
    assert denied.json()["error"] == {
        "code": "permission_denied",
        "message": GUARD_MESSAGE,
        "fields": {},
        "request_id": denied[HEADER],
    }
    assert broken.status_code == 500
    assert broken.json()["error"]["code"] == "server_error"
    assert broken.json()["error"]["request_id"] == broken[HEADER]
    assert "national_id" not in broken.content.decode()


@override_settings(ROOT_URLCONF="config.urls")
def test_an_expired_form_is_a_403_page_that_says_to_reload(user_factory):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_factory(username="csrf-page"))

    response = client.post("/system/ping/", {})

    assert response.status_code == 403
    html = _page(response)
    _uses_the_site_layout(html)
    assert "This form has expired" in html
    assert "reload the page" in html
