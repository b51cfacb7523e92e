"""The REST API: create, list with filters, detail with history, re-evaluate; errors; roles."""

import pytest

from core.roles import Role
from evaluations.models import Evaluation, Reason, State

pytestmark = pytest.mark.django_db

URL = "/api/evaluations/"


@pytest.fixture
def analyst(user_factory):
    return user_factory(username="ana", roles=[Role.ANALYST])


@pytest.fixture
def api(token_client, analyst):
    return token_client(analyst)


def test_create_answers_with_the_evaluation_after_its_first_evaluation(api, fake_sources):
    response = api.post(URL, {"kind": "SIREN", "value": "732 829 320"})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["value"], body["state"], body["reason"], body["score"]) == (
        "SIREN",
        "732829320",
        "favorable",
        "company_opened",
        100,
    )
    assert body["company_name"] == "Acme SAS"
    assert body["history"][0]["action"] == "evaluations.created"
    assert body["history"][0]["actor"] == "ana"


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"kind": "SIREN", "value": "732829321"}, "value", "check digit"),
        ({"kind": "SIREN", "value": "12"}, "value", "length"),
        ({"kind": "VAT", "value": "IE6388047X"}, "value", "VAT number"),
        ({"kind": "VAT", "value": "US123456789"}, "value", "not an EU member state"),
        ({"kind": "DUNS", "value": "123"}, "kind", "not a valid choice"),
        ({"value": "732829320"}, "kind", "required"),
        ({"kind": "SIREN"}, "value", "required"),
    ],
)
def test_bad_input_is_400_with_the_field_and_the_reason(api, fake_sources, payload, field, words):
    response = api.post(URL, payload)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert words in " ".join(error["fields"][field])
    assert not Evaluation.objects.exists()


def test_a_second_create_of_the_same_company_is_409_naming_the_first(api, fake_sources):
    first = api.post(URL, {"kind": "VAT", "value": "LU26375245"}).json()

    response = api.post(URL, {"kind": "VAT", "value": "lu 26375245"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_exists"
    assert f"id {first['id']}" in response.json()["error"]["message"]


def test_list_filters_by_kind_state_reason_and_score(api, evaluation_factory):
    evaluation_factory(kind="SIREN", score=90)
    low = evaluation_factory(kind="SIREN", score=10)
    evaluation_factory(kind="VAT", value="IE6388047V", score=10)
    unreachable = evaluation_factory(
        kind="VAT",
        value="LU26375245",
        state=State.UNCONFIRMED,
        reason=Reason.UNABLE_TO_REACH_API,
        score=55,
    )

    def ids(**params):
        response = api.get(URL, params)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids(kind="SIREN", score_max=50) == [low.pk]
    assert ids(state="unconfirmed") == [unreachable.pk]
    assert ids(reason="unable_to_reach_api", score_min=50, score_max=60) == [unreachable.pk]
    assert len(ids()) == 4
    assert api.get(URL, {"kind": "NOPE"}).status_code == 400


def test_detail_has_the_history_and_the_score_over_time(api, fake_sources):
    created = api.post(URL, {"kind": "SIREN", "value": "732829320"}).json()

    body = api.get(f"{URL}{created['id']}/").json()

    assert [event["action"] for event in body["history"]] == ["evaluations.created"]
    assert body["score_history"][0]["score"] == 100
    assert body["score_history"][-1]["what"] == "Now"


def test_the_history_has_the_shape_of_every_audit_trail(api, fake_sources):
    created = api.post(URL, {"kind": "SIREN", "value": "732829320"}).json()

    [event] = api.get(f"{URL}{created['id']}/").json()["history"]

    assert set(event) == {
        "at",
        "actor",
        "action",
        "action_label",
        "changes",
        "reason",
        "request_id",
    }
    assert (event["action"], event["action_label"]) == (
        "evaluations.created",
        "Evaluated for the first time",
    )
    assert event["changes"]["state"] == {"from": None, "to": "favorable"}
    assert event["reason"] == "test: Actif"


def test_reevaluate(api, fake_sources, evaluation_factory):
    row = evaluation_factory(state=State.UNCONFIRMED, reason=Reason.UNABLE_TO_REACH_API, score=12)

    response = api.post(f"{URL}{row.pk}/reevaluate/")

    assert response.status_code == 200
    assert (response.json()["score"], response.json()["state"]) == (100, "favorable")
    assert response.json()["history"][0]["changes"]["score"] == {"from": 12, "to": 100}


def test_reevaluating_an_unfavorable_one_is_409(api, fake_sources, evaluation_factory):
    row = evaluation_factory(state=State.UNFAVORABLE, reason=Reason.COMPANY_CLOSED, score=12)

    response = api.post(f"{URL}{row.pk}/reevaluate/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "final"


def test_unknown_ids_are_404(api):
    assert api.get(f"{URL}999999/").status_code == 404
    assert api.post(f"{URL}999999/reevaluate/").status_code == 404
    assert api.get(f"{URL}abc/").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", URL), ("post", URL), ("get", f"{URL}1/"), ("post", f"{URL}1/reevaluate/")],
)
def test_anonymous_users_are_refused(api_client, method, path):
    response = getattr(api_client, method)(path)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_users_without_an_evaluating_role_read_but_do_not_write(
    token_client, user_factory, evaluation_factory, fake_sources
):
    row = evaluation_factory()
    sales = token_client(user_factory(username="sal", roles=[Role.SALES_AGENT]))

    assert sales.get(URL).status_code == 200
    assert sales.get(f"{URL}{row.pk}/").status_code == 200
    assert sales.post(URL, {"kind": "SIREN", "value": "732829320"}).status_code == 403
    assert sales.post(f"{URL}{row.pk}/reevaluate/").status_code == 403
    assert fake_sources["SIREN"].calls == []


@pytest.mark.parametrize("role", [Role.ANALYST, Role.RISK_ANALYST])
def test_analysts_and_risk_analysts_evaluate(token_client, user_factory, fake_sources, role):
    user = user_factory(username="ri", roles=[role])

    response = token_client(user).post(URL, {"kind": "VAT", "value": "GB727255821"})

    assert response.status_code == 201


def test_the_operations_are_in_the_openapi_schema():
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator

    patterns = [path("api/evaluations/", include("evaluations.api_urls"))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)

    assert set(schema["paths"]) == {
        "/api/evaluations/",
        "/api/evaluations/{id}/",
        "/api/evaluations/{id}/reevaluate/",
    }


@pytest.mark.django_db(transaction=True)
def test_the_request_calls_the_source_outside_any_transaction(
    token_client, user_factory, fake_sources
):
    api = token_client(user_factory(username="st", roles=[Role.ANALYST]))

    created = api.post(URL, {"kind": "SIREN", "value": "732829320"}).json()
    api.post(f"{URL}{created['id']}/reevaluate/")

    assert fake_sources["SIREN"].in_transaction == [False, False]
