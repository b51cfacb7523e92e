"""In a real browser: the KAM's landing page, and logging a call with one click."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.models import Interaction
from tests.harness.browser import screenshot
from tests.kam.conftest import ContactFactory, OrderFactory, RestaurantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_landing_page_logs_a_call_in_one_click(page, kam):
    now = timezone.now()
    late = RestaurantFactory(owner=kam, name="Le Train Bleu", city="Paris", band="at_risk",
                             next_call_due_at=now - dt.timedelta(days=2))  # fmt: skip
    ContactFactory(
        restaurant=late, name="Marie Curie", is_primary=True, preferred_hours="14:00-16:00"
    )
    today = RestaurantFactory(owner=kam, name="Spice Route", city="Mumbai", country="IN",
                              time_zone="Asia/Kolkata", currency="INR", band="well_performing",
                              next_call_due_at=now + dt.timedelta(minutes=5))  # fmt: skip
    ContactFactory(restaurant=today, name="Arjun Patel", phone="+919812345678", is_primary=True)
    RestaurantFactory(owner=kam, name="Golden Grill", city="Los Angeles",
                      time_zone="America/Los_Angeles", currency="USD",
                      next_call_due_at=now + dt.timedelta(days=3))  # fmt: skip
    OrderFactory(restaurant=late, placed_at=now - dt.timedelta(days=20))

    page.goto("/accounts/login/")
    page.fill("#id_username", kam.username)
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.goto("/kam/")

    overdue = page.locator('[data-group="overdue"]')
    assert overdue.get_by_text("Le Train Bleu").is_visible()
    headings = page.locator(".calls-group h2").all_text_contents()
    assert headings[0].startswith("Overdue")
    screenshot(page, "kam-landing")

    row = page.locator(f'tr[data-account="{late.pk}"]')
    row.get_by_role("button", name="Connected").click()
    page.locator(".messages", has_text="Call to Le Train Bleu logged").wait_for()

    assert page.locator('[data-group="overdue"]').count() == 0
    assert Interaction.objects.filter(restaurant=late, outcome="connected").exists()
    screenshot(page, "kam-landing-after-call")

    page.goto(f"/kam/accounts/{late.pk}/")
    page.locator("#order-chart .main-svg").first.wait_for()
    screenshot(page, "kam-account")

    page.goto("/kam/performance/")
    page.get_by_role("heading", name="Account performance").wait_for()
    screenshot(page, "kam-performance")


def _sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def test_the_pages_show_money_times_with_their_zone_and_labels(page, kam):
    now = timezone.now()
    account = RestaurantFactory(owner=kam, name="Spice Route", city="Mumbai", country="IN",
                                time_zone="Asia/Kolkata", currency="INR", band="at_risk",
                                next_call_due_at=now - dt.timedelta(days=1))  # fmt: skip
    OrderFactory(restaurant=account, amount=Decimal("123456.50"), currency="INR",
                 placed_at=now - dt.timedelta(days=2))  # fmt: skip
    Interaction.objects.create(restaurant=account, kind="call", outcome="no_answer",
                               occurred_at=now - dt.timedelta(days=3))  # fmt: skip
    _sign_in(page, kam)

    page.goto("/kam/")
    row = page.locator(f'tr[data-account="{account.pk}"]')
    # The restaurant's time with its zone, the KAM's (no profile: the site's, Paris) beside it.
    assert re.search(r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2} IST$", row.locator(".due-at").inner_text())
    assert re.search(r"yours: .* (CET|CEST)$", row.locator(".your-time").inner_text())
    assert row.locator(".last-outcome").inner_text() == "No answer"  # not "Noanswer"
    assert row.get_by_text("At risk").is_visible()

    row.get_by_role("button", name="Busy").click()
    page.locator(".messages", has_text="Call to Spice Route logged (busy)").wait_for()
    assert re.search(
        r"next call .* IST \(restaurant time\)", page.locator(".messages").inner_text()
    )

    page.goto(f"/kam/accounts/{account.pk}/")
    # The rupee sign from the account's currency, the grouping of the site's locale (en-GB).
    assert page.locator("#revenue-30d").inner_text() == "₹123,456.50"
    assert page.get_by_text("Order ₹123,456.50").is_visible()
    assert page.locator("#last-call").inner_text().endswith("IST · Busy")
    history = page.locator("ol.timeline")
    assert history.get_by_text("Call logged").first.is_visible()
    assert history.get_by_text("Account created").count() == 0  # made by the factory
    text = history.inner_text()
    assert "kam.call_logged" not in text
    assert "Next call due at" in text
    screenshot(page, "kam-account-presented")

    page.goto("/kam/performance/")
    assert page.get_by_text("₹123,456.50").first.is_visible()
    page.goto("/kam/accounts/")
    cell = page.locator(f'a[href="/kam/accounts/{account.pk}/"]').locator(
        "xpath=ancestor::tr").locator("td").last.inner_text()  # fmt: skip
    restaurant_time, yours = cell.split("\n")
    assert re.search(r"IST$", restaurant_time)  # the restaurant's time first
    assert re.search(r"^yours: .* (CET|CEST)$", yours)  # then the person's, beside


def test_a_kam_lead_reassigns_three_accounts_from_the_list(page, kam, other_kam, kam_lead):
    names = ["Bistro Alpha", "Bistro Beta", "Bistro Gamma"]
    accounts = [RestaurantFactory(owner=kam, name=name) for name in names]
    RestaurantFactory(owner=kam, name="Café Stays")

    page.goto("/accounts/login/")
    page.fill("#id_username", kam_lead.username)
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.goto("/kam/accounts/")
    for name in names:
        page.get_by_label(f"Select {name}").check()
    page.get_by_role("button", name="Reassign the selected accounts…").click()
    page.select_option("#id_kam", label=other_kam.username)
    page.fill("#id_reason", "New territory")
    page.get_by_role("button", name="Review the change").click()

    moves = page.locator("#moves tbody tr")
    assert moves.count() == 3
    assert page.locator("#confirm-title").inner_text() == (
        f"Confirm: 3 accounts to {other_kam.username}"
    )
    assert all(kam.username in row for row in moves.all_inner_texts())
    screenshot(page, "kam-reassign-confirm")
    page.get_by_role("button", name="Reassign 3 accounts").click()
    page.wait_for_url("**/kam/accounts/")

    assert f"3 accounts moved to {other_kam.username}." in page.locator(".messages").inner_text()
    for account in accounts:
        account.refresh_from_db()
        assert account.owner == other_kam
    screenshot(page, "kam-reassign-done")
