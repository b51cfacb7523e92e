"""In a real browser: fill the form, upload the statement, check what was read (the preview),
go back and confirm, follow the run, see the chart in the statement's currency."""

import re

import pytest

from core.roles import Role
from tests.harness.browser import screenshot
from tests.workflows.conftest import BAD_FILES, KEY, good_statement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_fill_the_form_upload_the_file_and_see_the_chart(page, live_worker, user_factory, tmp_path):
    user_factory(username="ana", roles=[Role.ANALYST])
    good = tmp_path / "statement.xlsx"
    good.write_bytes(good_statement())
    bad = tmp_path / "eleven.xlsx"
    bad.write_bytes(BAD_FILES["11 months"].content)

    page.goto(f"/accounts/login/?next=/workflows/start/{KEY}/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/workflows/start/{KEY}/")
    assert page.get_by_role("link", name="Download the template (.xlsx)").is_visible()

    page.fill("#id_first_name", "Ada")
    page.fill("#id_last_name", "Lovelace")
    page.fill("#id_date_of_birth", "1985-12-10")
    page.select_option("#id_currency", "GBP")
    page.set_input_files("#id_statement", str(bad))
    page.get_by_role("button", name="Continue").click()
    assert page.locator("#errors-statement").inner_text() == "Expected exactly 12 months, found 11."
    assert page.input_value("#id_last_name") == "Lovelace"  # the other values are kept
    assert page.input_value("#id_currency") == "GBP"
    assert page.locator("#again-statement").is_visible()  # the upload is offered again
    screenshot(page, "workflows-form-errors")

    page.set_input_files("#id_statement", str(good))
    page.get_by_role("button", name="Continue").click()

    # The preview: what was read, nothing started yet.
    assert page.get_by_role("heading", name="12 months read, Jan 2025 to Dec 2025").is_visible()
    assert "sheet 'Sheet': one row per month, headers in row 1" in page.locator(
        "#wf-preview-where").inner_text()  # fmt: skip
    rows = page.locator("#wf-preview-numbers tbody tr")
    assert rows.count() == 12
    assert rows.first.locator("td").all_inner_texts() == [
        "Jan 2025",
        "£2,000.00",
        "£1,500.00",
        "A2",
    ]
    screenshot(page, "workflows-preview")

    # Go back: the answers and the file are kept; continue again without choosing it.
    page.get_by_role("button", name="Go back and change").click()
    assert page.input_value("#id_first_name") == "Ada"
    assert "Kept: statement.xlsx" in page.locator("#kept-statement").inner_text()
    page.fill("#id_first_name", "Augusta Ada")
    page.get_by_role("button", name="Continue").click()
    assert "Augusta Ada" in page.locator("#wf-preview-answers").inner_text()
    page.get_by_role("button", name="Confirm and start").click()
    page.wait_for_url("**/workflows/runs/*/result/", timeout=30_000)  # after the worker's steps

    page.wait_for_selector("#wf-chart[data-rendered='true'] .js-plotly-plot, "
                           "#wf-chart.js-plotly-plot[data-rendered='true']")  # fmt: skip
    assert page.locator("#wf-chart .main-svg").count() >= 1
    assert page.locator("#wf-chart .trace.bars, #wf-chart .barlayer .trace").count() >= 2
    assert page.locator("#wf-numbers tbody tr").count() == 12
    # Numbers and months through core.present: separators and cents, months by name.
    first = page.locator("#wf-numbers tbody tr").first
    assert first.locator("td").all_inner_texts() == [
        "Jan 2025", "£2,000.00", "£1,500.00", "£500.00",
    ]  # fmt: skip
    assert page.locator("#wf-numbers tfoot th").all_inner_texts()[1:] == [
        "£30,600.00", "£21,300.00", "£9,300.00",
    ]  # fmt: skip
    assert page.get_by_role("heading", name="Income and expenditure per month").is_visible()
    screenshot(page, "workflows-chart")

    page.get_by_role("link", name="← The run and its history").click()
    assert page.locator(".wf-step[data-state='completed']").count() == 3
    history = page.locator("#wf-history").inner_text()
    assert "Statement read: 12 months, Jan 2025 to Dec 2025." in history
    assert "Totals: Income £30,600.00, Expenses £21,300.00, Net £9,300.00." in history
    assert not page.locator("#wf-details table").is_visible()  # the engineer's view, folded
    page.locator("#wf-details summary").click()
    assert page.locator("#wf-details table").is_visible()
    assert "excel_upload" in page.locator("#wf-details").inner_text()
    # The start and each step's time with the zone named; the trail by its labels.
    zone = r"(CET|CEST)"
    assert re.search(rf"started \d{{1,2}} \w{{3}} \d{{4}}, \d\d:\d\d:\d\d {zone}",
                     page.locator(".page-header").inner_text())  # fmt: skip
    assert page.locator(".timeline-action").all_inner_texts() == [
        "Run completed", "Step completed", "Run started",
    ]  # fmt: skip
    assert (
        "Status: Waiting for input → Running (automatic steps)"
        in page.locator(".timeline").inner_text()
    )
    screenshot(page, "workflows-run")

    page.goto("/workflows/")
    assert page.locator("tr[data-status='completed']").count() == 1
    screenshot(page, "workflows-list")
