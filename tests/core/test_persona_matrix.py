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
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.access import ALL, OWN, can, requirement_of, scope
from core.roles import Role
from tests.harness.users import UserFactory

pytestmark = pytest.mark.django_db

#: Platform routes that belong to no app: who may open them.
PLATFORM = {
    "healthz": "public",
    "readyz": "public",
    "login": "public",
    "logout": "public",  # signs out whoever asks, then shows the login page
    "api-schema": "signed_in",
    "api-docs": "signed_in",
    "api-me": "signed_in",
    "dashboard": "signed_in",
    "worker-ping": "signed_in",
    "search": "signed_in",  # each app's hits are scoped by its own role rows (test_search.py)
    "profile": "signed_in",  # a person's own settings
    "api-root": "signed_in",  # the DRF router's index of an app's endpoints (links only)
}

#: Routes machines read with a bearer token (core.views.metrics): anonymous gets 401, as from
#: the API, rather than the login page.
TOKEN_ROUTES = {"metrics"}

#: Roles whose grants include "own" records: they get a second persona, the peer.
OWN_SCOPED = {
    Role.SALES_AGENT: "leads",
    Role.KEY_ACCOUNT_MANAGER: "kam",
}


@dataclass(frozen=True)
class Endpoint:
    name: str  # namespaced URL name
    route: str
    method: str
    api: bool
    kwargs: tuple[str, ...]
    requirement: tuple[str, str] | str  # (app, action) or "public" / "signed_in"

    def __str__(self) -> str:
        return f"{self.method} {self.route}"


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        else:
            yield prefix + str(pattern.pattern), pattern, namespace


def _endpoints() -> list[Endpoint]:
    endpoints = []
    for route, pattern, namespace in _walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "media/", "static/")) or "format" in route:
            continue
        assert isinstance(pattern, URLPattern)
        callback = pattern.callback
        kwargs = tuple(pattern.pattern.regex.groupindex)
        name = f"{namespace}{pattern.name}"
        view_class = getattr(callback, "cls", None)
        api = view_class is not None and hasattr(view_class, "permission_classes")
        if pattern.name in PLATFORM:
            methods = {
                "logout": ["POST"],
                "worker-ping": ["POST"],
                "search": ["GET", "POST"],
                "profile": ["GET", "POST"],
            }.get(pattern.name, ["GET"])
            api = route.startswith("api/") and pattern.name != "api-docs"  # docs: a page
            for method in methods:
                endpoints.append(Endpoint(name, route, method, api, kwargs, PLATFORM[pattern.name]))
            continue
        if api:
            actions = getattr(callback, "actions", None)
            if actions:
                pairs = [(method.upper(), action) for method, action in actions.items()]
            else:
                pairs = [
                    (method.upper(), None)
                    for method in ("get", "post", "put", "patch", "delete")
                    if hasattr(view_class, method)
                ]
            for method, action in pairs:
                view = view_class()
                view.action = action
                assert hasattr(view, "access_app"), f"{route}: the API view declares no access_app"
                app, needed = requirement_of(view, method)
                assert needed is not None, f"{method} {route}: no action of the role table"
                endpoints.append(Endpoint(name, route, method, True, kwargs, (app, needed)))
            continue
        requirement = getattr(callback, "access_requirement", None)
        assert requirement is not None, (
            f"{route}: the page declares no access (use core.access.requires)"
        )
        token = pattern.name in TOKEN_ROUTES
        for method in ("GET", "POST"):
            endpoints.append(Endpoint(name, route, method, token, kwargs, requirement))
    return endpoints


ENDPOINTS = _endpoints()


def test_every_app_route_is_in_the_matrix():
    names = {endpoint.name for endpoint in ENDPOINTS}
    for app in ("leads", "loans", "kam", "workflows", "evaluations"):
        assert any(name.startswith(f"{app}:") for name in names), app
        assert any(name.startswith(f"{app}-api:") for name in names), app
    assert len(ENDPOINTS) > 100


# --- the world each endpoint is tried in --------------------------------------------------------


@pytest.fixture
def fake_sources():
    """Evaluations answer from a fake source, never the network."""
    from evaluations.types import registry
    from tests.evaluations.conftest import FakeSource

    for company_type in registry:
        company_type._source = FakeSource()
    yield
    for company_type in registry:
        company_type.reset_source()


@pytest.fixture
def world(db):
    from evaluations.models import Evaluation, Reason, State
    from kam.models import Interaction, Order, PointOfContact, Restaurant
    from leads.models import Lead, QualificationRun
    from loans.models import LoanApplication
    from workflows.models import Upload
    from workflows.services import workflow_run_start

    for role in Role:
        Group.objects.get_or_create(name=role.group_name)
    personas = {"admin": UserFactory(username="admin-ada", is_superuser=True, is_staff=True)}
    for role in Role:
        personas[role.value] = UserFactory(username=f"{role.value}-owner", roles=[role])
    for role in OWN_SCOPED:
        personas[f"peer:{role.value}"] = UserFactory(username=f"{role.value}-peer", roles=[role])

    agent = personas[Role.SALES_AGENT.value]
    lead = Lead.objects.create(
        first_name="Lea", last_name="Martin", birth_date="1984-05-12",
        national_id="284057511604514", email="lea@example.test", phone="+33612345678",
        owner=agent,
    )  # fmt: skip
    run = QualificationRun.objects.create(lead=lead, requested_by=agent, source="api")
    kam = personas[Role.KEY_ACCOUNT_MANAGER.value]
    account = Restaurant.objects.create(
        name="Chez Lea", address="1 rue de la Paix", city="Paris", country="FR",
        time_zone="Europe/Paris", cuisine="French", currency="EUR", owner=kam, status="active",
        next_call_due_at=timezone.now() + timezone.timedelta(days=2),
    )  # fmt: skip
    contact = PointOfContact.objects.create(
        restaurant=account, name="Paul", role="owner", phone="+33612345678",
        email="paul@example.test", is_primary=True,
    )  # fmt: skip
    interaction = Interaction.objects.create(
        restaurant=account, kind="call", outcome="connected", occurred_at=timezone.now(),
        created_by=kam,
    )  # fmt: skip
    order = Order.objects.create(
        restaurant=account, amount="120.00", currency="EUR", placed_at=timezone.now(),
        created_by=kam,
    )  # fmt: skip
    application = LoanApplication.objects.create(
        first_name="Ada", last_name="Lovelace", email="ada@example.test", amount="15000.00",
        currency="EUR",
    )  # fmt: skip
    workflow_run = workflow_run_start(key="customer_income_expenditure", actor="matrix")
    upload = Upload.objects.create(
        run=workflow_run, step_id="customer", field="statement", original_name="s.xlsx",
        size=3, sha256="0" * 64, file=ContentFile(b"abc", name="s.xlsx"),
    )  # fmt: skip
    evaluation = Evaluation.objects.create(
        kind="SIREN", value="732829320", state=State.FAVORABLE, reason=Reason.COMPANY_OPENED,
        score=90, last_evaluated_at=timezone.now(),
    )  # fmt: skip

    #: which record a URL's parameters name, by the URL's namespaced name
    objects = {
        "leads:": {"lead_id": lead.pk, "run_id": run.pk},
        "leads-api:run-": {"pk": run.pk},
        "leads-api:lead-": {"pk": lead.pk},
        "loans:": {"application_id": application.pk},
        "loans-api:": {"pk": application.pk},
        "kam:": {"restaurant_id": account.pk, "contact_id": contact.pk},
        "kam-api:account-": {"pk": account.pk},
        "kam-api:contact-": {"pk": contact.pk},
        "kam-api:interaction-": {"pk": interaction.pk},
        "kam-api:order-": {"pk": order.pk},
        "workflows:": {
            "key": "customer_income_expenditure",
            "run_id": workflow_run.pk,
            "step_id": "customer",
            "upload_id": upload.pk,
        },
        "workflows-api:definition-": {"key": "customer_income_expenditure"},
        "workflows-api:run-": {"pk": workflow_run.pk, "step_id": "customer"},
        "evaluations:": {"evaluation_id": evaluation.pk},
        "evaluations-api:": {"pk": evaluation.pk},
    }
    return personas, objects


def _url(endpoint: Endpoint, objects: dict) -> str:
    if not endpoint.kwargs:
        return reverse(endpoint.name)
    prefix = max((p for p in objects if endpoint.name.startswith(p)), key=len)
    return reverse(endpoint.name, kwargs={k: objects[prefix][k] for k in endpoint.kwargs})


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
    url = _url(endpoint, objects)
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
