"""The input boundary on the evaluations app: border values through every API write and the
page forms, control characters and huge numbers in the list filters, the decay date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from core.errors import ApplicationError
from core.roles import Role
from evaluations import services
from evaluations.models import DecayPass
from tests.harness import boundary as harness
from tests.harness.boundary import PageCase, WriteCase

pytestmark = pytest.mark.django_db

#: Every API write of the app (tests/core/test_boundary_api.py checks the schema has no other).
OPERATIONS = ["evaluations_create", "evaluations_reevaluate_create"]


@pytest.fixture
def analyst(user_factory):
    return user_factory(username="ana", roles=[Role.ANALYST])


@pytest.fixture
def api(token_client, analyst, fake_sources):
    return token_client(analyst)


@pytest.fixture
def cases(evaluation_factory) -> dict[str, WriteCase]:
    evaluation = evaluation_factory()
    return {
        "evaluations_create": WriteCase(
            "evaluations_create", "post", "/api/evaluations/",
            {"kind": "SIREN", "value": "732 829 320"},
        ),
        "evaluations_reevaluate_create": WriteCase(
            "evaluations_reevaluate_create", "post",
            f"/api/evaluations/{evaluation.pk}/reevaluate/", formats=("json",),
        ),
    }  # fmt: skip


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_write_accepts_its_base_body(api, cases, operation):
    case = cases[operation]
    assert harness.send(api, case, case.body).status_code < 300


@pytest.mark.parametrize("operation", OPERATIONS)
def test_border_values_in_each_field_never_answer_5xx(api, cases, operation):
    harness.check_write_operation(api, cases[operation])


def test_control_characters_in_each_field_are_a_400_on_that_field(api, cases):
    harness.check_control_characters_in_each_field(api, cases["evaluations_create"])


def test_deep_json_is_a_400(api, cases):
    harness.check_deep_json(api, cases["evaluations_create"])


@pytest.mark.parametrize(
    "query",
    ["score_min=1e308", f"score_max={10**100}", "score_min=NaN", "score_max=-Infinity",
     "score_min=-0", "search=" + "9" * 400, "page=99999999999999999999", f"page_size={10**30}"],
)  # fmt: skip
def test_huge_numbers_in_the_filters_are_not_a_server_error(api, client, analyst, query):
    assert api.get(f"/api/evaluations/?{query}").status_code < 500
    client.force_login(analyst)
    assert client.get(f"/evaluations/?{query}").status_code < 500


@pytest.fixture
def pages(client, analyst, fake_sources, evaluation_factory) -> dict[str, PageCase]:
    client.force_login(analyst)
    evaluation = evaluation_factory()
    return harness.page_cases_by_view(
        [
            PageCase("new", "/evaluations/new/", {"kind": "SIREN", "value": "732 829 320"}),
            PageCase(
                "reevaluate", f"/evaluations/{evaluation.pk}/reevaluate/", {"unexpected": "x"}
            ),
        ]
    )


#: Every page of the app that takes a post, by URL name (tests/core/test_boundary_pages.py
#: checks the site has no other).
PAGE_FORMS = ["evaluations:create", "evaluations:reevaluate"]


@pytest.mark.parametrize("page", PAGE_FORMS)
def test_border_values_in_each_page_form_never_answer_5xx(client, pages, page):
    harness.check_page_form(client, pages[page])


def test_control_characters_in_the_create_form_are_a_form_error(client, pages):
    harness.check_page_form_control_characters(client, pages["evaluations:create"], keep="kind")


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(1899, 12, 31), dt.date(9999, 12, 31)])
def test_the_decay_pass_refuses_a_date_out_of_range(day):
    with pytest.raises(ApplicationError) as caught:
        services.decay_pass_run(on_date=day)

    assert caught.value.fields == {"on_date": ["Must be between 1900-01-01 and 2100-12-31."]}
    assert not DecayPass.objects.exists()


def test_the_decay_command_says_which_dates_it_takes():
    with pytest.raises(CommandError, match=r"^--date must be between 1900-01-01 and 2100-12-31"):
        call_command("decay_evaluations", "--date", "9999-12-31")
    assert not DecayPass.objects.exists()
