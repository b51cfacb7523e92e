"""The score over time: exact at evaluations, replayed over the passes in between."""

import datetime

import pytest

from evaluations import selectors, services

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 4, 1)


def test_the_series_replays_the_passes_between_evaluations(fake_sources):
    evaluation = services.evaluation_create(kind="SIREN", value="732829320", actor="tests")
    for offset in range(3):
        services.decay_pass_run(on_date=DAY + datetime.timedelta(days=offset))
    fake_sources["SIREN"].outcome = "unreachable"
    services.evaluation_reevaluate(evaluation_id=evaluation.pk, actor="tests")
    services.decay_pass_run(on_date=DAY + datetime.timedelta(days=3))
    evaluation.refresh_from_db()

    points = selectors.evaluation_score_series(evaluation)

    assert [p.score for p in points] == [100, 99, 98, 97, 97, 100, 95, 95]
    assert [p.what for p in points][-4:] == [
        "Before re-evaluation",
        "Re-evaluated",
        "Decay pass of 4 Apr 2026",
        "Now",
    ]
    assert points[-1].score == evaluation.score == 95


def test_passes_that_did_not_apply_to_the_row_are_not_replayed(fake_sources):
    services.decay_pass_run(on_date=DAY)  # before the evaluation existed
    evaluation = services.evaluation_create(kind="SIREN", value="732829320", actor="tests")

    points = selectors.evaluation_score_series(evaluation)

    assert [p.score for p in points] == [100, 100]


# --- the list: one selector for the page and the API ---------------------------------------


@pytest.fixture
def rows(evaluation_factory):
    from evaluations.models import Reason, State

    return {
        "siren high": evaluation_factory(kind="SIREN", value="732829320", score=90),
        "siren low": evaluation_factory(
            kind="SIREN", value="552032534", score=10, company_name="Ateliers de Lyon"
        ),
        "vat unreachable": evaluation_factory(
            kind="VAT",
            value="LU26375245",
            state=State.UNCONFIRMED,
            reason=Reason.UNABLE_TO_REACH_API,
            score=55,
            reevaluation_due=True,
        ),
    }


@pytest.fixture
def analyst(user_factory):
    from core.roles import Role

    return user_factory(username="ana", roles=[Role.ANALYST])


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["vat unreachable", "siren low", "siren high"]),
        ({"kind": "SIREN", "score_max": 50}, ["siren low"]),
        ({"state": "unconfirmed"}, ["vat unreachable"]),
        ({"reason": "unable_to_reach_api", "score_min": 50}, ["vat unreachable"]),
        ({"score_min": 0, "score_max": 0}, []),
        ({"search": "732 829 320"}, ["siren high"]),
        ({"search": "lyon"}, ["siren low"]),
        ({"due": True}, ["vat unreachable"]),
        ({"due": False}, ["siren low", "siren high"]),
        (
            {"kind": "", "search": "  ", "due": None, "score_min": None},
            ["vat unreachable", "siren low", "siren high"],
        ),
    ],
)
def test_the_list_filters_in_the_selector(rows, analyst, filters, expected):
    found = selectors.evaluation_list(user=analyst, **filters)

    names = {row.pk: name for name, row in rows.items()}
    assert [names[row.pk] for row in found] == expected


def test_a_user_without_a_role_sees_no_evaluation(rows, user_factory):
    nobody = user_factory(username="nobody")

    assert list(selectors.evaluation_list(user=nobody)) == []
    assert selectors.evaluation_get(user=nobody, evaluation_id=rows["siren high"].pk) is None


@pytest.mark.parametrize(
    "query", ["kind=SIREN&score_max=50", "state=unconfirmed", "search=lyon", "due=false", ""]
)
def test_the_page_and_the_api_list_the_same_rows(rows, analyst, client, token_client, query):
    client.force_login(analyst)

    api = token_client(analyst).get(f"/api/evaluations/?{query}").json()
    page = client.get(f"/evaluations/?{query}")

    api_values = [row["value"] for row in api["results"]]
    page_values = [row.value for row in page.context["page"]]
    assert api_values == page_values
    assert api_values  # every query above finds something
