"""The persona matrix: every page and every API endpoint, as every persona, against the role
table (`core.access.ACCESS`).

The expectations are generated from the role table, not written by hand: each view declares
what it requires (`@requires(app, action)` on pages, `access_app` / `access_actions` on API
views), and a route that declares nothing fails here. Personas: anonymous, an administrator
(superuser), one user per role, who owns the records of the apps where that role works on its
own records, and a second user of those roles ("peer"), who must not see the owner's records.

Expected answers:
- anonymous: 401 (API) or a redirect to the login page (pages), except public routes;
- a persona whose roles do not grant the action: 403;
- a peer asking for the owner's record (own-scope grant): 404, as if it did not exist;
- otherwise anything but 401/403/5xx (400 for an empty body is fine: the guard let it in).
"""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from core.access import ALL, OWN, can, scope
from core.roles import Role
from tests.harness import routes
from tests.harness.routes import OWN_SCOPED, Endpoint, build_world, endpoints, url_of

pytestmark = pytest.mark.django_db

ENDPOINTS = endpoints()


def test_every_app_route_is_in_the_matrix():
    names = {endpoint.name for endpoint in ENDPOINTS}
    for app in ("leads", "loans", "kam", "workflows", "evaluations"):
        assert any(name.startswith(f"{app}:") for name in names), app
        assert any(name.startswith(f"{app}-api:") for name in names), app
    assert len(ENDPOINTS) > 100


@pytest.fixture
def fake_sources():
    with routes.fake_sources():
        yield


@pytest.fixture
def world(db):
    return build_world()


def _expected(endpoint: Endpoint, persona: str, user) -> str:
    """'login', 'forbidden', 'hidden' (404) or 'allowed'."""
    requirement = endpoint.requirement
    if requirement == "public":
        return "allowed"
    if user is None:
        return "login"
    if requirement == "signed_in":
        return "allowed"
    app, action = requirement
    if not can(user, app, action):
        return "forbidden"
    if endpoint.kwargs and persona.startswith("peer:") and scope(user, app, action) is OWN:
        return "hidden"  # the owner persona of this role owns every record of the world
    return "allowed"


def _matches(expected: str, response, endpoint: Endpoint) -> bool:
    status = response.status_code
    if status >= 500:
        return False
    if expected == "login":
        if endpoint.api:
            return status == 401
        return status == 302 and response["Location"].startswith("/accounts/login/")
    if expected == "forbidden":
        return status == 403
    if expected == "hidden":
        return status in (404, 405)  # 405: a method the page never accepts reveals nothing
    if endpoint.requirement == "public":
        return True
    if status in (401, 403):
        return False
    return not (status == 302 and response.get("Location", "").startswith("/accounts/login/"))


def _call(endpoint: Endpoint, url: str, user):
    client = APIClient() if endpoint.api else Client()
    if user is not None:
        client.force_login(user)
    method = getattr(client, endpoint.method.lower())
    if endpoint.api and endpoint.method in ("POST", "PUT", "PATCH"):
        return method(url, {}, format="json")
    return method(url)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_each_persona_gets_what_the_role_table_says(endpoint, world, fake_sources):
    personas, objects = world
    url = url_of(endpoint, objects)
    wrong = []
    for persona, user in [("anonymous", None), *personas.items()]:
        expected = _expected(endpoint, persona, user)
        with transaction.atomic():
            response = _call(endpoint, url, user)
            transaction.set_rollback(True)  # a DELETE or a POST must not change the next try
        if not _matches(expected, response, endpoint):
            wrong.append(f"{persona}: expected {expected}, got {response.status_code}")
    assert not wrong, f"{endpoint} ({url}):\n  " + "\n  ".join(wrong)


# --- lists show the owner's records and only theirs --------------------------------------------

LISTS = [
    ("/api/leads/", "leads"),
    ("/api/leads/runs/", "leads"),
    ("/api/kam/accounts/", "kam"),
    ("/api/kam/contacts/", "kam"),
    ("/api/kam/interactions/", "kam"),
    ("/api/kam/orders/", "kam"),
    ("/api/kam/performance/", "kam"),
]


@pytest.mark.parametrize(("url", "app"), LISTS)
def test_lists_show_the_owners_records_to_the_owner_and_to_all_scope_roles_only(url, app, world):
    personas, _ = world
    role = next(role for role, owned in OWN_SCOPED.items() if owned == app)

    def count(persona: str) -> int:
        client = APIClient()
        client.force_login(personas[persona])
        response = client.get(url)
        assert response.status_code == 200, (persona, response.status_code)
        return response.json()["count"]

    assert count(role.value) == 1
    assert count(f"peer:{role.value}") == 0
    assert count("admin") == 1
    for other in Role:
        if scope(personas[other.value], app, "view") is ALL:
            assert count(other.value) == 1, other


def test_calls_due_of_another_kam_are_for_kam_leads(world):
    personas, _ = world
    owner = personas[Role.KEY_ACCOUNT_MANAGER.value]
    url = f"/api/kam/calls/due/?kam={owner.pk}"
    for persona, status in [
        (Role.KEY_ACCOUNT_MANAGER_LEAD.value, 200),
        ("admin", 200),
        (f"peer:{Role.KEY_ACCOUNT_MANAGER.value}", 403),
    ]:
        client = APIClient()
        client.force_login(personas[persona])
        assert client.get(url).status_code == status, persona


def test_a_page_refusal_says_who_may(client, world):
    personas, _ = world
    client.force_login(personas[Role.KEY_ACCOUNT_MANAGER.value])

    response = client.get("/leads/")

    assert response.status_code == 403
    assert "Leads are for sales agents and sales managers." in response.content.decode()


def test_an_api_refusal_says_who_may(world):
    personas, _ = world
    client = APIClient()
    client.force_login(personas[Role.SALES_AGENT.value])

    response = client.post("/api/evaluations/", {"kind": "SIREN", "value": "732829320"})

    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        "Only analysts and risk analysts may evaluate a company, re-evaluate one."
    )


# --- the admin ---------------------------------------------------------------------------------


def _admin_models():
    from django.contrib import admin

    return sorted(
        (model._meta.app_label, model._meta.model_name, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in ("leads", "loans", "kam", "workflows", "evaluations", "core")
    )


@pytest.fixture
def staff_personas(world):
    """Personas as `create_dev_users` makes them: staff only when the role needs the admin."""
    from core.access import roles_needing_admin

    personas, _ = world
    for role in Role:
        user = personas[role.value]
        user.is_staff = role in roles_needing_admin()
        user.save(update_fields=["is_staff"])
    return personas


@pytest.mark.parametrize(("app_label", "model_name"), [(a, m) for a, m, _ in _admin_models()])
def test_the_admin_shows_each_role_the_models_of_its_job(app_label, model_name, staff_personas):
    from core.access import ADMIN_PERMISSIONS

    url = f"/admin/{app_label}/{model_name}/"
    wrong = []
    for role in Role:
        user = staff_personas[role.value]
        client = Client()
        client.force_login(user)
        response = client.get(url)
        permitted = f"{app_label}.view_{model_name}" in ADMIN_PERMISSIONS.get(role, ()) or (
            f"{app_label}.change_{model_name}" in ADMIN_PERMISSIONS.get(role, ())
        )
        if not user.is_staff:
            ok = response.status_code == 302 and "/admin/login/" in response["Location"]
        else:
            ok = response.status_code == (200 if permitted else 403)
        if not ok:
            wrong.append(f"{role.value}: got {response.status_code}")
    admin = Client()
    admin.force_login(staff_personas["admin"])
    assert admin.get(url).status_code == 200
    assert not wrong, f"{url}:\n  " + "\n  ".join(wrong)


ADMIN_ACTIONS = [
    ("leads", "lead", "qualify_selected", ("leads", "qualify")),
    ("loans", "loanapplication", "resubmit", ("loans", "resubmit")),
    ("loans", "loanapplication", "poll_now", ("loans", "resubmit")),
    ("kam", "restaurant", "reassign_selected", ("kam", "reassign")),
    ("evaluations", "evaluation", "reevaluate", ("evaluations", "evaluate")),
]


@pytest.mark.parametrize(("app_label", "model_name", "action", "requirement"), ADMIN_ACTIONS)
def test_admin_actions_follow_the_role_table(
    app_label, model_name, action, requirement, staff_personas, rf
):
    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    model_admin = next(
        model_admin
        for model, model_admin in admin.site._registry.items()
        if (model._meta.app_label, model._meta.model_name) == (app_label, model_name)
    )
    for persona, user in staff_personas.items():
        if not user.is_staff:
            continue  # the admin sends them to its login page (test above)
        request = rf.get(f"/admin/{app_label}/{model_name}/")
        request.user = user
        request.session = {}
        request._messages = FallbackStorage(request)
        offered = action in model_admin.get_actions(request)
        may_open = model_admin.has_view_or_change_permission(request)
        expected = may_open and scope(user, *requirement) is ALL
        assert offered == expected, (persona, action)


def test_admin_model_permissions_name_real_models():
    from django.apps import apps

    from core.access import ADMIN_PERMISSIONS

    for names in ADMIN_PERMISSIONS.values():
        for name in names:
            app_label, codename = name.split(".")
            action, model_name = codename.split("_", 1)
            assert action in {"view", "change", "add", "delete"}, name
            assert apps.get_model(app_label, model_name), name


def test_no_guard_reads_the_admin_flag():
    """`is_staff` only opens the admin: no app code decides anything else with it."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    # create_dev_users sets the flag from the role table; /api/me/ reports it.
    allowed = {"core/management/commands/create_dev_users.py", "core/api/views.py"}
    offenders = []
    for app in ("core", "leads", "loans", "kam", "workflows", "evaluations"):
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts or str(path.relative_to(root)) in allowed:
                continue
            text = path.read_text()
            if re.search(r"\bis_staff\b", text.replace("`is_staff`", "")):
                offenders.append(str(path.relative_to(root)))
        for path in (root / app).rglob("*.html"):
            if "is_staff" in path.read_text():
                offenders.append(str(path.relative_to(root)))
    assert offenders == [], offenders
