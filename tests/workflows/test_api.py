"""The API: definitions, start a run (multipart), submit a step, a run with its chart data;
every bad file is a 400 with the project's error shape, never a 500."""

import pytest

from core.roles import Role
from tests.workflows.conftest import BAD_FILES, KEY, good_statement
from workflows import services
from workflows.models import RunStatus, WorkflowRun

pytestmark = pytest.mark.django_db


def multipart(customer_input, content=None, name="statement.xlsx", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "definition": KEY,
        **customer_input,
        "statement": SimpleUploadedFile(name, good_statement() if content is None else content),
        **extra,
    }


def test_definitions_are_listed_with_their_steps_and_template(runner_api):
    response = runner_api.get("/api/workflows/definitions/")

    assert response.status_code == 200
    [definition] = response.json()
    assert definition["key"] == KEY
    assert definition["start_step"] == "customer"
    assert [s["type"] for s in definition["steps"]] == ["form", "excel_upload", "chart"]
    assert definition["template_url"] == f"/workflows/template/{KEY}.xlsx"
    detail = runner_api.get(f"/api/workflows/definitions/{KEY}/").json()
    assert detail["spec"]["steps"][1]["config"]["rows"] == {"exactly": 12}
    assert runner_api.get("/api/workflows/definitions/nope/").status_code == 404


def test_start_a_run_with_its_form_and_file(runner_api, customer_input):
    response = runner_api.post(
        "/api/workflows/runs/", multipart(customer_input), format="multipart"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "running"
    assert body["current_step"] == "statement"
    assert body["customer"]["last_name"] == "Lovelace"
    assert body["definition"]["key"] == KEY
    assert body["uploads"][0]["original_name"] == "statement.xlsx"
    assert body["steps"][0]["output"]["first_name"] == "Ada"
    assert body["chart"] is None


def test_a_run_has_its_chart_data_once_done(runner_api, customer_input):
    run_id = runner_api.post(
        "/api/workflows/runs/", multipart(customer_input), format="multipart"
    ).json()["id"]
    services.workflow_run_execute(run_id=run_id)

    body = runner_api.get(f"/api/workflows/runs/{run_id}/").json()

    assert body["status"] == "completed"
    assert body["chart"]["x"] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert body["chart"]["series"][0]["values"][0] == 2000.0
    assert body["chart"]["series"][2]["exact"][-1] == "1050.00"
    listed = runner_api.get("/api/workflows/runs/?status=completed").json()
    assert [run["id"] for run in listed["results"]] == [run_id]


def test_a_csv_statement_in_the_wide_layout_with_a_currency(runner_api, customer_input):
    from tests.workflows.corpus import GOOD_FILES, INCOME

    good = GOOD_FILES["csv, wide"]
    created = runner_api.post(
        "/api/workflows/runs/",
        multipart(customer_input, good.content, "statement.csv", currency="USD"),
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    services.workflow_run_execute(run_id=created.json()["id"])

    body = runner_api.get(f"/api/workflows/runs/{created.json()['id']}/").json()

    assert body["chart"]["currency"] == "USD"
    assert body["chart"]["series"][0]["exact"] == [str(value) for value in INCOME]
    statement = next(step for step in body["steps"] if step["step_id"] == "statement")
    assert statement["output"]["layout"] == "months across row 1, one row per figure"
    assert statement["output"]["format"] == "csv"


def test_without_a_currency_the_default_is_used(runner_api, customer_input, settings):
    settings.WORKFLOWS_DEFAULT_CURRENCY = "GBP"
    run_id = runner_api.post(
        "/api/workflows/runs/", multipart(customer_input), format="multipart"
    ).json()["id"]
    services.workflow_run_execute(run_id=run_id)

    assert runner_api.get(f"/api/workflows/runs/{run_id}/").json()["chart"]["currency"] == "GBP"


def test_an_unknown_currency_is_a_400_on_its_field(runner_api, customer_input):
    response = runner_api.post(
        "/api/workflows/runs/", multipart(customer_input, currency="XXX"), format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["currency"]


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_each_bad_file_is_a_400_naming_the_problem(runner_api, customer_input, case):
    bad = BAD_FILES[case]

    response = runner_api.post(
        "/api/workflows/runs/", multipart(customer_input, bad.content, bad.name), format="multipart"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["statement"]
    assert any(bad.expected in message for message in error["fields"]["statement"])
    assert not WorkflowRun.objects.exists()


def test_missing_and_bad_fields_are_400_with_field_messages(runner_api):
    response = runner_api.post(
        "/api/workflows/runs/",
        {"definition": KEY, "first_name": "Ada", "date_of_birth": "10/12/1985"},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "last_name": ["This field is required."],
        "date_of_birth": ["Enter a valid date."],
        "statement": ["This field is required."],
    }


def test_json_input_with_nested_values_is_a_400(runner_api):
    response = runner_api.post(
        "/api/workflows/runs/", {"definition": KEY, "first_name": {"a": 1}}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["first_name"] == [
        "Must be a single text, number or date value."
    ]


def test_an_unknown_workflow_is_a_400(runner_api):
    response = runner_api.post("/api/workflows/runs/", {"definition": "nope"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"definition": ["Unknown workflow 'nope'."]}


def test_submit_the_step_a_run_waits_for(runner_api, customer_input):
    run = runner_api.post("/api/workflows/runs/", {"definition": KEY}, format="json").json()
    assert (run["status"], run["current_step"]) == ("waiting", "customer")
    url = f"/api/workflows/runs/{run['id']}/steps/customer/"
    data = multipart(customer_input)
    data.pop("definition")

    bad = runner_api.post(url, {**data, "statement": multipart(customer_input, b"x")["statement"]},
                          format="multipart")  # fmt: skip
    good = runner_api.post(url, data, format="multipart")
    again = runner_api.post(url, multipart(customer_input), format="multipart")

    assert bad.status_code == 400
    assert good.status_code == 200
    assert good.json()["status"] == "running"
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert runner_api.post(f"/api/workflows/runs/{run['id']}/steps/chart/", {}).status_code == 409
    assert runner_api.post(f"/api/workflows/runs/{run['id']}/steps/nope/", {}).status_code == 400


def test_unknown_runs_are_404(runner_api):
    assert runner_api.get("/api/workflows/runs/not-a-uuid/").status_code == 404
    missing = "/api/workflows/runs/00000000-0000-0000-0000-000000000000/"
    assert runner_api.get(missing).status_code == 404
    assert runner_api.post(missing + "steps/customer/", {}).status_code == 404


def test_permissions(api_client, user_factory, token_client):
    assert api_client.get("/api/workflows/runs/").status_code == 401
    sales = token_client(user_factory(username="sam", roles=[Role.SALES_AGENT]))
    assert sales.get("/api/workflows/runs/").status_code == 403
    assert sales.post("/api/workflows/runs/", {"definition": KEY}).status_code == 403
    for role in (Role.ANALYST, Role.RISK_ANALYST):
        client = token_client(user_factory(username=role.value, roles=[role]))
        assert client.post("/api/workflows/runs/", {"definition": KEY}).status_code == 201
    staff = token_client(user_factory(username="st", is_staff=True))
    assert staff.get("/api/workflows/runs/").status_code == 403  # the admin flag is no role
    officer = token_client(user_factory(username="lo", roles=[Role.LOAN_OFFICER]))
    assert officer.get("/api/workflows/runs/").status_code == 200


def test_a_bad_status_filter_is_a_400(runner_api):
    response = runner_api.get("/api/workflows/runs/?status=done")

    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]
    assert RunStatus.COMPLETED in response.json()["error"]["fields"]["status"][0]


def test_the_runs_list_filters_through_the_selector(runner_api, runner):
    waiting = services.workflow_run_start(key=KEY, actor=runner)

    def ids(query):
        response = runner_api.get(f"/api/workflows/runs/?{query}")
        assert response.status_code == 200, response.json()
        return [run["id"] for run in response.json()["results"]]

    assert ids("status=waiting") == [str(waiting.id)]
    assert ids(f"definition={KEY}") == [str(waiting.id)]
    assert ids("definition=other") == []
    assert ids("status=completed") == []
    assert ids("search=nobody") == []  # DRF's search and ordering still apply
