"""Pages: the start form (template download, errors on the form, values kept), the run page,
the result with its chart and table, the runs list; bad files never give a 500."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from core import present
from core.roles import Role
from tests.workflows.conftest import BAD_FILES, KEY, good_statement, replace_upload_bytes
from workflows import services
from workflows.models import WorkflowRun

pytestmark = pytest.mark.django_db
START = f"/workflows/start/{KEY}/"


@pytest.fixture
def runner_client(client, runner):
    client.force_login(runner)
    return client


def preview(client, customer_input, content=None, name="statement.xlsx", url=START, **overrides):
    """The form sent: the preview of what was read (200), or the form with its errors."""
    statement = SimpleUploadedFile(name, good_statement() if content is None else content)
    return client.post(url, {**customer_input, "statement": statement, **overrides})


def confirm(client, previewed, url=START):
    """The preview confirmed, as its buttons send it."""
    return client.post(url, {**dict(previewed.context["hidden"]), "action": "confirm"})


def post(client, customer_input, content=None, name="statement.xlsx", **overrides):
    """Upload, then confirm the preview (when there is one)."""
    response = preview(client, customer_input, content, name, **overrides)
    if response.status_code != 200:
        return response
    return confirm(client, response)


def test_the_start_form_shows_the_fields_the_layout_and_the_template_link(runner_client):
    page = runner_client.get(START)

    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    for name in ("first_name", "last_name", "date_of_birth", "statement"):
        assert f'name="{name}"' in page.text
    assert f'href="/workflows/template/{KEY}.xlsx"' in page.text
    assert "Exactly 12 months in a row, each once" in page.text
    assert "must follow each other" not in page.text
    assert "version" not in page.text.split("</header>")[-1]
    assert "one row per month under a header row" in page.text
    assert "the months across one row" in page.text


def test_the_template_is_a_workbook_with_the_last_12_months(runner_client):
    response = runner_client.get(f"/workflows/template/{KEY}.xlsx")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("month", "income", "expenses")
    assert len(rows) == 13
    assert all(len(row[0]) == 7 and row[1] is None for row in rows[1:])


def test_a_good_submission_goes_to_the_run_page(runner_client, customer_input):
    response = post(runner_client, customer_input)

    run = WorkflowRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workflows/runs/{run.id}/"
    page = runner_client.get(response["Location"])
    assert 'hx-trigger="every 1s' in page.text  # follows the run while it runs
    assert 'data-state="running"' in page.text
    fragment = runner_client.get(f"/workflows/runs/{run.id}/", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert 'id="run-live" hx-get=' in fragment.text


def test_a_followed_run_goes_to_its_result_once_complete(
    runner_client, customer_input, monkeypatch
):
    from workflows import selectors
    from workflows.models import RunStatus

    post(runner_client, customer_input)
    run = WorkflowRun.objects.get()
    WorkflowRun.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED)
    url = f"/workflows/runs/{run.id}/"

    # Complete without a chart: the fragment, no longer polling.
    monkeypatch.setattr(selectors, "workflow_run_chart", lambda run: None)
    response = runner_client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "hx-trigger" not in response.text

    # Complete with its chart: the browser is sent to the result.
    monkeypatch.setattr(selectors, "workflow_run_chart", lambda run: {"series": []})
    response = runner_client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/workflows/runs/{run.id}/result/"
    assert runner_client.get(url).status_code == 200  # without htmx: the page itself


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_each_bad_file_is_shown_on_the_form_with_the_other_values_kept(
    runner_client, customer_input, case
):
    bad = BAD_FILES[case]

    response = post(runner_client, customer_input, bad.content, bad.name)

    assert response.status_code == 400
    assert bad.expected.replace("'", "&#x27;") in response.text
    assert 'value="Lovelace"' in response.text
    assert 'value="1985-12-10"' in response.text
    assert not WorkflowRun.objects.exists()


def test_a_good_file_with_a_bad_field_is_kept_while_the_field_is_corrected(
    runner_client, customer_input
):
    response = preview(runner_client, customer_input, first_name="")

    assert response.status_code == 400
    assert "This field is required." in response.text
    assert "Kept: <strong>statement.xlsx</strong>" in response.text
    assert "Choose the file again" not in response.text
    assert 'value="Lovelace"' in response.text
    kept = response.context["kept"]["statement"]

    # The form sent again with the name corrected and no file chosen: the kept file is used.
    again = runner_client.post(START, {**customer_input, "statement__staged": kept.id})

    assert again.status_code == 200
    assert "12 months read, Jan 2025 to Dec 2025" in again.text
    assert confirm(runner_client, again).status_code == 302
    assert WorkflowRun.objects.count() == 1


def test_a_refused_file_offers_the_upload_again_with_the_answers_kept(
    runner_client, customer_input
):
    bad = BAD_FILES["11 months"]

    response = preview(runner_client, customer_input, bad.content, currency="GBP")

    assert response.status_code == 400
    assert "Correct the file and choose it again: your other answers are kept." in response.text
    assert 'value="Lovelace"' in response.text
    assert '<option value="GBP" selected>' in response.text
    assert "Kept:" not in response.text


def test_the_preview_shows_what_was_read_and_writes_nothing(runner_client, customer_input):
    from tests.workflows.corpus import GOOD_FILES

    good = GOOD_FILES["wide: title, 'Jan 2026' months, a Net row"]

    response = preview(runner_client, customer_input, good.content, "budget.xlsx", currency="GBP")

    assert response.status_code == 200
    assert not WorkflowRun.objects.exists()
    text = response.text
    assert "12 months read, Nov 2025 to Oct 2026" in text
    assert "sheet &#x27;Budget&#x27;: months across row 3, one row per figure" in text
    assert "Row 6 (&#x27;Net&#x27;): not one of income, expenses." in text
    assert "Rows 1 to" not in text  # the title above the months is not a skipped row here
    assert "£2,150.50" in text
    assert "£1,234.56" in text
    assert "£12,234.56" in text
    assert "Ada" in text
    assert "10 Dec 1985" in text
    assert 'name="action" value="confirm"' in text
    assert 'name="action" value="back"' in text

    back = runner_client.post(START, {**dict(response.context["hidden"]), "action": "back"})

    assert back.status_code == 200
    assert 'value="Lovelace"' in back.text
    assert "Kept: <strong>budget.xlsx</strong>" in back.text
    assert not WorkflowRun.objects.exists()

    started = confirm(runner_client, response)

    run = WorkflowRun.objects.get()
    assert started["Location"] == f"/workflows/runs/{run.id}/"
    assert run.step_results.get(step_id="customer").output["currency"] == "GBP"


def test_every_problem_the_service_found_is_on_the_form_once(runner_client, customer_input):
    bad = BAD_FILES["11 months"]

    response = post(runner_client, customer_input, bad.content, first_name="", last_name="x" * 101)

    assert response.status_code == 400
    form = response.context["form"]
    assert form.is_bound
    assert form.errors == {
        "first_name": ["This field is required."],
        "last_name": ["Ensure this value has at most 100 characters (it has 101)."],
        "statement": [bad.expected],
    }
    assert 'value="1985-12-10"' in response.text


def test_the_result_page_has_the_chart_and_the_numbers(runner_client, runner, customer_input):
    post(runner_client, customer_input)
    run = WorkflowRun.objects.get()
    assert runner_client.get(f"/workflows/runs/{run.id}/result/").status_code == 302  # not yet
    services.workflow_run_execute(run_id=run.id)

    page = runner_client.get(f"/workflows/runs/{run.id}/result/")

    assert page.status_code == 200
    assert "/static/vendor/plotly.min.js" in page.text
    assert 'id="wf-chart"' in page.text
    # Through core.present: the month by name, amounts with separators and cents.
    assert "<td>Jan 2025</td>" in page.text
    # In the statement's currency (the form's, EUR by default), as the locale writes it.
    assert '<td class="num">€2,000.00</td>' in page.text  # income of the first month
    assert '<td class="num">€500.00</td>' in page.text  # its net
    assert '<th class="num">€9,300.00</th>' in page.text  # the year's net
    assert "Jan 2025 to Dec 2025" in page.text
    assert "born 10 Dec 1985" in page.text
    chart = page.context["chart"]
    assert chart["series"][0]["text"][0] == "€2,000.00"  # the chart's hover says the same
    assert chart["y_title"] == "Amount (EUR)"
    assert chart["series"][0]["values"][0] == 2000.0
    detail = runner_client.get(f"/workflows/runs/{run.id}/")
    assert "See the result" in detail.text
    for label in ("Run started", "Step completed", "Run completed"):  # the trail, for people
        assert f'<div class="timeline-action">{label}</div>' in detail.text
    code = "workflows.completed"  # only in the attribute for machines, never as text
    assert detail.text.count(code) == detail.text.count(f'data-action="{code}"') == 1
    # The steps in words; the engineer's view (types, checksum, hashes) behind "Details".
    assert "Statement read: 12 months, Jan 2025 to Dec 2025." in detail.text
    assert "From statement.xlsx, sheet &#x27;Sheet&#x27;: one row per month, headers in row 1." in (
        detail.text
    )
    assert "Totals: Income €30,600.00, Expenses €21,300.00, Net €9,300.00." in detail.text
    assert "<dt>Date of birth</dt><dd>10 Dec 1985</dd>" in detail.text  # labels and values
    assert "<dt>Income and expenses (.xlsx or .csv)</dt><dd>statement.xlsx</dd>" in detail.text
    assert "<dt>Currency of the statement</dt><dd>EUR</dd>" in detail.text
    labels = re.findall(r"<dt>([^<]+)</dt>", detail.text)
    assert labels == [  # the form's order, whatever the database does with JSON keys
        "First name", "Last name", "Date of birth", "Currency of the statement",
        "Income and expenses (.xlsx or .csv)",
    ]  # fmt: skip
    shown, details = detail.text.split('<details class="wf-details')
    for engineer in ("excel_upload", "automatic", "sha256", run.definition.checksum[:8]):
        assert engineer not in shown.split("</header>")[-1], engineer
        assert engineer in details or engineer == "automatic", engineer
    upload = run.uploads.get()
    assert f"statement.xlsx: {present.file_size(upload.size)}, sha256" in details
    assert present.file_size(upload.size).endswith(" KiB")  # not "5123 bytes"
    download = runner_client.get(f"/workflows/uploads/{run.uploads.get().id}/")
    assert download.content == good_statement() or download.content[:2] == b"PK"


def test_the_runs_list_and_a_failed_run(runner_client, runner, customer_input):
    post(runner_client, customer_input)
    run = WorkflowRun.objects.get()
    replace_upload_bytes(run.uploads.get(), BAD_FILES["gap in the months"].content)
    services.workflow_run_execute(run_id=run.id)

    listing = runner_client.get("/workflows/")
    failed = runner_client.get("/workflows/?status=failed")
    detail = runner_client.get(f"/workflows/runs/{run.id}/")

    assert "Ada Lovelace (10 Dec 1985)" in listing.text
    assert "Failed: 1" in listing.text  # the status filter's label and count
    assert f'href="{START}"' in listing.text
    assert 'data-status="failed"' in failed.text
    assert "2025-04 missing between 2025-03 (A4) and 2025-05 (A5)." in detail.text
    # Spoken to the person: the tile says the steps by their titles, the row the step the run
    # stopped at by its title; no version, checksum or step id (those are in the run's Details).
    tile = listing.text.split('data-workflow="customer_income_expenditure"')[1].split("</div>")[0]
    assert (
        "Steps: Customer and their last 12 months · Read the income and expenses · "
        "Income and expenditure per month"
    ) in tile
    [row] = re.findall(r'<tr data-status="failed">.*?</tr>', failed.text, re.DOTALL)
    assert "<td>Read the income and expenses</td>" in row
    assert "<td>Customer income and expenditure</td>" in row
    for engineer in ("version", "checksum", run.definition.checksum[:8], " v2", ">statement<"):
        assert engineer not in listing.text, engineer
    details = detail.text.split('<details class="wf-details')[1].split("</details>")[0]
    assert f"version {run.definition.version}" in details  # folded, as on the run page


def test_a_waiting_run_takes_its_input_on_the_step_page(runner_client, runner, customer_input):
    run = services.workflow_run_start(key=KEY, actor=runner)
    url = f"/workflows/runs/{run.id}/steps/customer/"

    page = runner_client.get(url)
    assert page.status_code == 200
    assert ">the run started " in page.text  # the run it belongs to, not its id
    assert f"<code>{str(run.id)[:8]}</code>" not in page.text
    assert "version" not in page.text.split("</header>")[-1]
    previewed = preview(runner_client, customer_input, url=url)
    assert "Confirm and go on" in previewed.text
    response = confirm(runner_client, previewed, url=url)

    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == "running"


def test_other_roles_are_refused(client, user_factory):
    client.force_login(user_factory(username="sam", roles=[Role.SALES_AGENT]))

    assert client.get("/workflows/").status_code == 403
    assert client.get(START).status_code == 403


def test_the_dashboard_tile(runner_client):
    page = runner_client.get("/")

    assert 'data-app="workflows"' in page.text
    assert "/workflows/start/customer_income_expenditure/" in page.text
    assert "<dt>Waiting for input</dt>" in page.text  # the status's label, not its value


def test_times_are_shown_in_the_persons_zone_with_its_name(
    runner_client, runner, customer_input, time_machine
):
    time_machine.move_to(dt.datetime(2026, 1, 15, 12, 0, 5, tzinfo=dt.UTC), tick=False)
    post(runner_client, customer_input)
    run = WorkflowRun.objects.get()

    listing = runner_client.get("/workflows/").text
    detail = runner_client.get(f"/workflows/runs/{run.id}/").text

    assert "15 Jan 2026, 13:00 CET" in listing  # Europe/Paris, the site's zone
    assert "started 15 Jan 2026, 13:00:05 CET" in detail
    assert "<td>0 ms</td>" in detail  # the form step's duration


def test_the_admin_shows_definitions_runs_and_customers(
    client, user_factory, runner, customer_input
):
    admin = user_factory(username="root", is_staff=True, is_superuser=True)
    client.force_login(runner)
    post(client, customer_input)
    client.force_login(admin)
    run = WorkflowRun.objects.get()

    for url in (
        "/admin/workflows/workflowdefinition/",
        f"/admin/workflows/workflowdefinition/{run.definition_id}/change/",
        "/admin/workflows/workflowrun/",
        f"/admin/workflows/workflowrun/{run.id}/change/",
        "/admin/workflows/customer/",
        f"/admin/workflows/customer/{run.customer_id}/change/",
    ):
        assert client.get(url).status_code == 200, url
    spec_page = client.get(f"/admin/workflows/workflowdefinition/{run.definition_id}/change/")
    assert "excel_upload" in spec_page.text
    assert client.get("/admin/workflows/workflowdefinition/add/").status_code == 403


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def test_reading_pages_and_the_api_writes_nothing_even_when_a_file_changed(
    client, user_factory, runner, definitions_dir, customer_input
):
    """An edited (or broken) definition file is synced by migrate or the command, never by a
    GET: the pages and the API read the rows the last sync left."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = user_factory(username="root", is_staff=True, is_superuser=True)
    run = services.workflow_run_start(key=KEY, actor=runner)
    path = definitions_dir / f"{KEY}.yaml"
    path.write_text(path.read_text().replace("version: 2", "version: 3"))
    (definitions_dir / "broken.yaml").write_text("key: [")
    client.force_login(admin)

    for url in (
        "/workflows/",
        START,
        f"/workflows/template/{KEY}.xlsx",
        f"/workflows/runs/{run.id}/",
        f"/workflows/runs/{run.id}/steps/customer/",
        "/api/workflows/definitions/",
        f"/api/workflows/definitions/{KEY}/",
        "/api/workflows/runs/",
        f"/api/workflows/runs/{run.id}/",
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
        assert writes == [], url
    assert client.get("/api/workflows/definitions/").json()[0]["version"] == 2
    assert "broken.yaml" not in client.get("/workflows/").text  # not synced yet


def test_administrators_see_the_files_the_last_sync_refused(
    client, user_factory, runner, definitions_dir
):
    (definitions_dir / "broken.yaml").write_text("key: [")
    services.definitions_sync()

    client.force_login(runner)
    assert "broken.yaml" not in client.get("/workflows/").text
    client.force_login(user_factory(username="root", is_staff=True, is_superuser=True))
    page = client.get("/workflows/").text
    assert "Definition refused: broken.yaml: is not valid YAML" in page
    assert f'href="{START}"' in page  # the good one is still there


def test_a_confirmation_whose_file_expired_asks_for_it_again(runner_client, customer_input):
    previewed = preview(runner_client, customer_input)
    session = runner_client.session
    session["workflows_staged"] = {}  # expired, or the session changed
    session.save()

    response = confirm(runner_client, previewed)

    assert response.status_code == 400
    assert "The file was not kept (it expired after an hour); choose it again." in response.text
    assert 'value="Lovelace"' in response.text
    assert not WorkflowRun.objects.exists()


def test_the_runs_list_searches_sorts_pages_and_exports(runner_client, customer_input):
    post(runner_client, customer_input)
    post(runner_client, {**customer_input, "first_name": "Grace", "last_name": "Hopper"})

    page = runner_client.get("/workflows/?sort=customer").text
    assert page.index("Hopper") < page.index("Lovelace")
    assert 'aria-sort="ascending" data-column="customer"' in page
    assert "2 runs" in page
    assert "Hopper" not in runner_client.get("/workflows/?search=lovelace").text
    export = runner_client.get("/workflows/?search=hopper&export=csv")
    body = b"".join(export.streaming_content).decode()
    assert body.splitlines()[0].lstrip("\ufeff") == "Started,Workflow,Customer,Status,Step,By"
    assert "Grace Hopper" in body
    assert ",Customer income and expenditure,Grace Hopper," in body  # no "v2"
    assert ",Read the income and expenses," in body  # the step by its title, not 'statement'
    assert "Lovelace" not in body
