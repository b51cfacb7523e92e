"""In a real browser: the Qualify button shows each check as it finishes, then the decision;
the pages show dates with their zone, durations and labels, never raw values."""

import datetime
import re

import pytest

from leads.models import QualificationRun, RunStatus, Stage
from leads.services import lead_create, lead_update
from tests.harness.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


@pytest.mark.integration
def test_qualify_shows_the_checks_as_they_finish(
    page, live_worker, simulators, agent, lead_factory
):
    simulators.configure("registry", latency_ms=100)
    simulators.configure("archives", latency_ms=2500)
    lead = lead_factory(
        owner=agent,
        first_name="Alice",
        last_name="Martin",
        birth_date=datetime.date(1984, 5, 12),
        national_id="284057511604514",
    )

    sign_in(page, agent)
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_role("button", name="Qualify").click()

    registry = page.locator('[data-check="registry"] [data-field="status"]')
    archives = page.locator('[data-check="archives"] [data-field="status"]')
    registry.filter(has_text="Passed").wait_for(timeout=15_000)
    assert archives.text_content() == "Pending", "the registry is shown before the archives end"
    # Written by the script from the server's texts, as the template would.
    latency = page.locator('[data-check="registry"] [data-field="latency"]').text_content()
    assert re.fullmatch(r"\d+ ms", latency), latency
    screenshot(page, "leads-qualify-in-progress")

    page.locator("#lead-stage", has_text="Prospect").wait_for(timeout=20_000)
    assert page.locator('[data-check="scoring"] [data-field="status"]').text_content() == "Passed"
    screenshot(page, "leads-qualified")


def test_the_lead_pages_show_dates_with_their_zone_durations_and_labels(page, agent, role_groups):
    lead = lead_create(
        actor=agent,
        first_name="Alice",
        last_name="Martin",
        birth_date=datetime.date(1984, 5, 12),
        national_id="2 84 05 75 116 045 14",
        email="alice@example.test",
        phone="+33 6 12 34 56 78",
    )
    lead_update(lead_id=lead.pk, actor=agent, phone="+33 1 00 00 00 00")
    at = datetime.datetime(2026, 11, 20, 9, 5, 7, tzinfo=datetime.UTC)
    QualificationRun.objects.create(
        lead=lead,
        status=RunStatus.DONE,
        source="cli",
        outcome=Stage.REJECTED,
        score=42,
        created_at=at - datetime.timedelta(hours=1),
        started_at=at,
        finished_at=at + datetime.timedelta(milliseconds=1520),
    )
    run = QualificationRun.objects.create(
        lead=lead,
        status=RunStatus.DONE,
        source="page",
        requested_by=agent,
        outcome=Stage.NEEDS_REVIEW,
        created_at=at,
        reference="0f1e2d3c4b5a6978",
    )
    run.checks.create(system="registry", status="passed", latency_ms=312.4)
    run.checks.create(
        system="archives",
        status="unavailable",
        reason="the judicial archives did not answer (HTTP 503)",
        latency_ms=8000,
    )
    run.checks.create(system="scoring", status="skipped", reason="not needed: a check did not pass")
    lead.stage = Stage.NEEDS_REVIEW
    lead.save(update_fields=["stage"])

    sign_in(page, agent)
    page.goto("/leads/")
    assert page.locator('a.badge[data-stage="needs_review"]').inner_text() == "Needs review: 1"
    row = page.locator('#pipeline tr[data-stage="needs_review"]')
    assert row.locator("td").nth(2).inner_text() == "Needs review"
    screenshot(page, "leads-pipeline")
    row.get_by_role("link", name="Alice Martin").click()

    page.wait_for_url(f"**/leads/{lead.pk}/")
    assert page.locator("#lead-stage").inner_text() == "Needs review"
    assert page.locator(".lead-facts").get_by_text("12 May 1984").is_visible()
    assert page.locator('[data-field="requested-at"]').inner_text() == "20 Nov 2026, 10:05:07 CET"
    rows = page.locator("#run tbody tr")
    assert [rows.nth(i).inner_text().split("\t")[:3] for i in range(3)] == [
        ["National registry", "Passed", "312 ms"],
        ["Judicial archives", "Unavailable", "8 s"],
        ["Qualification scoring", "Skipped", "—"],
    ]
    earlier = page.locator("section", has_text="Earlier runs").locator("tbody tr")
    assert earlier.inner_text().split("\t")[1:] == [
        "20 Nov 2026, 09:05:07 CET",
        "Rejected",
        "42",
        "1.5 s",
    ]
    history = page.locator(".timeline-item")
    assert history.count() == 2
    assert history.nth(0).locator(".timeline-action").inner_text() == "Lead updated"
    assert history.nth(1).locator(".timeline-action").inner_text() == "Lead created"
    assert history.nth(0).locator(".timeline-changes").inner_text() == (
        "Phone: +33 6 12 34 56 78 → +33 1 00 00 00 00"
    )
    assert re.fullmatch(
        r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2}:\d{2} CES?T", history.nth(0).locator("time").inner_text()
    )
    assert "leads." not in page.locator(".timeline").inner_text()
    screenshot(page, "leads-lead-page")


def test_a_sales_agent_edits_a_lead_and_sees_four_field_errors_at_once(page, agent):
    lead = lead_create(
        actor=agent, first_name="Lea", last_name="Martin", birth_date=datetime.date(1984, 5, 12),
        national_id="284057511604514", email="lea@example.test", phone="+33612345678",
    )  # fmt: skip
    sign_in(page, agent)
    page.goto(f"/leads/{lead.pk}/")
    page.click("#edit-lead")
    page.fill("#id_first_name", "")
    page.fill("#id_email", "not-an-email")
    page.fill("#id_birth_date", "1850-01-01")
    page.fill("#id_national_id", "2 84 05 75 116 045 15")
    page.get_by_role("button", name="Save the lead").click()

    errors = page.locator(".field.has-error")
    assert errors.count() == 4
    assert sorted(errors.locator("label").all_inner_texts()) == [
        "Birth date", "Email", "First name", "National id",
    ]  # fmt: skip
    screenshot(page, "leads-edit-four-errors")

    page.fill("#id_first_name", "Léa")
    page.fill("#id_email", "lea.martin@example.test")
    page.fill("#id_birth_date", "1984-05-12")
    page.fill("#id_national_id", "2 84 05 75 116 045 14")
    page.get_by_role("button", name="Save the lead").click()
    page.wait_for_url(f"**/leads/{lead.pk}/")
    assert "Lead Léa Martin saved." in page.locator(".messages").inner_text()
