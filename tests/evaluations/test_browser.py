"""In a real browser: evaluate a company from the form, then see its score chart drawn."""

import pytest

from core.roles import Role
from tests.harness.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_from_the_form_and_see_the_chart(page, user_factory, fake_sources):
    user_factory(username="ana", roles=[Role.ANALYST])
    page.goto("/accounts/login/?next=/evaluations/new/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/evaluations/new/")

    page.select_option("#id_kind", "VAT")
    page.fill("#id_value", "IE6388047X")
    page.get_by_role("button", name="Evaluate").click()
    assert page.locator(".errorlist").first.is_visible()  # the form error, on the page

    page.fill("#id_value", "IE6388047V")
    page.get_by_role("button", name="Evaluate").click()
    page.wait_for_url("**/evaluations/*/")

    page.wait_for_selector("#score-chart[data-rendered='true'] .main-svg")
    assert page.get_by_role("heading", name="Score over time").is_visible()
    screenshot(page, "evaluation-detail")
