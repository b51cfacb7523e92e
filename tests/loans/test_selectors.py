"""The reads every caller shares: the list page, the API, the admin and the dashboard."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from loans import selectors
from loans.models import LoanApplication, Status

pytestmark = pytest.mark.django_db


def names(applications) -> list[str]:
    return [application.last_name for application in applications]


def test_newest_first_and_filtered_by_one_or_several_statuses(application_factory):
    application_factory(last_name="Old", status=Status.PENDING)
    application_factory(last_name="Done", status=Status.COMPLETED)
    application_factory(last_name="New", status=Status.NEW)

    assert names(selectors.loan_application_list()) == ["New", "Done", "Old"]
    assert names(selectors.loan_application_list(status="pending")) == ["Old"]
    assert names(selectors.loan_application_list(status=["new", "completed"])) == ["New", "Done"]


def test_every_word_of_the_search_matches_a_name_or_the_email(application_factory):
    application_factory(first_name="Ada", last_name="Lovelace", email="ada@analytical.uk")
    application_factory(first_name="Alan", last_name="Turing", email="alan@bletchley.uk")

    assert names(selectors.loan_application_list(search="ada LOVELACE")) == ["Lovelace"]
    assert names(selectors.loan_application_list(search="bletchley")) == ["Turing"]
    assert names(selectors.loan_application_list(search="ada, bletchley")) == []
    assert len(selectors.loan_application_list(search="  ")) == 2


def test_currency_in_any_case_and_an_inclusive_day_range(application_factory):
    francs = application_factory(last_name="Francs", currency="CHF")
    euros = application_factory(last_name="Euros", currency="EUR")
    today = timezone.localdate()
    LoanApplication.objects.filter(id=euros.id).update(
        created_at=timezone.now() - timedelta(days=3)
    )

    assert names(selectors.loan_application_list(currency="chf")) == [francs.last_name]
    assert names(selectors.loan_application_list(created_from=today)) == ["Francs"]
    three_days_ago = today - timedelta(days=3)
    assert names(
        selectors.loan_application_list(created_from=three_days_ago, created_to=three_days_ago)
    ) == ["Euros"]
    assert names(selectors.loan_application_list(created_to=date(2000, 1, 1))) == []


def test_only_people_who_may_view_loans_see_them(application_factory, user_factory):
    application = application_factory()
    analyst = user_factory(roles=[Role.ANALYST])
    agent = user_factory(roles=[Role.SALES_AGENT])

    assert list(selectors.loan_application_list(user=analyst)) == [application]
    assert list(selectors.loan_application_list(user=agent)) == []
    assert selectors.loan_application_get(user=analyst, application_id=application.id)
    assert selectors.loan_application_get(user=agent, application_id=application.id) is None
    assert selectors.loan_application_status_counts(user=agent)["new"] == 0


def test_get_answers_none_for_an_unknown_id(application_factory):
    application_factory()

    assert (
        selectors.loan_application_get(application_id="3fa85f64-5717-4562-b3fc-2c963f66afa6")
        is None
    )


def test_status_counts_name_every_status(application_factory):
    application_factory.create_batch(2, status=Status.PENDING)
    application_factory(status=Status.FAILED, failure_reason="refused")

    assert selectors.loan_application_status_counts() == {
        "new": 0,
        "pending": 2,
        "completed": 0,
        "rejected": 0,
        "failed": 1,
    }


def test_the_page_and_the_api_filter_the_same_way(application_factory, officer, client):
    application_factory(first_name="Ada", last_name="Lovelace", status=Status.PENDING)
    application_factory(first_name="Ada", last_name="Byron", status=Status.COMPLETED)
    application_factory(first_name="Grace", last_name="Hopper", status=Status.PENDING)
    client.force_login(officer)

    page = client.get("/loans/", {"status": "pending", "q": "ada lovelace"}).text
    api = client.get("/api/loans/applications/", {"status": "pending", "search": "ada lovelace"})

    assert [row["last_name"] for row in api.json()["results"]] == ["Lovelace"]
    assert "Lovelace" in page
    assert "Byron" not in page
    assert "Hopper" not in page
