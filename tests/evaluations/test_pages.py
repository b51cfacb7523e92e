"""Pages: list with filters, create form with its errors, detail with the chart; the admin."""

import re

import pytest

from core.roles import Role
from evaluations.models import Evaluation, Reason, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst_client(client, user_factory):
    client.force_login(user_factory(username="ana", roles=[Role.ANALYST]))
    return client


def test_pages_need_a_signed_in_user(client):
    for path in ("/evaluations/", "/evaluations/new/", "/evaluations/1/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_list_filters(analyst_client, evaluation_factory):
    evaluation_factory(value="732829320", company_name="Boulangerie du Canal", score=90)
    evaluation_factory(
        value="404483737",
        company_name="Transports Vercors",
        state=State.UNFAVORABLE,
        reason=Reason.COMPANY_CLOSED,
    )

    everything = analyst_client.get("/evaluations/").text
    closed = analyst_client.get("/evaluations/", {"state": "unfavorable"}).text
    by_name = analyst_client.get("/evaluations/", {"search": "boulangerie", "score_min": 80}).text

    assert "Boulangerie du Canal" in everything
    assert "Transports Vercors" in everything
    assert "Transports Vercors" in closed
    assert "Boulangerie du Canal" not in closed
    assert "Boulangerie du Canal" in by_name
    assert "Transports Vercors" not in by_name


def test_a_bad_filter_is_a_form_error_and_lists_nothing(analyst_client, evaluation_factory):
    evaluation_factory(value="732829320", company_name="Boulangerie du Canal")

    response = analyst_client.get("/evaluations/", {"kind": "DUNS"})

    assert response.status_code == 200
    assert 'class="errorlist' in response.text
    assert "Boulangerie du Canal" not in response.text
    assert "No evaluation matches." in response.text


def test_the_create_form_evaluates_and_shows_the_detail(analyst_client, fake_sources):
    response = analyst_client.post(
        "/evaluations/new/", {"kind": "SIREN", "value": "732 829 320"}, follow=True
    )

    evaluation = Evaluation.objects.get()
    assert response.redirect_chain[-1][0] == f"/evaluations/{evaluation.pk}/"
    assert "732829320" in response.text
    assert "evaluated" in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "SIREN", "value": "732829321"}, "check digit"),
        ({"kind": "VAT", "value": "IE6388047X"}, "Not a valid VAT number"),
        ({"kind": "DUNS", "value": "1"}, "Select a valid choice"),
    ],
)
def test_form_errors_are_shown_on_the_page(analyst_client, fake_sources, data, message):
    response = analyst_client.post("/evaluations/new/", data)

    assert response.status_code == 200
    assert 'class="errorlist' in response.text
    assert message in response.text
    assert not Evaluation.objects.exists()


def test_one_submit_shows_the_forms_and_the_services_messages(analyst_client, fake_sources):
    page = analyst_client.post("/evaluations/new/", {"kind": "DUNS", "value": "12345"}).text

    errors = dict(re.findall(r'<ul class="errorlist" id="id_(\w+)_error"><li>(.*?)</li>', page))
    assert "Select a valid choice" in errors["kind"]  # the form
    assert errors["value"] == "Not a valid SIREN or VAT number."  # the service, same submit
    assert not Evaluation.objects.exists()
    assert not fake_sources["SIREN"].calls
    assert not fake_sources["VAT"].calls


def test_a_duplicate_is_a_form_error(analyst_client, fake_sources, evaluation_factory):
    evaluation_factory(kind="VAT", value="IE6388047V")

    response = analyst_client.post("/evaluations/new/", {"kind": "VAT", "value": "IE6388047V"})

    assert "already exists" in response.text


def test_the_detail_has_a_chart_served_from_our_static_files(analyst_client, fake_sources):
    analyst_client.post("/evaluations/new/", {"kind": "SIREN", "value": "732829320"})
    evaluation = Evaluation.objects.get()

    html = analyst_client.get(f"/evaluations/{evaluation.pk}/").text

    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert "/static/vendor/plotly.min.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)
    assert not re.search(r'src="(https?:)?//', html)
    assert 'id="score-chart-data"' in html


def test_the_chart_has_wall_clock_times_in_the_zone_and_a_week_long_date_axis(
    analyst_client, evaluation_factory, time_machine
):
    import datetime as dt
    import json

    time_machine.move_to(dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC), tick=False)
    row = evaluation_factory(score=100)

    response = analyst_client.get(f"/evaluations/{row.pk}/")

    chart = json.loads(re.search(r'id="score-chart-data"[^>]*>(.*?)</script>', response.text)[1])
    assert chart["x"] == ["2026-07-02T00:30:00"]  # 00:30 the next day in Paris (CEST)
    assert chart["zone"] == "CEST"
    assert chart["range"] == ["2026-07-02T00:00:00", "2026-07-09T00:00:00"]
    assert chart["text"] == ["2 Jul 2026, 00:30 CEST: Now"]


def test_plotly_js_is_served(analyst_client):
    response = analyst_client.get("/static/vendor/plotly.min.js")

    assert response.status_code == 200
    assert b"plotly" in b"".join(response.streaming_content)[:2000].lower()


def test_reevaluate_button(analyst_client, fake_sources, evaluation_factory):
    row = evaluation_factory(score=10)

    response = analyst_client.post(f"/evaluations/{row.pk}/reevaluate/", follow=True)

    row.refresh_from_db()
    assert row.score == 100
    assert "Re-evaluated" in response.text


def test_users_without_the_role_cannot_create(client, user_factory, fake_sources):
    client.force_login(user_factory(username="sal", roles=[Role.SALES_AGENT]))

    assert client.get("/evaluations/").status_code == 200
    assert client.get("/evaluations/new/").status_code == 403
    assert (
        client.post("/evaluations/new/", {"kind": "SIREN", "value": "732829320"}).status_code == 403
    )


# --- admin ----------------------------------------------------------------------------------


def test_admin_list_filters_search_and_detail(admin_client, evaluation_factory):
    row = evaluation_factory(value="732829320", company_name="Boulangerie du Canal", score=10)

    listing = admin_client.get(
        "/admin/evaluations/evaluation/", {"q": "boulangerie", "score_range": "1-49"}
    )
    detail = admin_client.get(f"/admin/evaluations/evaluation/{row.pk}/change/")

    assert listing.status_code == 200
    assert "Boulangerie du Canal" in listing.text
    assert detail.status_code == 200
    assert admin_client.get("/admin/evaluations/decaypass/").status_code == 200


def test_admin_reevaluate_action_queues_them(
    admin_client, evaluation_factory, django_capture_on_commit_callbacks
):
    rows = [evaluation_factory(score=10), evaluation_factory(score=60)]
    closed = evaluation_factory(state=State.UNFAVORABLE, reason=Reason.COMPANY_CLOSED)

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            "/admin/evaluations/evaluation/",
            {"action": "reevaluate", "_selected_action": [r.pk for r in [*rows, closed]]},
            follow=True,
        )

    assert "2 evaluation(s) queued" in response.text
    assert "1 unfavorable evaluation(s) skipped" in response.text
    assert set(Evaluation.objects.filter(reevaluation_due=True).values_list("pk", flat=True)) == {
        r.pk for r in rows
    }
    assert len(callbacks) == 2


def test_the_dashboard_tile_counts(client, user_factory, evaluation_factory):
    evaluation_factory()
    client.force_login(user_factory(roles=[Role.SALES_AGENT]))

    html = client.get("/").text

    assert 'data-app="evaluations"' in html
    assert "/evaluations/" in html


def test_already_exists_links_to_the_existing_evaluation(analyst_client, evaluation_factory):
    existing = evaluation_factory(value="732829320", company_name="Boulangerie du Canal")

    page = analyst_client.post("/evaluations/new/", {"kind": "SIREN", "value": "732 829 320"})

    assert page.status_code == 200
    assert "already exists" in page.text
    assert f'href="/evaluations/{existing.pk}/"' in page.text
    assert 'id="existing-evaluation"' in page.text


def test_the_suggested_numbers_are_not_in_the_demo_data(db):
    from evaluations import demo
    from evaluations.types import registry

    help_text = registry.help_text()
    for _, value, *_ in demo.DEMO:
        assert value not in help_text.replace(" ", "")


def test_the_list_sorts_counts_link_and_exports(analyst_client, evaluation_factory):
    evaluation_factory(value="732829320", company_name="Boulangerie du Canal", score=90)
    evaluation_factory(value="552032534", company_name="Ateliers", score=40)

    page = analyst_client.get("/evaluations/?sort=score").text
    assert page.index("Ateliers") < page.index("Boulangerie du Canal")
    assert 'aria-sort="ascending" data-column="score"' in page
    assert 'href="?state=favorable"' in page
    export = analyst_client.get("/evaluations/?sort=-score&export=csv")
    rows = b"".join(export.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert rows[0] == "Type,Number,Company,State,Reason,Score,Last evaluated"
    assert rows[1].startswith("SIREN,732829320,Boulangerie du Canal,")
