"""In a real browser: the KAM's landing page, and logging a call with one click."""

import datetime as dt

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
