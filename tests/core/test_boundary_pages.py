"""The input boundary on every page that takes a post: each has its border-value tests (its
app's tests/<app>/test_boundary.py lists them in `PAGE_FORMS`, the platform's are here), and
the platform's own forms (profile, search, worker ping, sign-in and sign-out) get them too."""

from __future__ import annotations

import importlib
import uuid

import pytest
from django.db import transaction
from django.urls import URLPattern, get_resolver, reverse

from core.models import WorkerPing
from tests.harness import boundary as harness
from tests.harness.boundary import PageCase
from tests.harness.routes import walk

pytestmark = pytest.mark.django_db

APPS = ("kam", "leads", "loans", "workflows", "evaluations")
#: The platform's pages that take a post (core.urls, config.urls), by URL name.
PAGE_FORMS = ["profile", "search", "worker-ping", "login", "logout"]
#: Not our forms' business: the admin refuses control characters in any post before its
#: forms read them (core.boundary.http) and keeps its dates in range (core.admin_site); the
#: API has its own check (test_boundary_api.py).
ELSEWHERE = ("admin/", "api/")


#: A value for each kind of URL parameter: no such record (the method is checked first).
_ABSENT = {"IntConverter": 999_999_999, "UUIDConverter": uuid.UUID(int=1), "SlugConverter": "x"}


def _pages_taking_a_post(client, user) -> set[str]:
    """The URL names of every page that does not answer a post with 405, found by posting
    to each (as an administrator, about records that do not exist, each post rolled back)."""
    found = set()
    for route, pattern, namespace in walk(get_resolver().url_patterns):
        if route.startswith(ELSEWHERE):
            continue
        assert isinstance(pattern, URLPattern)
        kwargs = {
            name: _ABSENT[type(converter).__name__]
            for name, converter in pattern.pattern.converters.items()
        }
        name = f"{namespace}{pattern.name}"
        client.force_login(user)  # posting to the sign-out page signs out
        with transaction.atomic():
            response = client.post(reverse(name, kwargs=kwargs))
            transaction.set_rollback(True)
        assert response.status_code < 500, (route, response.status_code)
        if response.status_code != 405:
            found.add(name)
    return found


def test_every_page_that_takes_a_post_has_its_boundary_tests(client, user_factory):
    root = user_factory(username="root", is_superuser=True, is_staff=True)
    covered = set(PAGE_FORMS)
    for app in APPS:
        covered.update(importlib.import_module(f"tests.{app}.test_boundary").PAGE_FORMS)

    taking_a_post = _pages_taking_a_post(client, root)

    assert len(taking_a_post) > 20
    assert taking_a_post - covered == set(), "pages taking a post without boundary tests"
    assert covered - taking_a_post == set(), "boundary tests of pages that take no post"


# --- the platform's forms -------------------------------------------------------------------


@pytest.fixture
def person(user_factory):
    return user_factory(username="pat", password="correct horse battery staple")


@pytest.fixture
def searcher(user_factory):
    """Every app answers an administrator's search (a person without roles asks none)."""
    return user_factory(username="sam", is_superuser=True, is_staff=True)


@pytest.fixture
def pages(client, person, searcher) -> dict[str, PageCase]:
    client.force_login(person)
    return harness.page_cases_by_view([
        PageCase("profile", "/profile/", {"time_zone": "Asia/Kolkata"}, user=person),
        PageCase("search", "/search/", {"q": "Martin"}, user=searcher),
        PageCase("ping", "/system/ping/", {"unexpected": "x"}, user=person),
        PageCase("sign in", "/accounts/login/",
                 {"username": "pat", "password": "correct horse battery staple",
                  "next": "/profile/"}),
        PageCase("sign out", "/accounts/logout/", {"next": "/accounts/login/"}, user=person),
    ])  # fmt: skip


@pytest.mark.parametrize("page", [p for p in PAGE_FORMS if p != "search"])
def test_each_page_form_accepts_its_base_input(client, pages, page):
    harness.check_page_form_accepts_its_base_input(client, pages[page])


@pytest.mark.parametrize("page", PAGE_FORMS)
def test_border_values_in_each_page_form_never_answer_5xx(client, pages, page):
    harness.check_page_form(client, pages[page])


@pytest.mark.parametrize("page", ["profile", "search"])
def test_control_characters_in_each_field_are_a_form_error(client, pages, page):
    case = pages[page]
    for value in ("a\x00b", "Mar\x1btin", "\x7f"):
        client.force_login(case.user)
        before = harness.database_snapshot()
        response = client.post(case.url, dict.fromkeys(case.data, value))
        assert response.status_code == 200, (page, value, response.status_code)
        errors = response.context["form"].errors
        assert list(errors) == list(case.data), (page, value, errors)
        assert "control character" in " ".join(errors[next(iter(case.data))])
        assert harness.database_snapshot() == before


def test_the_search_shows_what_was_typed(client, searcher):
    client.force_login(searcher)

    response = client.post("/search/", {"q": "  Mar  "})

    assert response.status_code == 200
    assert response.context["q"] == "Mar"
    assert 'value="Mar"' in response.text


def test_a_ping_is_one_row_per_post(client, pages):
    client.post("/system/ping/")
    client.post("/system/ping/", {"anything": "a\x00b"})

    assert WorkerPing.objects.count() == 2
