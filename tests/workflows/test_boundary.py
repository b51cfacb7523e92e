"""The input boundary on the workflows app: border values through the API writes (multipart
with the statement, and JSON) and the step forms; the date fields of a definition keep the
core ranges, narrowed by the definition's min/max."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.boundary import BIRTH_DATE
from core.boundary.forms import BoundaryForm, BoundedDateField
from tests.harness import boundary as harness
from tests.harness.boundary import PageCase, WriteCase
from tests.workflows.conftest import KEY, good_statement
from workflows import selectors, services
from workflows.forms import step_form_class
from workflows.loader import definition_of
from workflows.models import Customer

pytestmark = pytest.mark.django_db

#: Every API write of the app (tests/core/test_boundary_api.py checks the schema has no other).
OPERATIONS = ["workflows_runs_create", "workflows_runs_steps_create"]


def _statement() -> dict:
    return {"statement": SimpleUploadedFile("statement.xlsx", good_statement())}


@pytest.fixture
def waiting_run(runner):
    return services.workflow_run_start(key=KEY, actor=runner)


@pytest.fixture
def cases(customer_input, waiting_run) -> dict[str, WriteCase]:
    return {
        "workflows_runs_create": WriteCase(
            "workflows_runs_create", "post", "/api/workflows/runs/",
            {"definition": KEY, **customer_input}, formats=("multipart", "json"),
            files=_statement, date_fields={"date_of_birth": "date"},
        ),
        "workflows_runs_steps_create": WriteCase(
            "workflows_runs_steps_create", "post",
            f"/api/workflows/runs/{waiting_run.id}/steps/customer/",
            dict(customer_input), formats=("multipart", "json"), files=_statement,
            date_fields={"date_of_birth": "date"},
        ),
    }  # fmt: skip


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_write_accepts_its_base_body(runner_api, cases, operation):
    case = cases[operation]
    assert harness.send(runner_api, case, case.body, "multipart").status_code < 300


@pytest.mark.parametrize("operation", OPERATIONS)
def test_border_values_in_each_field_never_answer_5xx(runner_api, cases, operation):
    harness.check_write_operation(runner_api, cases[operation])


@pytest.mark.parametrize("operation", OPERATIONS)
def test_control_characters_in_each_field_are_a_400_on_that_field(runner_api, cases, operation):
    harness.check_control_characters_in_each_field(runner_api, cases[operation])


@pytest.mark.parametrize("operation", OPERATIONS)
def test_deep_json_is_a_400(runner_api, cases, operation):
    harness.check_deep_json(runner_api, cases[operation])


def _customers_born_in_range(response, name, value) -> None:
    for born in Customer.objects.values_list("date_of_birth", flat=True):
        assert BIRTH_DATE.problem(born) is None


@pytest.mark.parametrize("operation", OPERATIONS)
def test_border_birth_dates_are_stored_in_range_or_refused(runner_api, cases, operation):
    harness.check_dates_of_operation(
        runner_api, cases[operation], accepted=_customers_born_in_range
    )


def test_control_characters_never_reach_a_stored_file_name(runner_api, customer_input):
    """Django's multipart parser drops non-printable characters from file names."""
    upload = SimpleUploadedFile("state\x1bment\x00.xlsx", good_statement())
    response = runner_api.post(
        "/api/workflows/runs/",
        {"definition": KEY, **customer_input, "statement": upload},
        format="multipart",
    )

    assert response.status_code == 201
    assert response.json()["uploads"][0]["original_name"] == "statement.xlsx"


def test_the_step_form_is_a_boundary_form_with_the_core_date_range():
    row = selectors.workflow_definition_current(key=KEY)
    definition = definition_of(row)
    form_class = step_form_class(definition, definition.first_step)

    assert issubclass(form_class, BoundaryForm)
    field = form_class().fields["date_of_birth"]
    assert isinstance(field, BoundedDateField)
    assert field.date_range.date_bounds() == (dt.date(1900, 1, 1), timezone.localdate())
    assert field.date_range.message() == "Must be between 1900-01-01 and today."


def test_a_definition_cannot_widen_the_core_range():
    from workflows.steps.form import _date_range

    wide = _date_range({"min": "0001-01-01", "max": "9999-12-31"}, birth_date=False)
    narrow = _date_range({"min": "2020-01-01", "max": "today"}, birth_date=False)
    birth = _date_range({"max": "2000-12-31"}, birth_date=True)

    assert wide.date_bounds() == (dt.date(1900, 1, 1), dt.date(2100, 12, 31))
    assert narrow.date_bounds() == (dt.date(2020, 1, 1), timezone.localdate())
    assert birth.message() == "Must be between 1900-01-01 and 2000-12-31."


@pytest.fixture
def pages(client, runner, customer_input, waiting_run) -> dict[str, PageCase]:
    client.force_login(runner)
    return harness.page_cases_by_view([
        PageCase("start", f"/workflows/start/{KEY}/", dict(customer_input), files=_statement),
        PageCase("step", f"/workflows/runs/{waiting_run.id}/steps/customer/",
                 dict(customer_input), files=_statement),
    ])  # fmt: skip


#: Every page of the app that takes a post, by URL name (tests/core/test_boundary_pages.py
#: checks the site has no other).
PAGE_FORMS = ["workflows:start", "workflows:step"]


@pytest.mark.parametrize("page", PAGE_FORMS)
def test_border_values_in_each_step_form_never_answer_5xx(client, pages, page):
    harness.check_page_form(client, pages[page])


@pytest.mark.parametrize("page", PAGE_FORMS)
def test_control_characters_in_each_step_form_field_are_a_form_error(client, pages, page):
    harness.check_page_form_control_characters(client, pages[page], keep="last_name")
