"""The top bar's search: one box over every app, each hit something the person may see, and
what was typed never in a URL."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.roles import Role
from tests.harness.users import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    for role in Role:
        Group.objects.get_or_create(name=role.group_name)
    return {
        "agent": UserFactory(username="agent", roles=[Role.SALES_AGENT]),
        "kam": UserFactory(username="kam-ann", roles=[Role.KEY_ACCOUNT_MANAGER]),
        "other_kam": UserFactory(username="kam-bob", roles=[Role.KEY_ACCOUNT_MANAGER]),
        "officer": UserFactory(username="officer", roles=[Role.LOAN_OFFICER]),
    }


@pytest.fixture
def world(people):
    from evaluations.models import Evaluation
    from kam.models import PointOfContact, Restaurant
    from leads.models import Lead
    from loans.models import LoanApplication

    lead = Lead.objects.create(
        first_name="Martine", last_name="Durand", birth_date="1984-05-12",
        national_id="284057511604514", email="martine@example.test", phone="+33612345678",
        owner=people["agent"],
    )  # fmt: skip
    mine = Restaurant.objects.create(
        name="Chez Martine", city="Lyon", country="FR", time_zone="Europe/Paris",
        currency="EUR", owner=people["kam"],
    )  # fmt: skip
    theirs = Restaurant.objects.create(
        name="Martine's Grill", city="Nice", country="FR", time_zone="Europe/Paris",
        currency="EUR", owner=people["other_kam"],
    )  # fmt: skip
    PointOfContact.objects.create(
        restaurant=mine, name="Paul", role="owner", email="paul@chez.test", is_primary=True
    )
    application = LoanApplication.objects.create(
        first_name="Martine", last_name="Durand", email="martine@example.test",
        amount="15000.00", currency="EUR",
    )  # fmt: skip
    evaluation = Evaluation.objects.create(
        kind="SIREN", value="732829320", state="favorable", reason="company_opened", score=90,
        company_name="Martine Industries", last_evaluated_at=timezone.now(),
    )  # fmt: skip
    return {"lead": lead, "mine": mine, "theirs": theirs, "application": application,
            "evaluation": evaluation}  # fmt: skip


def _search(client, user, text):
    client.force_login(user)
    return client.post("/search/", {"q": text}).text


def test_a_kam_finds_their_own_account_not_another_kams(client, people, world):
    page = _search(client, people["kam"], "martine")
    assert "Chez Martine" in page
    assert "Martine&#x27;s Grill" not in page
    assert f"/kam/accounts/{world['theirs'].pk}/" not in page
    assert "Durand" not in page  # leads and loans are not a KAM's to see
    assert 'data-app="leads"' not in page
    # The other KAM finds theirs only.
    other = _search(client, people["other_kam"], "martine")
    assert "Martine&#x27;s Grill" in other
    assert "Chez Martine" not in other


def test_each_role_finds_what_its_apps_hold(client, people, world):
    agent = _search(client, people["agent"], "Durand")
    assert f"/leads/{world['lead'].pk}/" in agent
    assert f"/loans/{world['application'].pk}/" not in agent

    officer = _search(client, people["officer"], "durand")
    assert f"/loans/{world['application'].pk}/" in officer
    assert f"/leads/{world['lead'].pk}/" not in officer


@pytest.mark.parametrize(
    ("who", "text", "expected"),
    [
        ("agent", "2 84 05 75 116 045 14", "/leads/"),  # a national id, spaced
        ("agent", "martine@example.test", "/leads/"),
        ("officer", "{application}", "/loans/"),  # an application id
        ("officer", "732 829 320", "/evaluations/"),  # a SIREN, spaced
        ("kam", "paul@chez.test", "/kam/accounts/"),  # a contact's email finds the account
    ],
)
def test_finds_by_national_id_email_application_id_siren_and_contact(
    client, people, world, who, text, expected
):
    text = text.format(application=world["application"].pk)
    page = _search(client, people[who], text)
    assert "1 result for" in page
    assert expected in page.split('id="search-summary"')[1]


def test_what_is_typed_never_reaches_a_url(client, people, world):
    client.force_login(people["agent"])
    page = client.get("/leads/").text
    assert 'action="/search/"' in page
    assert 'method="post"' in page.split('class="topbar-search"')[0].rsplit("<form", 1)[1]
    response = client.post("/search/", {"q": "martine@example.test"})
    assert response.status_code == 200
    assert "martine%40example.test" not in response.text


@pytest.mark.parametrize("text", ["x", "", " ", "a" * 5000, "%", "_", "\\", "' OR 1=1 --"])
def test_odd_input_is_answered_not_an_error(client, people, world, text):
    client.force_login(people["officer"])
    response = client.post("/search/", {"q": text})
    assert response.status_code == 200


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.post("/search/", {"q": "martine"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
