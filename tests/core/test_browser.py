"""In a real browser: an administrator signs in and sees the tile of every app."""

import re

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


def _sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


@pytest.mark.urls("tests.core.error_urls")
@pytest.mark.parametrize(
    ("path", "status", "heading", "next_step"),
    [
        ("/loans/no-such-page/", 404, "Page not found", "Back to loans"),
        (
            "/test-errors/guarded/",
            403,
            "You do not have access to this page",
            "Back to the dashboard",
        ),
        ("/test-errors/broken/", 500, "Something went wrong on our side", "Back to the dashboard"),
        ("/test-errors/bad/", 400, "The request could not be understood", "Back to the dashboard"),
    ],
)
def test_error_pages_look_like_the_site_and_say_what_to_do(
    page, user_factory, path, status, heading, next_step
):
    user_factory(username="olga")
    _sign_in(page, "olga")

    response = page.goto(path)

    assert response.status == status
    assert page.get_by_role("heading", name=heading).is_visible()
    assert page.get_by_role("link", name=next_step).is_visible()
    assert page.get_by_role("link", name="Dashboard", exact=True).is_visible()  # site nav
    reference = page.locator("#request-id")
    assert reference.is_visible()
    assert reference.inner_text() == response.headers["x-request-id"]
    # Styled by the site's stylesheet: a card on the page, not a bare browser default.
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    assert page.locator(".error-page").evaluate("e => getComputedStyle(e).textAlign") == "center"
    screenshot(page, f"error-{status}")


def test_the_dashboard_warns_when_a_queue_has_stopped(page, user_factory):
    from datetime import timedelta

    from django.utils import timezone

    from core.models import QueueHeartbeat

    now = timezone.now()
    QueueHeartbeat.objects.create(queue="default", received_at=now, hostname="w1", pid=1)
    QueueHeartbeat.objects.create(
        queue="polling", received_at=now - timedelta(minutes=7), hostname="p1", pid=2
    )
    user_factory(username="olga")
    _sign_in(page, "olga")

    alert = page.get_by_role("alert")
    assert alert.get_by_role("heading", name="Background work has stopped").is_visible()
    assert "The polling queue (asking the bank for loan decisions)" in alert.inner_text()
    assert re.search(r"\(7 min 0\d s ago\)", alert.inner_text()), alert.inner_text()
    assert "default" not in alert.locator("li").inner_text()
    assert page.locator("tr", has_text="polling").get_by_text("stopped").is_visible()
    screenshot(page, "dashboard-queue-stopped")


def test_the_top_bar_search_as_two_kams(page, user_factory):
    """A KAM finds their own account from the top bar, not another KAM's; the other finds
    theirs; what was typed stays out of the address bar."""
    from django.contrib.auth.models import Group

    from core.roles import Role
    from kam.models import Restaurant

    for role in Role:
        Group.objects.get_or_create(name=role.group_name)
    ann = user_factory(username="kam-ann", roles=[Role.KEY_ACCOUNT_MANAGER])
    bob = user_factory(username="kam-bob", roles=[Role.KEY_ACCOUNT_MANAGER])
    for owner, name in ((ann, "Chez Martine"), (bob, "Martine's Grill")):
        Restaurant.objects.create(
            name=name, city="Lyon", country="FR", time_zone="Europe/Paris", currency="EUR",
            owner=owner,
        )  # fmt: skip

    def search_as(user) -> list[str]:
        page.context.clear_cookies()
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", "correct horse battery staple")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")
        page.fill("#top-search", "martine")
        page.press("#top-search", "Enter")
        page.wait_for_selector("#search-summary")
        assert page.url.endswith("/search/")  # the words are not in the URL
        return page.locator(".search-hits a").all_inner_texts()

    assert search_as(ann) == ["Chez Martine"]
    screenshot(page, "search-kam")
    assert search_as(bob) == ["Martine's Grill"]


def test_a_person_chooses_their_time_zone(page, user_factory):
    user_factory(username="olga", roles=[])
    page.goto("/accounts/login/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.get_by_role("link", name="olga").click()
    page.wait_for_url("**/profile/")
    page.select_option("#id_time_zone", "Asia/Kolkata")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Times are now shown in Asia/Kolkata.")
    assert page.locator("#now").inner_text().endswith("IST")
    screenshot(page, "profile")
