"""Pages: access, the landing page, one-click call logging, forms with errors, admin."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from core.models import AuditEvent
from kam.models import Interaction, KamAction, Order, PointOfContact, Restaurant
from tests.kam.conftest import ContactFactory, OrderFactory, RestaurantFactory

pytestmark = pytest.mark.django_db

PAGES = ["/kam/", "/kam/accounts/", "/kam/performance/", "/kam/accounts/new/"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_are_for_kams_and_leads(url, client, kam, kam_lead, outsider):
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    for user in (kam, kam_lead):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_another_kams_account_pages_answer_404(client, other_kam, kam_lead, account):
    client.force_login(other_kam)
    for suffix in ["", "contacts/new/", "log/", "orders/new/"]:
        assert client.get(f"/kam/accounts/{account.pk}/{suffix}").status_code == 404
    assert (
        client.post(f"/kam/accounts/{account.pk}/quick-call/", {"outcome": "busy"}).status_code
        == 404
    )
    client.force_login(kam_lead)
    assert client.get(f"/kam/accounts/{account.pk}/").status_code == 200


def test_the_landing_page_lists_overdue_first_and_logs_a_call_in_one_click(client, kam):
    now = timezone.now()
    late = RestaurantFactory(
        owner=kam, name="Late Bistro", next_call_due_at=now - dt.timedelta(days=3)
    )
    RestaurantFactory(owner=kam, name="Later Bistro", next_call_due_at=now + dt.timedelta(days=3))
    ContactFactory(restaurant=late, is_primary=True, name="Zoé", phone="+33612345678")
    client.force_login(kam)

    page = client.get("/kam/").text
    assert page.index("Late Bistro") < page.index("Later Bistro")
    assert 'data-group="overdue"' in page
    assert "csrfmiddlewaretoken" in page
    assert "tel:+33612345678" in page

    response = client.post(
        f"/kam/accounts/{late.pk}/quick-call/", {"outcome": "connected"}, follow=True
    )

    assert "Call to Late Bistro logged (connected)" in response.text
    late.refresh_from_db()
    assert late.next_call_due_at > now
    assert Interaction.objects.get(restaurant=late).created_by == kam


def test_the_account_page_shows_contacts_performance_and_the_chart(client, kam, account, contact):
    OrderFactory(restaurant=account, placed_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(kam)

    page = client.get(f"/kam/accounts/{account.pk}/").text

    assert "Marie Curie" in page
    assert "Performance" in page
    assert "/static/vendor/plotly.min.js" in page
    assert "order-chart-data" in page
    assert "cdn" not in page.lower()


def test_forms_show_the_services_errors_on_their_fields(client, kam, account):
    client.force_login(kam)
    other = ContactFactory(restaurant=RestaurantFactory())

    contact = client.post(f"/kam/accounts/{account.pk}/contacts/new/",
                          {"name": "X", "role": "chef", "phone": "123"})  # fmt: skip
    order = client.post(f"/kam/accounts/{account.pk}/orders/new/", {"amount": "-3"})
    call = client.post(
        f"/kam/accounts/{account.pk}/log/", {"kind": "call", "outcome": "rescheduled"}
    )
    new = client.post("/kam/accounts/new/", {"name": "X", "city": "Y", "country": "FR",
                      "time_zone": "Nowhere/Town", "segment": "cafe", "currency": "EUR",
                      "rhythm": "every_n_days", "call_every_days": 7, "call_hour": 10})  # fmt: skip

    for response, field in [(contact, "phone"), (order, "amount"), (call, "next_call_at"),
                            (new, "time_zone")]:  # fmt: skip
        assert response.status_code == 200
        assert re.search(rf'has-error">\s*<label for="id_{field}"', response.text), field
    assert not account.contacts.exists()
    assert not Order.objects.exists()
    assert other.pk  # the other account's contact is not offered
    assert f'value="{other.pk}"' not in client.get(f"/kam/accounts/{account.pk}/orders/new/").text


def test_the_forms_create_an_account_a_contact_a_call_and_an_order(client, kam):
    client.force_login(kam)
    response = client.post("/kam/accounts/new/", {"name": "Spice Route", "city": "Mumbai",
        "country": "in", "time_zone": "Asia/Kolkata", "segment": "casual", "currency": "INR",
        "rhythm": "weekly", "call_weekdays": ["0", "3"], "call_every_days": 7,
        "call_hour": 11})  # fmt: skip
    account = Restaurant.objects.get(name="Spice Route")
    assert response.status_code == 302
    assert account.call_weekdays == "03"

    client.post(f"/kam/accounts/{account.pk}/contacts/new/",
                {"name": "Arjun", "role": "owner", "phone": "098 1234 5678"})  # fmt: skip
    contact = PointOfContact.objects.get()
    assert contact.phone == "+919812345678"
    assert contact.is_primary
    client.post(f"/kam/accounts/{account.pk}/log/", {"kind": "call", "outcome": "connected",
                "contact": contact.pk, "occurred_at": "2026-11-19T15:00"})  # fmt: skip
    call = Interaction.objects.get()
    assert call.occurred_at == dt.datetime(2026, 11, 19, 9, 30, tzinfo=dt.UTC)  # Kolkata time
    client.post(f"/kam/accounts/{account.pk}/orders/new/", {"amount": "1200.50", "currency": "INR"})
    assert Order.objects.get().amount == 1200.50


def test_the_status_form_moves_the_status(client, kam, account):
    Restaurant.objects.filter(pk=account.pk).update(status="new")
    client.force_login(kam)
    client.post(f"/kam/accounts/{account.pk}/status/", {"status": "contacted", "reason": "met"})
    account.refresh_from_db()
    assert account.status == "contacted"


def test_the_admin_reassign_action_asks_for_the_kam_and_a_reason(admin_client, kam, other_kam):
    accounts = RestaurantFactory.create_batch(2, owner=kam)
    ids = [str(a.pk) for a in accounts]

    ask = admin_client.post("/admin/kam/restaurant/",
                            {"action": "reassign_selected", "_selected_action": ids})  # fmt: skip
    done = admin_client.post("/admin/kam/restaurant/", {"action": "reassign_selected",
        "_selected_action": ids, "apply": "1", "kam": other_kam.pk, "reason": "rebalancing"},
        follow=True)  # fmt: skip

    assert ask.status_code == 200
    assert "New KAM" in ask.text
    assert "reason" in ask.text
    assert "2 account(s) reassigned to kam-bob" in done.text
    assert set(Restaurant.objects.values_list("owner", flat=True)) == {other_kam.pk}
    assert AuditEvent.objects.filter(action=KamAction.REASSIGNED, reason="rebalancing").count() == 2


@pytest.mark.parametrize(
    "url",
    ["/admin/kam/restaurant/", "/admin/kam/pointofcontact/", "/admin/kam/interaction/",
     "/admin/kam/order/", "/admin/kam/performancesnapshot/", "/admin/kam/callreminder/"],
)  # fmt: skip
def test_admin_pages_open(url, admin_client, account, contact):
    OrderFactory(restaurant=account)
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(f"/admin/kam/restaurant/{account.pk}/change/").status_code == 200


def test_the_demo_data_has_every_band_and_loads_once(role_groups):
    import io

    from core.roles import Role
    from tests.harness.users import UserFactory

    kam = UserFactory(username="kam", roles=[Role.KEY_ACCOUNT_MANAGER])
    from kam import demo
    from kam.selectors import band_counts

    out = io.StringIO()
    demo.load(out)
    demo.load(out)
    assert "already there" in out.getvalue()
    counts = band_counts(user=type(kam).objects.get(username="kam.la"))
    lead_counts = {b: Restaurant.objects.filter(band=b).count() for b in counts}
    assert all(lead_counts.values()), lead_counts
    assert counts["well_performing"] + counts["underperforming"] > 0


def test_the_account_history_speaks_to_people(client, kam, kam_lead, other_kam, account):
    from kam.services import accounts_reassign, call_log

    call_log(actor=kam, restaurant_id=account.pk, outcome="busy")
    accounts_reassign(
        actor=kam_lead, restaurant_ids=[account.pk], kam_id=other_kam.pk, reason="Ann moves"
    )
    client.force_login(kam_lead)

    page = client.get(f"/kam/accounts/{account.pk}/").text

    history = page[page.index('<ol class="timeline">') :]
    assert "Reassigned to another KAM" in history
    assert "Call logged" in history
    assert re.search(r'field-name">Owner</span>: <span class="from">kam-ann</span>', history)
    assert "Ann moves" in history
    assert "kam.reassigned" not in history.replace('data-action="kam.reassigned"', "")
    assert "owner_id" not in history


# --- reassignment from the pages (KAM leads) ---------------------------------------------------


def test_a_kam_lead_reassigns_accounts_from_the_list_with_a_confirmation(
    client, kam, other_kam, kam_lead
):
    first = RestaurantFactory(owner=kam, name="Bistro Un")
    second = RestaurantFactory(owner=kam, name="Bistro Deux")
    theirs = RestaurantFactory(owner=other_kam, name="Bistro Trois")
    client.force_login(kam_lead)

    listing = client.get("/kam/accounts/").text
    assert 'id="reassign-selected"' in listing
    assert f'name="accounts" value="{first.pk}"' in listing

    chosen = {"accounts": [first.pk, second.pk, theirs.pk], "back": "/kam/accounts/?q=Bistro"}
    page = client.get("/kam/accounts/reassign/", chosen).text
    assert "3 accounts" in page
    assert "now with" in page

    # Both missing fields are reported at once.
    errors = client.post("/kam/accounts/reassign/", {"accounts": chosen["accounts"]}).text
    assert "Choose the KAM who takes the accounts." in errors
    assert "Say why the accounts change hands." in errors

    review = client.post(
        "/kam/accounts/reassign/",
        {**chosen, "kam": other_kam.pk, "reason": "Territory split"},
    ).text
    assert "Confirm: 2 accounts to" in review
    assert "already theirs, unchanged" in review
    assert Restaurant.objects.filter(owner=other_kam).count() == 1  # nothing moved yet

    done = client.post(
        "/kam/accounts/reassign/",
        {**chosen, "kam": other_kam.pk, "reason": "Territory split", "confirm": "yes"},
    )
    assert done.status_code == 302
    assert done["Location"] == "/kam/accounts/?q=Bistro"
    assert Restaurant.objects.filter(owner=other_kam).count() == 3
    message = client.get(done["Location"]).text
    assert "2 accounts moved to" in message
    assert "1 was theirs already" in message
    events = AuditEvent.objects.filter(action=KamAction.REASSIGNED, reason="Territory split")
    assert events.count() == 2


def test_one_account_is_reassigned_from_its_page(client, kam, other_kam, kam_lead, account):
    client.force_login(kam_lead)
    page = client.get(f"/kam/accounts/{account.pk}/").text
    assert f"/kam/accounts/reassign/?accounts={account.pk}" in page
    client.post(
        "/kam/accounts/reassign/",
        {"accounts": [account.pk], "kam": other_kam.pk, "reason": "Leave", "confirm": "yes"},
    )
    account.refresh_from_db()
    assert account.owner == other_kam


def test_kams_cannot_reassign_and_do_not_see_the_checkboxes(client, kam, other_kam, account):
    client.force_login(kam)
    assert 'id="reassign-selected"' not in client.get("/kam/accounts/").text
    assert "Reassign to another KAM" not in client.get(f"/kam/accounts/{account.pk}/").text
    response = client.post(
        "/kam/accounts/reassign/",
        {"accounts": [account.pk], "kam": other_kam.pk, "reason": "Mine", "confirm": "yes"},
    )
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.owner == kam


def test_reassignment_ignores_junk_ids_and_an_empty_choice_says_what_to_do(client, kam_lead):
    client.force_login(kam_lead)
    page = client.get("/kam/accounts/reassign/?accounts=x&accounts=-1&accounts=99999999999999")
    assert page.status_code == 200
    assert "No account chosen" in page.text


# --- one submit shows every field's message (the form's checks and the service's) -------------


def _field_errors(page: str) -> dict[str, str]:
    """{field name: its error text} of a rendered form (core/_form_fields.html)."""
    found = re.findall(r'<ul class="errorlist" id="id_(\w+)_error">(.*?)</ul>', page, flags=re.S)
    return {name: re.sub(r"<[^>]+>", " ", text).strip() for name, text in found}


def _top_errors(page: str) -> str:
    match = re.search(r'<div class="form-errors">(.*?)</div>', page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def test_the_account_form_shows_every_fields_message_in_one_submit(client, kam):
    client.force_login(kam)
    page = client.post("/kam/accounts/new/", {
        "name": "",  # the form: required
        "city": "Paris", "country": "FR",
        "time_zone": "Mars/Olympus",  # the service: not a time zone
        "segment": "casual", "currency": "EUR",
        "rhythm": "weekly",  # the service: a weekly rhythm needs weekdays
        "call_every_days": 7,
        "call_hour": 99,  # the form: at most 23
    }).text  # fmt: skip

    errors = _field_errors(page)
    assert set(errors) == {"name", "time_zone", "call_weekdays", "call_hour"}
    assert "required" in errors["name"]
    assert "IANA time zone" in errors["time_zone"]
    assert "at least one weekday" in errors["call_weekdays"]
    assert "23" in errors["call_hour"]
    assert 'value="Paris"' in page  # what was typed stays
    assert not Restaurant.objects.exists()


def test_the_contact_form_shows_every_fields_message_in_one_submit(client, kam, account):
    client.force_login(kam)
    page = client.post(f"/kam/accounts/{account.pk}/contacts/new/", {
        "name": "",  # the form
        "role": "chef",
        "phone": "123",  # the service: no such number
        "email": "not-an-email",  # the form
    }).text  # fmt: skip

    errors = _field_errors(page)
    assert set(errors) == {"name", "phone", "email"}
    assert "phone number" in errors["phone"]
    assert not account.contacts.exists()


def test_the_call_form_shows_every_fields_message_in_one_submit(client, kam, account):
    client.force_login(kam)
    other = ContactFactory(restaurant=RestaurantFactory())
    page = client.post(f"/kam/accounts/{account.pk}/log/", {
        "kind": "visit",
        "outcome": "connected",  # the service: only calls have an outcome
        "occurred_at": "yesterday",  # the form: not a date
        "contact": other.pk,  # the form: not one of this account's contacts
        "next_call_at": (timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
    }).text  # fmt: skip

    errors = _field_errors(page)
    assert set(errors) == {"outcome", "occurred_at", "contact", "next_call_at"}
    assert "Only calls have an outcome." in errors["outcome"]
    assert "Only a call plans the next call." in errors["next_call_at"]
    assert not Interaction.objects.exists()

    rescheduled = client.post(f"/kam/accounts/{account.pk}/log/", {
        "kind": "call", "outcome": "rescheduled",  # the service: say when to call back
        "occurred_at": "not a date",  # the form
    }).text  # fmt: skip
    errors = _field_errors(rescheduled)
    assert set(errors) == {"occurred_at", "next_call_at"}
    assert "Say when to call back." in errors["next_call_at"]
    assert not Interaction.objects.exists()


def test_the_order_form_shows_every_fields_message_in_one_submit(client, kam, account):
    client.force_login(kam)
    page = client.post(f"/kam/accounts/{account.pk}/orders/new/", {
        "amount": "-5",  # the service: greater than zero
        "currency": "USD",  # the service: the account orders in EUR
        "placed_at": "2026-13-45T99:00",  # the form
    }).text  # fmt: skip

    errors = _field_errors(page)
    assert set(errors) == {"amount", "currency", "placed_at"}
    assert "greater than zero" in errors["amount"]
    assert "orders in EUR" in errors["currency"]
    assert not Order.objects.exists()


def test_the_status_form_shows_every_fields_message_in_one_submit(client, kam, account):
    Restaurant.objects.filter(pk=account.pk).update(status="new")
    client.force_login(kam)
    page = client.post(f"/kam/accounts/{account.pk}/status/", {
        "status": "active",  # the service: not allowed from new
        "reason": "",  # the form: required
    })  # fmt: skip

    assert page.status_code == 200
    errors = _field_errors(page.text)
    assert set(errors) == {"status", "reason"}
    assert "Not allowed from new" in errors["status"]
    account.refresh_from_db()
    assert account.status == "new"
    assert not AuditEvent.objects.filter(action=KamAction.STATUS_CHANGED).exists()
    assert client.get(f"/kam/accounts/{account.pk}/status/").status_code == 200


def test_the_reassign_form_shows_every_fields_message_in_one_submit(client, kam, kam_lead):
    client.force_login(kam_lead)
    # No account ticked (the service), no KAM and no reason (the form), review and confirm.
    for confirm in ("", "yes"):
        page = client.post("/kam/accounts/reassign/", {"kam": "", "reason": "", "confirm": confirm})

        assert page.status_code == 200
        assert set(_field_errors(page.text)) == {"kam", "reason"}
        assert "Choose at least one account." in _top_errors(page.text)
    assert not AuditEvent.objects.filter(action=KamAction.REASSIGNED).exists()


# --- editing an account, editing and removing contacts (the API's services) -------------------


def test_a_kam_edits_their_account_from_its_page(client, kam, account):
    client.force_login(kam)
    assert (
        f'href="/kam/accounts/{account.pk}/edit/"'
        in client.get(f"/kam/accounts/{account.pk}/").text
    )
    form = client.get(f"/kam/accounts/{account.pk}/edit/").text
    assert 'value="Chez Ann"' in form

    response = client.post(f"/kam/accounts/{account.pk}/edit/", {
        "name": "Chez Ann et Paul", "address": "2 rue du Bac", "city": "Paris", "country": "fr",
        "time_zone": "Europe/Paris", "cuisine": "Bistro", "segment": "casual", "currency": "EUR",
        "rhythm": "weekly", "call_weekdays": ["1", "3"], "call_every_days": 14, "call_hour": 15,
    })  # fmt: skip

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.call_weekdays, account.call_hour) == (
        "Chez Ann et Paul",
        "13",
        15,
    )
    assert account.next_call_due_at.astimezone(account.zone).hour == 15  # the plan follows
    assert AuditEvent.objects.filter(
        object_id=str(account.pk), action=KamAction.ACCOUNT_UPDATED
    ).exists()


def test_the_account_edit_form_shows_every_fields_message_and_saves_nothing(client, kam, account):
    client.force_login(kam)
    page = client.post(f"/kam/accounts/{account.pk}/edit/", {
        "name": "", "city": "Paris", "country": "FR", "time_zone": "Mars/Olympus",
        "segment": "casual", "currency": "EUR", "rhythm": "every_n_days",
        "call_every_days": 0, "call_hour": 10,
    }).text  # fmt: skip

    assert set(_field_errors(page)) == {"name", "time_zone", "call_every_days"}
    account.refresh_from_db()
    assert account.name == "Chez Ann"


def test_a_kam_edits_and_removes_a_contact(client, kam, account, contact):
    second = ContactFactory(restaurant=account, name="Paul Langevin", is_primary=False)
    client.force_login(kam)
    page = client.get(f"/kam/accounts/{account.pk}/").text
    assert f'href="/kam/accounts/{account.pk}/contacts/{contact.pk}/edit/"' in page
    assert f'href="/kam/accounts/{account.pk}/contacts/{contact.pk}/delete/"' in page

    edited = client.post(f"/kam/accounts/{account.pk}/contacts/{second.pk}/edit/", {
        "name": "Paul Langevin", "role": "chef", "phone": "06 12 34 56 79",
        "email": "paul@example.test", "is_primary": "on",
    })  # fmt: skip
    assert edited.status_code == 302
    second.refresh_from_db()
    contact.refresh_from_db()
    assert (second.role, second.phone, second.is_primary) == ("chef", "+33612345679", True)
    assert not contact.is_primary  # one primary per account

    refused = client.post(f"/kam/accounts/{account.pk}/contacts/{second.pk}/edit/", {
        "name": "", "role": "chef", "phone": "123", "is_primary": "",
    }).text  # fmt: skip
    assert set(_field_errors(refused)) == {"name", "phone", "is_primary"}

    confirm = client.get(f"/kam/accounts/{account.pk}/contacts/{second.pk}/delete/")
    assert "Marie Curie becomes the primary" in confirm.text
    assert PointOfContact.objects.filter(pk=second.pk).exists()  # a GET removes nothing
    client.post(f"/kam/accounts/{account.pk}/contacts/{second.pk}/delete/")
    assert not PointOfContact.objects.filter(pk=second.pk).exists()
    contact.refresh_from_db()
    assert contact.is_primary
    assert AuditEvent.objects.filter(
        object_id=str(account.pk), action=KamAction.CONTACT_REMOVED
    ).exists()


def test_contact_pages_answer_404_for_another_accounts_contact(client, kam, other_kam, account):
    mine_elsewhere = ContactFactory(restaurant=RestaurantFactory(owner=kam))
    theirs = ContactFactory(restaurant=RestaurantFactory(owner=other_kam))
    client.force_login(kam)
    for contact in (mine_elsewhere, theirs):  # under the wrong account: not found
        for action in ("edit", "delete"):
            url = f"/kam/accounts/{account.pk}/contacts/{contact.pk}/{action}/"
            assert client.post(url).status_code == 404, url
    assert PointOfContact.objects.count() == 2
