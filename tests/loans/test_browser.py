"""In a real browser: create an application from the form, then read it on the detail page and
in the list, its money, moments (zone named), duration, status and history for people."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from core import present
from core.audit import audit_record
from loans.models import LoanAction, LoanApplication, Status
from tests.harness.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: '29 Nov 2026, 17:05:09 CET': a moment with its seconds and its zone named.
MOMENT = re.compile(r"^\d{1,2} \w{3} \d{4}, \d{2}:\d{2}:\d{2} [A-Z][A-Z0-9+:-]+$")


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from loans import tasks

    monkeypatch.setattr(tasks.dispatch_submissions, "apply_async", lambda **kw: None)


def sign_in(page, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_url}")


def detail(page, term: str) -> str:
    return page.locator(f"dl.details dt:text-is('{term}') + dd").inner_text().strip()


def test_create_from_the_form_then_read_it_as_people_do(page, officer):
    sign_in(page, officer.username, "/loans/new/")
    page.fill("#id_first_name", "Ada")
    page.fill("#id_last_name", "Lovelace")
    page.fill("#id_email", "ada@example.com")
    page.fill("#id_amount", "15000")
    page.select_option("#id_currency", "EUR")
    page.get_by_role("button", name="Create and send to the bank").click()
    page.wait_for_url("**/loans/*/")

    application = LoanApplication.objects.get()
    assert detail(page, "Amount") == "€15,000.00"
    created = detail(page, "Created")
    assert created == f"{present.moment(application.created_at, seconds=True)} by officer"
    assert MOMENT.match(created.removesuffix(" by officer"))
    assert page.locator("h1 .badge").inner_text() == "New (not yet at the bank)"
    timeline = page.locator(".timeline")
    assert timeline.locator(".timeline-action").all_inner_texts() == ["Application created"]
    assert timeline.locator(".timeline-changes li").inner_text() == (
        "Status: — → New (not yet at the bank)"
    )
    assert "loans.created" not in timeline.inner_text()
    screenshot(page, "loans-detail-new")

    page.goto("/loans/")
    row = page.locator(f'tr:has(a[href="/loans/{application.id}/"])')
    cells = row.locator("td").all_inner_texts()
    assert cells[2] == "€15,000.00"
    assert cells[3].strip() == "New (not yet at the bank)"
    assert cells[4].endswith(" ago")
    assert MOMENT.match(row.locator("td").nth(4).get_attribute("title"))
    assert cells[5] == "—"
    badges = page.locator(".badge[data-status]").all_inner_texts()
    assert "New (not yet at the bank): 1" in badges
    screenshot(page, "loans-list")


def test_a_decided_application_reads_its_decision_and_history(page, officer):
    submitted = timezone.now() - dt.timedelta(minutes=3)
    application = LoanApplication.objects.create(
        first_name="Grace",
        last_name="Hopper",
        email="grace@example.com",
        amount=Decimal("1234567.50"),
        currency="GBP",
        status=Status.COMPLETED,
        submitted_at=submitted,
        decided_at=submitted + dt.timedelta(seconds=14.2),
        submit_attempts=1,
        poll_count=6,
    )
    audit_record(
        obj=application,
        action=LoanAction.STATUS_CHANGED,
        actor="loans.poller",
        changes={"status": {"from": Status.PENDING, "to": Status.COMPLETED}},
        reason="the bank decided: completed",
    )

    sign_in(page, officer.username, f"/loans/{application.id}/")

    assert detail(page, "Amount") == "£1,234,567.50"
    decided = detail(page, "Decided")
    assert decided == (
        f"{present.moment(application.decided_at, seconds=True)}, 14.2 s after it was sent"
    )
    assert detail(page, "Bank calls") == "1 submission(s), 6 status request(s)"
    item = page.locator(".timeline-item").first
    assert item.locator(".timeline-action").inner_text() == "Status changed"
    assert item.locator(".timeline-changes li").inner_text() == (
        "Status: Pending (the bank is deciding) → Completed"
    )
    assert item.locator(".timeline-actor").inner_text() == "system: loans.poller"
    screenshot(page, "loans-detail-decided")


def test_a_pending_application_turns_decided_in_place_without_a_reload(page, officer):
    application = LoanApplication.objects.create(
        first_name="Katherine", last_name="Johnson", email="kj@example.com",
        amount=Decimal("5000"), currency="EUR", status=Status.PENDING,
        submitted_at=timezone.now(), next_attempt_at=timezone.now() + dt.timedelta(minutes=5),
    )  # fmt: skip
    sign_in(page, officer.username, f"/loans/{application.id}/")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate("window.__sameDocument = true")
    assert page.locator("#application-live").get_attribute("data-status") == "pending"

    application.status = Status.COMPLETED
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at"])

    page.wait_for_selector('#application-live[data-status="completed"]', timeout=10_000)
    assert navigations == []
    assert page.evaluate("window.__sameDocument") is True  # the same document, not a reload
    assert page.locator("h1 .badge").inner_text() == "Completed"
    assert page.locator("#application-live").get_attribute("hx-trigger") is None
    screenshot(page, "loans-detail-decided-live")


def test_a_loan_officer_resubmits_a_failed_application(page, officer):
    application = LoanApplication.objects.create(
        first_name="Mary", last_name="Jackson", email="mj@example.com", amount=Decimal("900"),
        currency="EUR", status=Status.FAILED,
        failure_reason="The bank says this application does not exist (404).",
    )  # fmt: skip
    sign_in(page, officer.username, f"/loans/{application.id}/")
    page.fill("#id_reason", "The bank lost it")
    page.get_by_role("button", name="Re-submit to the bank").click()
    page.wait_for_selector("text=Re-submitted: the application is on its way to the bank again.")
    application.refresh_from_db()
    assert application.status == Status.NEW
    assert "The bank lost it" in page.locator(".timeline").inner_text()
    screenshot(page, "loans-detail-resubmitted")
