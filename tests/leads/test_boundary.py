"""The input boundary on the leads app: border values through every API write and the page
forms; the birth-date range (1900-01-01 .. today) on every path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.boundary import BIRTH_DATE
from core.errors import ApplicationError
from leads.models import Lead
from leads.services import lead_create, lead_update
from tests.harness import boundary as harness
from tests.harness.boundary import PageCase, WriteCase
from tests.leads.conftest import make_nir

pytestmark = pytest.mark.django_db

#: Every API write of the app (tests/core/test_boundary_api.py checks the schema has no other).
OPERATIONS = [
    "leads_create",
    "leads_update",
    "leads_partial_update",
    "leads_destroy",
    "leads_qualify",
    "leads_qualify_many",
]


def _lead_body(serial: int) -> dict:
    return {
        "first_name": "Alice",
        "last_name": "Martin",
        "birth_date": "1984-05-12",
        "national_id": make_nir(serial, birth=dt.date(1984, 5, 12)),
        "email": "alice@example.test",
        "phone": "+33 6 12 34 56 78",
    }


@pytest.fixture
def cases(agent, lead_factory) -> dict[str, WriteCase]:
    lead, spare = lead_factory(owner=agent), lead_factory(owner=agent)
    built = [
        WriteCase("leads_create", "post", "/api/leads/", _lead_body(900),
                  date_fields={"birth_date": "date"}),
        WriteCase("leads_update", "put", f"/api/leads/{lead.pk}/", _lead_body(901),
                  date_fields={"birth_date": "date"}),
        WriteCase("leads_partial_update", "patch", f"/api/leads/{lead.pk}/",
                  {"phone": "+33 6 12 34 56 79", "birth_date": "1990-01-31"},
                  date_fields={"birth_date": "date"}),
        WriteCase("leads_destroy", "delete", f"/api/leads/{spare.pk}/", formats=("json",)),
        WriteCase("leads_qualify", "post", f"/api/leads/{lead.pk}/qualify/", formats=("json",)),
        WriteCase("leads_qualify_many", "post", "/api/leads/qualify/", {"leads": [lead.pk]}),
    ]  # fmt: skip
    assert [case.operation_id for case in built] == OPERATIONS
    return {case.operation_id: case for case in built}


@pytest.fixture
def api(token_client, agent):
    return token_client(agent)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_write_accepts_its_base_body(api, cases, operation):
    case = cases[operation]
    response = harness.send(api, case, case.body)

    assert response.status_code < 300, response.content


@pytest.mark.parametrize("operation", OPERATIONS)
def test_border_values_in_each_field_never_answer_5xx(api, cases, operation):
    harness.check_write_operation(api, cases[operation])


WITH_BODY = ["leads_create", "leads_update", "leads_partial_update", "leads_qualify_many"]


@pytest.mark.parametrize("operation", WITH_BODY)
def test_control_characters_in_each_field_are_a_400_on_that_field(api, cases, operation):
    harness.check_control_characters_in_each_field(api, cases[operation])


@pytest.mark.parametrize("operation", WITH_BODY)
def test_deep_json_is_a_400(api, cases, operation):
    harness.check_deep_json(api, cases[operation])


def _birth_dates_in_range(response, name, value) -> None:
    for birth_date in Lead.objects.values_list("birth_date", flat=True):
        assert BIRTH_DATE.problem(birth_date) is None


@pytest.mark.parametrize("operation", ["leads_create", "leads_update", "leads_partial_update"])
def test_border_birth_dates_are_stored_in_range_or_refused(api, cases, operation):
    harness.check_dates_of_operation(api, cases[operation], accepted=_birth_dates_in_range)


@pytest.mark.parametrize(
    "birth_date", [dt.date(1, 1, 1), dt.date(1899, 12, 31), dt.date(9999, 12, 31)]
)
def test_the_services_refuse_a_birth_date_out_of_range(agent, lead_factory, birth_date):
    data = {**_lead_body(950), "birth_date": birth_date}
    with pytest.raises(ApplicationError) as caught:
        lead_create(actor=agent, **data)
    assert caught.value.fields["birth_date"] == ["Must be between 1900-01-01 and today."]
    lead = lead_factory(owner=agent)
    with pytest.raises(ApplicationError):
        lead_update(lead_id=lead.pk, actor=agent, birth_date=birth_date)
    lead.refresh_from_db()
    assert lead.birth_date == dt.date(1980, 1, 1)


def test_a_birth_date_of_today_is_accepted(agent):
    lead = lead_create(actor=agent, **{**_lead_body(951), "birth_date": timezone.localdate()})

    assert lead.birth_date == timezone.localdate()


@pytest.fixture
def pages(client, agent, lead_factory) -> dict[str, PageCase]:
    client.force_login(agent)
    lead, other, doomed = (lead_factory(owner=agent) for _ in range(3))
    edited = {**_lead_body(961), "national_id": lead.national_id}
    return harness.page_cases_by_view([
        PageCase("new lead", "/leads/new/", _lead_body(960)),
        PageCase("edit lead", f"/leads/{lead.pk}/edit/", edited),
        PageCase("qualify", f"/leads/{lead.pk}/qualify/", {"unexpected": "x"}),
        PageCase("qualify many", "/leads/qualify/", {"leads": [str(other.pk)]}),
        PageCase("delete lead", f"/leads/{doomed.pk}/delete/", {"unexpected": "x"}),
    ])  # fmt: skip


#: Every page of the app that takes a post, by URL name (tests/core/test_boundary_pages.py
#: checks the site has no other).
PAGE_FORMS = ["leads:new", "leads:edit", "leads:qualify", "leads:qualify-many", "leads:delete"]


@pytest.mark.parametrize("page", PAGE_FORMS)
def test_each_page_form_accepts_its_base_input(client, pages, page):
    harness.check_page_form_accepts_its_base_input(client, pages[page])


@pytest.mark.parametrize("page", PAGE_FORMS)
def test_border_values_in_each_page_form_never_answer_5xx(client, pages, page):
    harness.check_page_form(client, pages[page])


@pytest.mark.parametrize("page", ["leads:new", "leads:edit"])
def test_control_characters_in_each_field_of_the_lead_forms_are_a_form_error(client, pages, page):
    harness.check_page_form_control_characters(client, pages[page], keep="last_name")
