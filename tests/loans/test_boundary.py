"""The input boundary on the loans app: border values through the API write and the page
form, control characters and border dates in the list filters."""

from __future__ import annotations

import pytest

from loans.models import FailureCode, LoanApplication, Status
from tests.harness import boundary as harness
from tests.harness.boundary import PageCase, WriteCase

pytestmark = pytest.mark.django_db

#: Every API write of the app (tests/core/test_boundary_api.py checks the schema has no other).
OPERATIONS = ["loans_applications_create"]


@pytest.fixture
def case(valid_input) -> WriteCase:
    return WriteCase("loans_applications_create", "post", "/api/loans/applications/", valid_input)


def test_the_write_accepts_its_base_body(officer_api, case):
    assert harness.send(officer_api, case, case.body).status_code == 201


def test_border_values_in_each_field_never_answer_5xx(officer_api, case):
    harness.check_write_operation(officer_api, case)


def test_control_characters_in_each_field_are_a_400_on_that_field(officer_api, case):
    harness.check_control_characters_in_each_field(officer_api, case)


def test_deep_json_is_a_400(officer_api, case):
    harness.check_deep_json(officer_api, case)


RANGE = "Must be between 1900-01-01 and 2100-12-31."


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("created_from=2026-01-01&created_to=2026-12-31", None),
        ("created_from=1900-01-01&created_to=2100-12-31", None),
        ("created_from=0001-01-01", RANGE),
        ("created_to=9999-12-31", RANGE),
        ("created_from=1899-12-31", RANGE),
        ("created_from=10000-01-01", "Enter a valid date."),
    ],
)
def test_the_date_filters_take_dates_in_the_filter_range(officer_api, query, message):
    response = officer_api.get(f"/api/loans/applications/?{query}")

    if message is None:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 400
        (messages,) = response.json()["error"]["fields"].values()
        assert messages == [message]


@pytest.fixture
def pages(client, officer, valid_input, application_factory) -> dict[str, PageCase]:
    client.force_login(officer)
    failure = {"failure_code": FailureCode.PAYLOAD_REJECTED, "failure_reason": "bank said no"}
    failed = application_factory(status=Status.FAILED, **failure)
    pending = application_factory(status=Status.PENDING)

    def fail_again() -> None:
        LoanApplication.objects.filter(pk=failed.pk).update(status=Status.FAILED, **failure)

    def pending_again() -> None:
        LoanApplication.objects.filter(pk=pending.pk).update(status=Status.PENDING)

    return harness.page_cases_by_view([
        PageCase("new application", "/loans/new/",
                 {**valid_input, "idempotency_key": "6b0f1e0c-1d2e-4f5a-9b8c-7d6e5f4a3b2c"},
                 skip=("idempotency_key",)),
        PageCase("re-submit", f"/loans/{failed.pk}/resubmit/",
                 {"reason": "the bank fixed its outage"}, before=fail_again),
        PageCase("poll now", f"/loans/{pending.pk}/poll-now/", {"unexpected": "x"},
                 before=pending_again),
    ])  # fmt: skip


#: Every page of the app that takes a post, by URL name (tests/core/test_boundary_pages.py
#: checks the site has no other).
PAGE_FORMS = ["loans:create", "loans:resubmit", "loans:poll-now"]


@pytest.mark.parametrize("page", PAGE_FORMS)
def test_each_page_form_accepts_its_base_input(client, pages, page):
    harness.check_page_form_accepts_its_base_input(client, pages[page])


@pytest.mark.parametrize("page", PAGE_FORMS)
def test_border_values_in_each_page_form_never_answer_5xx(client, pages, page):
    harness.check_page_form(client, pages[page])


def test_control_characters_in_each_field_of_the_page_form_are_a_form_error(client, pages):
    harness.check_page_form_control_characters(client, pages["loans:create"], keep="last_name")


def test_a_control_character_in_the_resubmit_reason_is_refused(client, pages):
    case = pages["loans:resubmit"]
    before = harness.database_snapshot()

    response = client.post(case.url, {"reason": "outage\x1b[2J fixed"}, follow=True)

    assert "Remove the control character U+001B" in response.text
    assert harness.database_snapshot() == before


def test_control_characters_in_the_list_search_are_a_400_page(client, officer):
    client.force_login(officer)

    response = client.get("/loans/?q=ada%1b&status=")

    assert response.status_code == 400
    assert "<strong>q</strong>" in response.text
