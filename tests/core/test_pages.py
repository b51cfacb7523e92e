"""Pages: login required by default, the dashboard, the branded admin, API docs."""

import re

import pytest

from core.dashboard import DASHBOARD_APPS
from core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/api/docs/"])
def test_pages_send_anonymous_visitors_to_the_login_page(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_login_page_signs_in_and_lands_on_the_dashboard(client, user_factory):
    user_factory(username="dora")

    page = client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        {"username": "dora", "password": "correct horse battery staple"},
        follow=True,
    )

    assert page.status_code == 200
    assert response.redirect_chain[-1][0] == "/"
    assert "Signed in as dora" in response.text


def test_a_wrong_password_is_a_form_error_not_a_crash(client, user_factory):
    user_factory(username="dora")

    response = client.post("/accounts/login/", {"username": "dora", "password": "nope"})

    assert response.status_code == 200
    assert "correct username and password" in response.text


def test_dashboard_has_one_tile_per_app_for_an_administrator(client, user_factory):
    client.force_login(user_factory(is_superuser=True))

    response = client.get("/")

    tiles = re.findall(r'data-app="(\w+)"', response.text)
    assert tiles == list(DASHBOARD_APPS)
    assert "/static/css/" in response.text


def test_every_count_of_the_dashboard_links_to_the_filtered_list(client, user_factory):
    import html

    from leads.models import Lead
    from loans.models import LoanApplication

    agent = user_factory(username="agent", roles=[Role.SALES_AGENT])
    Lead.objects.create(
        first_name="Lea", last_name="Review", birth_date="1984-05-12", stage="needs_review",
        national_id="284057511604514", email="lea@example.test", phone="+33612345678",
        owner=agent,
    )  # fmt: skip
    Lead.objects.create(
        first_name="Paul", last_name="Fresh", birth_date="1984-05-12", stage="lead",
        national_id="184057511604516", email="paul@example.test", phone="+33612345679",
        owner=agent,
    )  # fmt: skip
    LoanApplication.objects.create(
        first_name="Ada", last_name="Lovelace", email="ada@example.test", amount="1000.00",
        currency="EUR", status="pending",
    )  # fmt: skip
    client.force_login(user_factory(is_superuser=True))

    page = client.get("/").text

    stats = re.findall(r'<div class="stat">\s*<dt>(.*?)</dt>\s*<dd>(.*?)</dd>', page, flags=re.S)
    links = {
        html.unescape(label): html.unescape(href)
        for label, value in stats
        for href in re.findall(r'class="stat-link" href="([^"]+)"', value)
    }
    assert len(stats) > 15
    assert page.count('class="stat-link"') == len(stats)  # every count is a link
    assert links["Needs review"] == "/leads/?stage=needs_review"
    assert links["Pending (the bank is deciding)"] == "/loans/?status=pending"
    assert links["Underperforming"] == "/kam/accounts/?band=underperforming"
    assert links["Favorable"] == "/evaluations/?state=favorable"
    assert links["Due"] == "/evaluations/?due=true"
    for href in re.findall(r'class="stat-link" href="([^"]+)"', page):
        assert client.get(html.unescape(href)).status_code == 200, href
    needs_review = client.get(links["Needs review"]).text
    assert "Review" in needs_review
    assert "Fresh" not in needs_review
    assert "Lovelace" in client.get(links["Pending (the bank is deciding)"]).text


def test_dashboard_shows_the_apps_of_the_users_roles_only(client, user_factory):
    client.force_login(user_factory(roles=[Role.KEY_ACCOUNT_MANAGER]))

    tiles = re.findall(r'data-app="(\w+)"', client.get("/").text)

    assert tiles == ["kam", "evaluations"]


def test_dashboard_of_a_user_without_a_role_says_what_to_do(client, user_factory):
    client.force_login(user_factory(is_staff=True))

    response = client.get("/")

    assert re.findall(r'data-app="(\w+)"', response.text) == []
    assert "ask an\n      administrator" in response.text


def test_logout_is_a_post_and_ends_the_session(client, user_factory):
    client.force_login(user_factory())

    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")

    assert client.get("/").status_code == 302


def test_the_admin_is_branded_and_works(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    assert "Back office administration" in response.text
    assert admin_client.get("/admin/django_celery_beat/periodictask/").status_code == 200


def test_swagger_ui_is_served_from_our_static_files(client, user_factory):
    client.force_login(user_factory())

    response = client.get("/api/docs/")

    assert response.status_code == 200
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', response.text)
    stylesheets = re.findall(r'<link[^>]+href="([^"]+)"', response.text)
    assert scripts, "Swagger UI page has no script"
    assert all(src.startswith("/static/") for src in scripts + stylesheets), scripts


def test_openapi_schema_is_served_to_authenticated_clients(client, user_factory):
    client.force_login(user_factory())

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/me/" in schema["paths"]


def test_the_ping_button_creates_a_ping_for_the_workers(
    client, user_factory, django_capture_on_commit_callbacks
):
    from core.models import WorkerPing

    client.force_login(user_factory(username="ops"))

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/system/ping/", follow=True)

    assert response.status_code == 200
    ping = WorkerPing.objects.get()
    assert ping.requested_by.username == "ops"
    assert len(callbacks) == 1  # the task is sent only once the ping row is committed
    assert "sent to the workers; its round trip shows below" in response.text


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([Role.SALES_AGENT], ["Leads", "Evaluations"]),
        ([Role.LOAN_OFFICER], ["Loans", "Workflows", "Evaluations"]),
        ([Role.KEY_ACCOUNT_MANAGER], ["Key accounts", "Evaluations"]),
    ],
)
def test_the_top_navigation_links_the_apps_a_role_works_in(client, user_factory, roles, expected):
    client.force_login(user_factory(roles=roles))

    response = client.get("/")

    nav = re.search(r'<nav class="nav".*?</nav>', response.text, re.S).group(0)
    labels = re.findall(r">([^<>]+)</a>", nav)
    app_labels = [label for label in labels if label not in ("Dashboard", "API docs", "Admin")]
    assert app_labels == expected


def test_the_ping_button_updates_the_system_part_in_place(
    client, user_factory, django_capture_on_commit_callbacks
):
    client.force_login(user_factory(username="ops"))
    page = client.get("/").text
    assert 'hx-post="/system/ping/"' in page
    assert 'id="system"' in page
    assert 'hx-trigger="every 5s' in page  # the queues refresh themselves

    with django_capture_on_commit_callbacks():
        fragment = client.post("/system/ping/", headers={"HX-Request": "true"})

    assert fragment.status_code == 200  # no redirect: the page stays
    assert "<html" not in fragment.text
    assert "sent to the workers" in fragment.text
    assert "waiting" in fragment.text
    assert 'hx-trigger="every 1s' in fragment.text  # faster until the worker answers
    assert 'id="queue-alert" hx-swap-oob="true"' in fragment.text


def test_a_starting_worker_sends_a_heartbeat_to_each_of_its_queues(monkeypatch):
    from types import SimpleNamespace

    from core.apps import _first_heartbeat
    from core.tasks import heartbeat

    sent = []
    monkeypatch.setattr(heartbeat, "apply_async", lambda **kw: sent.append(kw))
    consumer = SimpleNamespace(
        task_consumer=SimpleNamespace(
            queues=[SimpleNamespace(name="default"), SimpleNamespace(name="polling")]
        )
    )

    _first_heartbeat(sender=consumer)

    assert sent == [
        {"kwargs": {"queue": "default"}, "queue": "default"},
        {"kwargs": {"queue": "polling"}, "queue": "polling"},
    ]
    _first_heartbeat(sender=object())  # anything else: nothing sent, no error
    assert len(sent) == 2
