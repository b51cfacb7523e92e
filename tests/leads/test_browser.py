"""In a real browser: the Qualify button shows each check as it finishes, then the decision."""

import datetime

import pytest

from tests.harness.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


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

    page.goto("/accounts/login/")
    page.fill("#id_username", agent.username)
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_role("button", name="Qualify").click()

    registry = page.locator('[data-check="registry"] [data-field="status"]')
    archives = page.locator('[data-check="archives"] [data-field="status"]')
    registry.filter(has_text="Passed").wait_for(timeout=15_000)
    assert archives.text_content() == "Pending", "the registry is shown before the archives end"
    screenshot(page, "leads-qualify-in-progress")

    page.locator("#lead-stage", has_text="Prospect").wait_for(timeout=20_000)
    assert page.locator('[data-check="scoring"] [data-field="status"]').text_content() == "Passed"
    screenshot(page, "leads-qualified")
