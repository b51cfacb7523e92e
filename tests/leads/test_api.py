"""The leads API: CRUD, qualify (202 with the run), runs, errors, who sees what."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from leads.models import Lead, QualificationRun, Stage

pytestmark = pytest.mark.django_db

VALID = {
    "first_name": "Alice",
    "last_name": "Martin",
    "birth_date": "1984-05-12",
    "national_id": "2 84 05 75 116 045 14",
    "email": "alice@example.test",
    "phone": "+33 6 12 34 56 78",
}


def test_anonymous_is_refused(api_client, lead_factory):
    lead = lead_factory()
    for method, url in [
        ("get", "/api/leads/"),
        ("post", f"/api/leads/{lead.pk}/qualify/"),
        ("get", "/api/leads/runs/"),
    ]:
        response = getattr(api_client, method)(url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


def test_other_roles_are_forbidden(token_client, outsider):
    response = token_client(outsider).get("/api/leads/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_an_agent_creates_a_lead_they_own(token_client, agent):
    response = token_client(agent).post("/api/leads/", VALID, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["national_id"] == "284057511604514"
    assert (body["owner_username"], body["stage"]) == ("sales-ann", "lead")


def test_bad_input_answers_400_with_field_messages(token_client, agent):
    bad = {
        **VALID,
        "national_id": "2 84 05 75 116 045 15",
        "birth_date": "2999-01-01",
        "email": "alice@",
    }

    response = token_client(agent).post("/api/leads/", bad, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) >= {"email"}  # the serializer parses the email itself
    response = token_client(agent).post(
        "/api/leads/", {**bad, "email": "a@example.test"}, format="json"
    )
    fields = response.json()["error"]["fields"]
    assert "checksum" in fields["national_id"][0]
    assert fields["birth_date"] == ["Must be between 1900-01-01 and today."]


def test_agents_see_their_own_leads_managers_see_all(
    token_client, agent, other_agent, manager, lead_factory
):
    mine = lead_factory(owner=agent)
    theirs = lead_factory(owner=other_agent)

    assert [lead["id"] for lead in token_client(agent).get("/api/leads/").json()["results"]] == [
        mine.pk
    ]
    assert token_client(agent).get(f"/api/leads/{theirs.pk}/").status_code == 404
    assert token_client(agent).post(f"/api/leads/{theirs.pk}/qualify/").status_code == 404
    assert token_client(manager).get("/api/leads/").json()["count"] == 2


def test_filter_by_stage(token_client, manager, lead_factory):
    lead_factory(stage=Stage.PROSPECT)
    lead_factory(stage=Stage.LEAD)

    results = token_client(manager).get("/api/leads/?stage=prospect").json()["results"]

    assert [lead["stage"] for lead in results] == ["prospect"]


def test_update_and_delete(token_client, agent, lead_factory):
    lead = lead_factory(owner=agent)
    client = token_client(agent)

    response = client.patch(f"/api/leads/{lead.pk}/", {"phone": "+33 1 00 00 00 00"}, format="json")
    assert response.status_code == 200
    assert response.json()["phone"] == "+33 1 00 00 00 00"
    assert client.delete(f"/api/leads/{lead.pk}/").status_code == 204
    assert not Lead.objects.exists()


def test_only_managers_give_a_lead_to_someone_else(token_client, agent, other_agent, manager):
    response = token_client(agent).post(
        "/api/leads/", {**VALID, "owner": other_agent.pk}, format="json"
    )
    assert response.status_code == 403

    response = token_client(manager).post(
        "/api/leads/", {**VALID, "owner": other_agent.pk}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["owner"], response.json()["owner_username"]) == (
        other_agent.pk,
        "sales-bob",
    )


def test_an_unknown_owner_is_a_400_on_owner(token_client, manager):
    response = token_client(manager).post("/api/leads/", {**VALID, "owner": 987_654}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"owner": ["No user has the id 987654."]}


def test_qualify_answers_202_with_the_run(token_client, agent, lead_factory):
    lead = lead_factory(owner=agent)

    response = token_client(agent).post(f"/api/leads/{lead.pk}/qualify/")

    assert response.status_code == 202
    run = response.json()
    assert (run["lead"], run["status"], run["requested_by"]) == (lead.pk, "pending", "sales-ann")
    assert run["registry"]["status"] == run["archives"]["status"] == "pending"
    listed = token_client(agent).get(f"/api/leads/{lead.pk}/runs/").json()["results"]
    assert [r["id"] for r in listed] == [run["id"]]
    assert token_client(agent).get(f"/api/leads/runs/{run['id']}/").json()["id"] == run["id"]


def test_qualifying_an_unknown_lead(token_client, agent):
    response = token_client(agent).post("/api/leads/999/qualify/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"

    response = token_client(agent).post("/api/leads/qualify/", {"leads": [999]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["leads"] == [
        'Invalid pk "999" - object does not exist.'
    ]


def test_a_prospect_answers_409(token_client, agent, lead_factory):
    lead = lead_factory(owner=agent, stage=Stage.PROSPECT)

    response = token_client(agent).post(f"/api/leads/{lead.pk}/qualify/")

    assert response.status_code == 409
    assert "already a prospect" in response.json()["error"]["message"]


def test_bulk_qualify(token_client, manager, lead_factory):
    leads = [lead_factory(), lead_factory()]

    response = token_client(manager).post(
        "/api/leads/qualify/", {"leads": [lead.pk for lead in leads]}, format="json"
    )

    assert response.status_code == 202
    assert len(response.json()["runs"]) == 2


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_qualify_requests_give_one_run(agent, lead_factory):
    from rest_framework.authtoken.models import Token

    lead = lead_factory(owner=agent)
    token = Token.objects.create(user=agent).key
    barrier = threading.Barrier(2)
    answers = []

    def request():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        barrier.wait()
        try:
            answers.append(client.post(f"/api/leads/{lead.pk}/qualify/"))
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [a.status_code for a in answers] == [202, 202]
    assert len({a.json()["id"] for a in answers}) == 1
    assert QualificationRun.objects.filter(lead=lead).count() == 1


def test_the_list_filters_are_the_selectors(
    token_client, agent, other_agent, manager, lead_factory
):
    mine = lead_factory(owner=agent, stage=Stage.PROSPECT)
    theirs = lead_factory(owner=other_agent, stage=Stage.PROSPECT)
    done = QualificationRun.objects.create(
        lead=theirs, source="api", status="done", outcome=Stage.PROSPECT
    )
    QualificationRun.objects.create(lead=mine, source="api")
    client = token_client(manager)

    leads = client.get(f"/api/leads/?owner={other_agent.pk}&stage=prospect").json()["results"]
    runs = client.get(f"/api/leads/runs/?status=done&lead={theirs.pk}").json()["results"]
    # An agent's filter cannot reach someone else's leads.
    hidden = token_client(agent).get(f"/api/leads/?owner={other_agent.pk}").json()["count"]
    bad = client.get("/api/leads/runs/?status=finished&lead=0")

    assert [lead["id"] for lead in leads] == [theirs.pk]
    assert [run["id"] for run in runs] == [done.pk]
    assert hidden == 0
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"status", "lead"}
