"""No GET writes (issue 11): every GET route of the site, pages and API of every app, as every
persona (anonymous, an administrator, each role, the peers), plain and as htmx asks for a
fragment, sends no INSERT, UPDATE or DELETE to the database and leaves our apps' rows as they
were. The routes and the world are the persona matrix's (tests/harness/routes.py), so a new
route is checked as soon as it exists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.harness import routes
from tests.harness.boundary import database_snapshot
from tests.harness.routes import build_world, endpoints, url_of

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "TRUNCATE")
GETS = [endpoint for endpoint in endpoints() if endpoint.method == "GET"]
#: Query strings that lead the pages to other reads (filters, a search, a later page).
QUERIES = {
    "kam:accounts": "?q=chez&status=active",
    "leads:pipeline": "?stage=lead",
    "leads:progress": "?runs=1&runs=2",
    "loans:list": "?status=pending&q=ada",
    "workflows:list": "?status=waiting",
    "evaluations:list": "?state=favorable&search=732",
}


@pytest.fixture
def world(db):
    with routes.fake_sources():
        yield build_world()


def test_every_app_has_get_routes_here():
    names = {endpoint.name for endpoint in GETS}
    for app in ("leads", "loans", "kam", "workflows", "evaluations"):
        assert any(name.startswith(f"{app}:") for name in names), app
        assert any(name.startswith(f"{app}-api:") for name in names), app
    assert {"dashboard", "search", "profile", "api-me"} <= names


@pytest.mark.parametrize("endpoint", GETS, ids=str)
def test_a_get_writes_nothing(endpoint, world):
    personas, objects = world
    url = url_of(endpoint, objects) + QUERIES.get(endpoint.name, "")
    before = database_snapshot()
    wrote = []
    for persona, user in [("anonymous", None), *personas.items()]:
        client = APIClient() if endpoint.api else Client()
        if user is not None:
            client.force_login(user)
        for headers in ({}, {"HX-Request": "true"}):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, headers=headers)
            assert response.status_code < 500, (persona, url, response.status_code)
            writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
            if writes:
                wrote.append(f"{persona} {headers or ''}: {writes[0][:200]}")
    assert not wrote, f"GET {url} wrote:\n  " + "\n  ".join(wrote)
    assert database_snapshot() == before
