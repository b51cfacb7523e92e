"""In a real browser: evaluate a company from the form, then see its score chart drawn with a
date axis; the list and the detail show labels, scores and moments with their zone through
the core helpers, and the history through the timeline."""

import datetime as dt
import re

import pytest

from core.roles import Role
from evaluations.models import Reason, State
from tests.harness.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
#: 16:05 UTC is 17:05 in Paris (TIME_ZONE) in January: CET.
EVALUATED_AT = dt.datetime(2026, 1, 15, 16, 5, tzinfo=dt.UTC)


def sign_in(page, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_url}")


def test_create_from_the_form_and_see_the_chart(page, user_factory, fake_sources):
    user_factory(username="ana", roles=[Role.ANALYST])
    sign_in(page, "ana", "/evaluations/new/")

    page.select_option("#id_kind", "VAT")
    page.fill("#id_value", "IE6388047X")
    page.get_by_role("button", name="Evaluate").click()
    assert page.locator(".errorlist").first.is_visible()  # the form error, on the page

    page.fill("#id_value", "IE6388047V")
    page.get_by_role("button", name="Evaluate").click()
    page.wait_for_url("**/evaluations/*/")

    page.wait_for_selector("#score-chart[data-rendered='true'] .main-svg")
    assert page.get_by_role("heading", name="Score over time").is_visible()
    # The time axis reads in days ("29 Nov 2026"), never in (milli)seconds, and names the zone.
    ticks = page.locator("#score-chart .xtick text").all_text_contents()
    assert len(ticks) >= 3
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", tick) for tick in ticks), ticks
    assert re.fullmatch(
        r"date \((CET|CEST)\)", page.locator("#score-chart .g-xtitle text").text_content()
    )
    # The history: the action's label, the fields' labels and the values' labels.
    timeline = page.locator(".timeline-item").first
    assert timeline.locator(".timeline-action").inner_text() == "Evaluated for the first time"
    assert "State: — → Favorable" in timeline.inner_text()
    assert "evaluations.created" not in page.locator(".timeline").inner_text()
    assert page.locator("#score").inner_text() == "100"
    assert re.search(r"\d{2}:\d{2} (CET|CEST)$", page.locator("#last-evaluated").inner_text())
    screenshot(page, "evaluation-detail")


def test_the_list_shows_labels_scores_and_moments_with_their_zone(
    page, user_factory, evaluation_factory
):
    user_factory(username="ana", roles=[Role.ANALYST])
    evaluation_factory(
        kind="VAT",
        value="LU26375245",
        state=State.UNCONFIRMED,
        reason=Reason.UNABLE_TO_REACH_API,
        score=42,
        company_name="Vercors SARL",
        last_evaluated_at=EVALUATED_AT,
    )
    sign_in(page, "ana", "/evaluations/")

    row = page.locator("tbody tr", has_text="Vercors SARL")
    cells = row.locator("td").all_inner_texts()

    assert cells == [
        "VAT number",
        "LU26375245",
        "Vercors SARL",
        "Unconfirmed",
        "Unable to reach the API",
        "42",
        "15 Jan 2026, 17:05 CET",
    ]
    screenshot(page, "evaluation-list")
