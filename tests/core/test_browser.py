"""In a real browser: an administrator signs in and sees the tile of every app."""

import pytest

from core.dashboard import DASHBOARD_APPS
from tests.harness.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_and_see_the_dashboard(page, user_factory):
    user_factory(username="olga", first_name="Olga", is_superuser=True)  # every role

    page.goto("/")
    assert "/accounts/login/" in page.url  # anonymous visitors are sent to sign in

    page.fill("#id_username", "olga")
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url("**/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.locator(".tile").count() == len(DASHBOARD_APPS)
    assert page.get_by_text("Signed in as olga").is_visible()
    # The stylesheet really loaded (served from our static files, not a CDN).
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    screenshot(page, "dashboard")


def test_a_wrong_password_shows_a_form_error(page, user_factory):
    user_factory(username="olga")

    page.goto("/accounts/login/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", "wrong")
    page.get_by_role("button", name="Sign in").click()

    assert page.get_by_text("correct username and password").is_visible()
