"""Pages: the form, the self-refreshing list, the detail with its timeline; the admin."""

import re

import pytest

from core.roles import Role
from loans.models import LoanApplication, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from loans import tasks

    monkeypatch.setattr(tasks.dispatch_submissions, "apply_async", lambda **kw: None)


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def form_data(client, **overrides):
    page = client.get("/loans/new/")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "amount": "15000",
        "currency": "EUR",
        "idempotency_key": key,
        **overrides,
    }


def test_the_form_creates_an_application_and_shows_it(officer_client):
    response = officer_client.post("/loans/new/", form_data(officer_client), follow=True)

    application = LoanApplication.objects.get()
    assert response.redirect_chain[-1][0] == f"/loans/{application.id}/"
    assert "on its way to the bank" in response.text
    assert "Lovelace" in response.text
    assert "created" in response.text  # the timeline


def test_a_double_submitted_form_creates_one_application(officer_client):
    data = form_data(officer_client)

    officer_client.post("/loans/new/", data)
    officer_client.post("/loans/new/", data)

    assert LoanApplication.objects.count() == 1


def test_form_errors_are_shown_on_the_page(officer_client):
    response = officer_client.post(
        "/loans/new/", form_data(officer_client, amount="-3", email="x", first_name="")
    )

    assert response.status_code == 200
    assert response.text.count('class="errorlist') >= 3
    # The service's rules, every field at once, with what was typed kept on the form.
    assert "The amount must be between 100 and 1,000,000." in response.text
    assert "Enter a valid email address." in response.text
    assert "This field is required." in response.text
    assert 'value="-3"' in response.text
    assert LoanApplication.objects.count() == 0


def test_the_list_filters_by_status_and_serves_its_refresh_fragment(
    officer_client, application_factory
):
    application_factory(status=Status.PENDING, last_name="Pendingson")
    application_factory(status=Status.COMPLETED, last_name="Doneson")

    page = officer_client.get("/loans/?status=pending")
    fragment = officer_client.get("/loans/?status=pending&partial=1")

    assert "Pendingson" in page.text
    assert "Doneson" not in page.text
    assert 'hx-trigger="every 3s' in page.text
    assert "<table" in fragment.text
    assert "<html" not in fragment.text
    assert "Pendingson" in fragment.text


def test_other_roles_cannot_open_the_pages(client, user_factory, application_factory):
    client.force_login(user_factory(roles=[Role.SALES_AGENT]))

    assert client.get("/loans/").status_code == 403
    assert client.get("/loans/new/").status_code == 403


def test_analysts_can_read_but_not_create(client, user_factory):
    client.force_login(user_factory(roles=[Role.ANALYST]))

    assert client.get("/loans/").status_code == 200
    assert client.get("/loans/new/").status_code == 403


def test_admin_actions_poll_now_and_resubmit(admin_client, application_factory):
    pending = application_factory(status=Status.PENDING)
    failed = application_factory(status=Status.FAILED, failure_reason="404 at the bank")

    admin_client.post(
        "/admin/loans/loanapplication/",
        {"action": "poll_now", "_selected_action": [pending.id, failed.id]},
    )
    response = admin_client.post(
        "/admin/loans/loanapplication/",
        {"action": "resubmit", "_selected_action": [pending.id, failed.id]},
        follow=True,
    )

    failed.refresh_from_db()
    assert failed.status == Status.NEW
    assert "1 application(s) re-submitted" in response.text
    assert "Only failed applications" in response.text
    listing = admin_client.get("/admin/loans/loanapplication/?status__exact=new&q=" + failed.email)
    assert failed.email in listing.text


def test_a_failure_is_a_sentence_with_the_reference_for_support(
    officer_client, application_factory
):
    failed = application_factory(
        status=Status.FAILED,
        failure_reason="Checking the status failed: the bank refused the request (HTTP 409).",
        error_reference="5c0ffee5c0ffee00",
    )
    retrying = application_factory(
        status=Status.PENDING,
        last_error="status check: the bank did not answer (HTTP 503)",
        error_reference="0ddba11c0ffee111",
    )

    failed_page = officer_client.get(f"/loans/{failed.id}/").text
    retrying_page = officer_client.get(f"/loans/{retrying.id}/").text

    assert "Checking the status failed: the bank refused the request (HTTP 409)." in failed_page
    assert "Reference for support: <code>5c0ffee5c0ffee00</code>" in failed_page
    assert (
        "Last attempt failed, retrying: status check: the bank did not answer (HTTP 503)."
        in retrying_page
    )
    assert "Reference for support: <code>0ddba11c0ffee111</code>" in retrying_page


# --- loan officers finish their jobs from the pages --------------------------------------------


def test_a_loan_officer_resubmits_a_failed_application_from_its_page(
    officer_client, application_factory
):
    failed = application_factory(
        status=Status.FAILED, failure_reason="The bank says this application does not exist."
    )
    page = officer_client.get(f"/loans/{failed.id}/").text
    assert 'id="resubmit-form"' in page
    assert "hx-trigger" not in page  # failed: nothing to wait for, no polling

    response = officer_client.post(
        f"/loans/{failed.id}/resubmit/", {"reason": "Bank outage over"}, follow=True
    )

    failed.refresh_from_db()
    assert failed.status == Status.NEW
    assert "Re-submitted: the application is on its way to the bank again." in response.text
    assert "Bank outage over" in response.text  # the reason, in the history
    # Open now: the live part polls itself.
    assert 'hx-trigger="every 3s' in response.text

    again = officer_client.post(f"/loans/{failed.id}/resubmit/", {"reason": ""}, follow=True)
    assert "Only failed applications can be re-submitted" in again.text


def test_a_loan_officer_asks_the_bank_now_for_a_pending_application(
    officer_client, application_factory
):
    pending = application_factory(status=Status.PENDING)
    page = officer_client.get(f"/loans/{pending.id}/").text
    assert 'id="poll-now-form"' in page

    response = officer_client.post(f"/loans/{pending.id}/poll-now/", follow=True)

    assert "Asked the bank now" in response.text
    done = application_factory(status=Status.COMPLETED)
    response = officer_client.post(f"/loans/{done.id}/poll-now/", follow=True)
    assert "Nothing to ask" in response.text


def test_the_live_fragment_is_served_to_htmx_and_stops_polling_once_decided(
    officer_client, application_factory
):
    pending = application_factory(status=Status.PENDING)
    fragment = officer_client.get(f"/loans/{pending.id}/", headers={"HX-Request": "true"}).text
    assert "<html" not in fragment
    assert 'id="application-live"' in fragment
    assert "hx-trigger" in fragment

    pending.status = Status.COMPLETED
    pending.save(update_fields=["status"])
    fragment = officer_client.get(f"/loans/{pending.id}/", headers={"HX-Request": "true"}).text
    assert "hx-trigger" not in fragment


def test_analysts_see_no_actions_and_cannot_post_them(client, user_factory, application_factory):
    failed = application_factory(status=Status.FAILED, failure_reason="Refused.")
    client.force_login(user_factory(roles=[Role.ANALYST]))
    assert 'id="resubmit-form"' not in client.get(f"/loans/{failed.id}/").text
    assert client.post(f"/loans/{failed.id}/resubmit/").status_code == 403
    assert client.post(f"/loans/{failed.id}/poll-now/").status_code == 403


def test_actions_on_an_unknown_application_answer_404(officer_client):
    unknown = "00000000-0000-4000-8000-000000000000"
    assert officer_client.post(f"/loans/{unknown}/resubmit/").status_code == 404
    assert officer_client.post(f"/loans/{unknown}/poll-now/").status_code == 404
