"""Every route of the site, and a world to call them in: the persona matrix
(tests/core/test_persona_matrix.py) and the no-GET-writes test (tests/core/test_get_writes.py)
walk the same list.

- `endpoints()`: one `Endpoint` per route and method, pages and API, with what it requires
  (`@requires(app, action)` on pages, `access_app` / `access_actions` on API views; a route
  that declares nothing fails here);
- `build_world()`: anonymous is `None`; an administrator, one user per role, a second user
  ("peer") of the roles that work on their own records, and one record of each kind a URL
  names, owned by the owner persona; `url_of(endpoint, objects)` fills a route with them;
- `fake_sources()`: evaluations answer from a fake source, never the network.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from core.access import requirement_of
from core.roles import Role
from tests.harness.users import UserFactory

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


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        else:
            yield prefix + str(pattern.pattern), pattern, namespace


def endpoints() -> list[Endpoint]:
    endpoints = []
    for route, pattern, namespace in walk(get_resolver().url_patterns):
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


# --- the world each endpoint is tried in --------------------------------------------------------


@contextlib.contextmanager
def fake_sources():
    """Evaluations answer from a fake source, never the network."""
    from evaluations.types import registry
    from tests.evaluations.conftest import FakeSource

    for company_type in registry:
        company_type._source = FakeSource()
    yield
    for company_type in registry:
        company_type.reset_source()


def build_world() -> tuple[dict, dict]:
    """The personas, and one record of each kind the URLs name (owned by the owner persona
    of the role that works on its own records): (personas, objects by URL-name prefix)."""
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


def url_of(endpoint: Endpoint, objects: dict) -> str:
    if not endpoint.kwargs:
        return reverse(endpoint.name)
    prefix = max((p for p in objects if endpoint.name.startswith(p)), key=len)
    return reverse(endpoint.name, kwargs={k: objects[prefix][k] for k in endpoint.kwargs})
