"""The input boundary on the key accounts app: issue 10's reproductions (each answered 500
before), then border values through every API write and every page form."""

from __future__ import annotations

import dataclasses
import datetime as dt
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from core.boundary import EVENT, PLANNED
from kam.models import Interaction, Order, PointOfContact, Restaurant
from tests.harness import boundary as harness
from tests.harness.boundary import PageCase, WriteCase
from tests.kam.conftest import ContactFactory, RestaurantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def la_account(kam):
    return RestaurantFactory(
        owner=kam, time_zone="America/Los_Angeles", country="US", currency="USD"
    )


# --- issue 10's findings --------------------------------------------------------------------


def test_api_reschedule_to_year_9999_is_a_400_on_the_field(token_client, kam, la_account):
    response = token_client(kam).post(
        "/api/kam/interactions/",
        {"restaurant": la_account.pk, "kind": "call", "outcome": "rescheduled",
         "next_call_at": "9999-12-31T23:00:00-08:00"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400, response.content
    message = response.json()["error"]["fields"]["next_call_at"][0]
    assert message.startswith("Must be between ")
    assert message.endswith("(the planning horizon).")
    assert not Interaction.objects.exists()


def test_page_reschedule_to_year_9999_is_a_form_error(client, kam, la_account):
    client.force_login(kam)
    due_before = la_account.next_call_due_at

    response = client.post(
        f"/kam/accounts/{la_account.pk}/log/",
        {"kind": "call", "outcome": "rescheduled", "next_call_at": "9999-12-31T23:00",
         "details": "call back in 8000 years"},
    )  # fmt: skip

    assert response.status_code == 200
    assert response.context["form"].errors["next_call_at"] == [PLANNED.message()]
    assert "call back in 8000 years" in response.text  # the other input stays
    la_account.refresh_from_db()
    assert la_account.next_call_due_at == due_before
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00", "0001-01-01T00:00:00-08:00"])
def test_api_call_in_year_1_is_a_400_on_the_field(token_client, kam, la_account, when):
    response = token_client(kam).post(
        "/api/kam/interactions/",
        {"restaurant": la_account.pk, "kind": "call", "outcome": "connected",
         "occurred_at": when},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["occurred_at"] == [EVENT.message()]


def test_page_call_in_year_1_is_a_form_error(client, kam, la_account):
    client.force_login(kam)

    response = client.post(
        f"/kam/accounts/{la_account.pk}/log/",
        {"kind": "call", "outcome": "connected", "occurred_at": "0001-01-01T00:00"},
    )

    assert response.context["form"].errors["occurred_at"] == [EVENT.message(zone=la_account.zone)]
    assert not Interaction.objects.exists()


def test_nul_in_the_search_of_the_accounts_page_is_a_400_page(client, kam):
    client.force_login(kam)

    response = client.get("/kam/accounts/?q=a%00b")

    assert response.status_code == 400
    assert "Request refused" in response.text
    assert "control character" in response.text
    assert 'href="/kam/' in response.text  # the site's layout, with its navigation


def test_nul_in_an_api_search_is_a_400_naming_the_parameter(token_client, kam):
    response = token_client(kam).get("/api/kam/accounts/?search=a%00b")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["search"]


@pytest.mark.parametrize("kam_id", ["²", "①", "¹⁰", "٣", "9" * 40])
def test_a_kam_id_that_is_not_ascii_digits_is_not_a_server_error(
    client, token_client, kam_lead, kam_id
):
    response = token_client(kam_lead).get("/api/kam/calls/due/", {"kam": kam_id})
    client.force_login(kam_lead)
    page = client.get("/kam/", {"kam": kam_id})

    assert response.status_code in (400, 404)
    assert page.status_code == 200


# --- the services refuse out-of-range dates too (commands, tasks) ----------------------------


def test_the_services_refuse_dates_out_of_range(kam, account):
    from core.errors import ApplicationError
    from kam.services import call_log, interaction_log, order_log

    far = dt.datetime(9999, 12, 31, 20, tzinfo=dt.UTC)
    with pytest.raises(ApplicationError) as caught:
        call_log(actor=kam, restaurant_id=account.pk, outcome="rescheduled", next_call_at=far)
    assert caught.value.fields == {"next_call_at": [PLANNED.message()]}
    with pytest.raises(ApplicationError) as caught:
        interaction_log(
            actor=kam,
            restaurant_id=account.pk,
            kind="visit",
            occurred_at=timezone.now() - dt.timedelta(days=365 * 6),
        )
    assert caught.value.fields == {"occurred_at": [EVENT.message()]}
    with pytest.raises(ApplicationError) as caught:
        order_log(
            actor=kam,
            restaurant_id=account.pk,
            amount="10",
            placed_at=timezone.now() + dt.timedelta(hours=1),
        )
    assert caught.value.fields == {"placed_at": [EVENT.message()]}
    assert not Interaction.objects.exists()
    assert not Order.objects.exists()


def test_a_call_logged_a_minute_ahead_of_our_clock_is_accepted(kam, account):
    from kam.services import call_log

    call_log(
        actor=kam,
        restaurant_id=account.pk,
        outcome="connected",
        occurred_at=timezone.now() + dt.timedelta(minutes=1),
    )

    assert Interaction.objects.count() == 1


# --- every API write, every page form ---------------------------------------------------------


def _iso(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def write_cases(*, account, contact, spare_contact, other_kam) -> list[WriteCase]:
    now = timezone.now()
    a, c = account.pk, contact.pk
    account_body = {
        "name": "Spice Route", "address": "1 Marine Drive", "city": "Mumbai", "country": "IN",
        "time_zone": "Asia/Kolkata", "cuisine": "Indian", "segment": "casual", "currency": "INR",
        "rhythm": "every_n_days", "call_every_days": 14, "call_weekdays": "", "call_hour": 10,
    }  # fmt: skip
    return [
        WriteCase("kam_accounts_create", "post", "/api/kam/accounts/", account_body),
        WriteCase("kam_accounts_update", "put", f"/api/kam/accounts/{a}/", account_body),
        WriteCase(
            "kam_accounts_partial_update",
            "patch",
            f"/api/kam/accounts/{a}/",
            {"cuisine": "Bistro", "call_hour": 9},
        ),
        WriteCase(
            "kam_accounts_transition",
            "post",
            f"/api/kam/accounts/{a}/transition/",
            {"status": "inactive", "reason": "closed for works"},
        ),
        WriteCase(
            "kam_accounts_reassign",
            "post",
            "/api/kam/accounts/reassign/",
            {"accounts": [a], "kam": other_kam.pk, "reason": "holidays"},
        ),
        WriteCase(
            "kam_contacts_create",
            "post",
            "/api/kam/contacts/",
            {
                "restaurant": a,
                "name": "Zoe",
                "role": "chef",
                "phone": "+33612345679",
                "email": "zoe@example.test",
                "preferred_hours": "14:00-16:00",
                "is_primary": False,
            },
        ),
        WriteCase(
            "kam_contacts_update",
            "put",
            f"/api/kam/contacts/{c}/",
            {
                "name": "Marie",
                "role": "owner",
                "phone": "+33612345678",
                "email": "marie@example.test",
                "preferred_hours": "9-11",
                "is_primary": True,
            },
        ),
        WriteCase(
            "kam_contacts_partial_update",
            "patch",
            f"/api/kam/contacts/{c}/",
            {"preferred_hours": "10:00-12:00"},
        ),
        WriteCase(
            "kam_contacts_destroy",
            "delete",
            f"/api/kam/contacts/{spare_contact.pk}/",
            formats=("json",),
        ),
        WriteCase(
            "kam_interactions_create",
            "post",
            "/api/kam/interactions/",
            {
                "restaurant": a,
                "contact": c,
                "kind": "call",
                "outcome": "connected",
                "occurred_at": _iso(now - dt.timedelta(hours=1)),
                "details": "all good",
                "next_call_at": _iso(now + dt.timedelta(days=3)),
            },
            date_fields={"occurred_at": "datetime", "next_call_at": "datetime"},
        ),
        WriteCase(
            "kam_orders_create",
            "post",
            "/api/kam/orders/",
            {
                "restaurant": a,
                "contact": c,
                "amount": "120.50",
                "currency": "EUR",
                "placed_at": _iso(now - dt.timedelta(hours=2)),
                "details": "weekly order",
            },
            date_fields={"placed_at": "datetime"},
        ),
    ]


@pytest.fixture
def cases(kam, account, contact, other_kam) -> dict[str, WriteCase]:
    spare = ContactFactory(restaurant=account, name="Spare")
    built = write_cases(account=account, contact=contact, spare_contact=spare, other_kam=other_kam)
    return {case.operation_id: case for case in built}


#: Every API write of the app (tests/core/test_boundary_api.py checks the schema has no other).
OPERATIONS = [
    "kam_accounts_create",
    "kam_accounts_update",
    "kam_accounts_partial_update",
    "kam_accounts_transition",
    "kam_accounts_reassign",
    "kam_contacts_create",
    "kam_contacts_update",
    "kam_contacts_partial_update",
    "kam_contacts_destroy",
    "kam_interactions_create",
    "kam_orders_create",
]


@pytest.fixture
def lead_api(token_client, kam_lead):
    return token_client(kam_lead)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_write_accepts_its_base_body(lead_api, cases, operation):
    case = cases[operation]
    response = harness.send(lead_api, case, case.body)

    assert response.status_code < 300, response.content


@pytest.mark.parametrize("operation", OPERATIONS)
def test_border_values_in_each_field_never_answer_5xx(lead_api, cases, operation):
    harness.check_write_operation(lead_api, cases[operation])


@pytest.mark.parametrize("operation", [o for o in OPERATIONS if not o.endswith("destroy")])
def test_control_characters_in_each_field_are_a_400_on_that_field(lead_api, cases, operation):
    harness.check_control_characters_in_each_field(lead_api, cases[operation])


@pytest.mark.parametrize("operation", [o for o in OPERATIONS if not o.endswith("destroy")])
def test_deep_json_is_a_400(lead_api, cases, operation):
    harness.check_deep_json(lead_api, cases[operation])


def _stored_in_range(response, name, value) -> None:
    for interaction in Interaction.objects.select_related("restaurant"):
        assert EVENT.problem(interaction.occurred_at) is None
        due = interaction.restaurant.next_call_due_at
        assert due is None or due.year < 2100
    for order in Order.objects.all():
        assert EVENT.problem(order.placed_at) is None


@pytest.mark.parametrize("operation", ["kam_interactions_create", "kam_orders_create"])
def test_border_datetimes_in_every_zone_are_stored_in_range_or_refused(lead_api, cases, operation):
    harness.check_dates_of_operation(lead_api, cases[operation], accepted=_stored_in_range)


@pytest.fixture
def zoned_accounts(kam):
    return [
        RestaurantFactory(owner=kam, time_zone=zone, name=f"In {zone}") for zone in harness.ZONES
    ]


def page_cases(account, contact, *, kam_lead, other_kam, spare) -> list[PageCase]:
    a = account.pk
    return [
        PageCase("kam account", "/kam/accounts/new/",
                 {"name": "Spice Route", "address": "1 Marine Drive", "city": "Mumbai",
                  "country": "IN", "time_zone": "Asia/Kolkata", "cuisine": "Indian",
                  "segment": "casual", "currency": "INR", "rhythm": "weekly",
                  "call_every_days": "14", "call_weekdays": ["0", "3"], "call_hour": "10"}),
        PageCase("kam account edit", f"/kam/accounts/{a}/edit/",
                 {"name": "Spice Route", "address": "2 Marine Drive", "city": "Mumbai",
                  "country": "IN", "time_zone": "Asia/Kolkata", "cuisine": "Indian",
                  "segment": "casual", "currency": "INR", "rhythm": "weekly",
                  "call_every_days": "14", "call_weekdays": ["0", "3"], "call_hour": "10"}),
        PageCase("kam contact edit", f"/kam/accounts/{a}/contacts/{contact.pk}/edit/",
                 {"name": "Zoe", "role": "chef", "phone": "+33612345670",
                  "email": "zoe@example.test", "preferred_hours": "14:00-16:00",
                  "is_primary": "on"}),
        PageCase("kam contact delete", f"/kam/accounts/{a}/contacts/{spare.pk}/delete/",
                 {"unexpected": "x"}),
        PageCase("kam status", f"/kam/accounts/{a}/status/",
                 {"status": "inactive", "reason": "closed for works"}),
        PageCase("kam contact", f"/kam/accounts/{a}/contacts/new/",
                 {"name": "Zoe", "role": "chef", "phone": "+33612345679",
                  "email": "zoe@example.test", "preferred_hours": "14:00-16:00",
                  "is_primary": ""}),
        PageCase("kam call", f"/kam/accounts/{a}/log/",
                 {"kind": "call", "outcome": "rescheduled", "contact": str(contact.pk),
                  "occurred_at": timezone.localtime(timezone.now(), account.zone).strftime(
                      "%Y-%m-%dT%H:%M"),
                  "next_call_at": (timezone.localtime() + dt.timedelta(days=2)).strftime(
                      "%Y-%m-%dT%H:%M"),
                  "details": "call back Tuesday"}),
        PageCase("kam order", f"/kam/accounts/{a}/orders/new/",
                 {"amount": "120.50", "currency": "EUR", "contact": str(contact.pk),
                  "placed_at": "", "details": "weekly order"}),
        PageCase("kam quick call", f"/kam/accounts/{a}/quick-call/",
                 {"outcome": "busy", "next": "/kam/"}),
        # The confirmed step (the first post only shows what would move); the account goes
        # back and forth between the two KAMs.
        PageCase("kam reassign", "/kam/accounts/reassign/",
                 {"accounts": [str(a)], "kam": str(other_kam.pk), "reason": "Territory split",
                  "confirm": "yes", "back": "/kam/accounts/"},
                 user=kam_lead),
    ]  # fmt: skip


@pytest.fixture
def pages(client, kam, kam_lead, other_kam, account, contact) -> dict[str, PageCase]:
    client.force_login(kam)
    spare = PointOfContact.objects.create(  # the one the delete page removes
        restaurant=account, name="Spare", role="waiter", phone="+33612345671"
    )
    return harness.page_cases_by_view(
        page_cases(account, contact, kam_lead=kam_lead, other_kam=other_kam, spare=spare)
    )


#: Every page of the app that takes a post, by URL name (tests/core/test_boundary_pages.py
#: checks the site has no other).
PAGE_FORMS = ["kam:account-new", "kam:account-edit", "kam:transition", "kam:contact-new",
              "kam:contact-edit", "kam:contact-delete", "kam:interaction-new", "kam:order-new",
              "kam:quick-call", "kam:reassign"]  # fmt: skip
KEEP = {"kam:account-new": "city", "kam:account-edit": "city", "kam:transition": "reason",
        "kam:contact-new": "name", "kam:contact-edit": "name",
        "kam:interaction-new": "details", "kam:order-new": "details",
        "kam:reassign": "reason"}  # fmt: skip
#: Inputs the view reads itself rather than its form (garbage is ignored: no account, the
#: accounts list, the confirmation step again).
NOT_FORM_FIELDS = {"kam:reassign": ("accounts", "confirm", "back")}


@pytest.mark.parametrize("page", PAGE_FORMS)
def test_each_page_form_accepts_its_base_input(client, pages, page):
    harness.check_page_form_accepts_its_base_input(client, pages[page])


@pytest.mark.parametrize("page", PAGE_FORMS)
def test_border_values_in_each_page_form_never_answer_5xx(client, pages, page):
    harness.check_page_form(client, pages[page])


@pytest.mark.parametrize("page", list(KEEP))
def test_control_characters_in_each_page_form_field_are_a_form_error(client, pages, page):
    case = dataclasses.replace(pages[page], skip=NOT_FORM_FIELDS.get(page, ()))
    harness.check_page_form_control_characters(client, case, keep=KEEP[page])


def test_border_datetimes_in_the_call_form_of_accounts_in_every_zone(client, kam, zoned_accounts):
    """datetime-local input, read in each account's own zone (Kiritimati +14, Pago Pago -11)."""
    client.force_login(kam)
    from hypothesis import given
    from hypothesis import strategies as st

    @given(
        account=st.sampled_from(zoned_accounts),
        name=st.sampled_from(["occurred_at", "next_call_at"]),
        value=harness.datetime_texts(local=True),
    )
    @harness.fast(40)
    def run(account, name, value):
        data = {"kind": "call", "outcome": "rescheduled", "details": "kept",
                "next_call_at": (timezone.now() + dt.timedelta(days=1)).astimezone(
                    account.zone).strftime("%Y-%m-%dT%H:%M"), name: value}  # fmt: skip
        before = harness.database_snapshot()
        response = client.post(f"/kam/accounts/{account.pk}/log/", data)
        assert response.status_code in (200, 302), (value, response.status_code)
        if response.status_code == 200:
            assert harness.database_snapshot() == before
        else:
            call = Interaction.objects.order_by("-id").first()
            assert EVENT.problem(call.occurred_at) is None
            call.restaurant.refresh_from_db()
            assert PLANNED.problem(call.restaurant.next_call_due_at) is None

    run()


# --- the admin: the next call in the planning horizon, as on the pages and in the API --------


class _FormInputs(HTMLParser):
    """The values a browser would send back from a page's forms (inputs, selects, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _admin_change(client, account, **changes):
    url = f"/admin/kam/restaurant/{account.pk}/change/"
    parser = _FormInputs()
    parser.feed(client.get(url).text)
    data = {name: values for name, values in parser.data.items() if values}
    data.update({name: [value] for name, value in changes.items()})
    return client.post(url, data)


@pytest.fixture
def admin_kam_lead(client, kam_lead):
    """A KAM lead as `create_dev_users` makes one: staff, with the role's model permissions."""
    kam_lead.is_staff = True
    kam_lead.save()
    client.force_login(kam_lead)
    return kam_lead


IN_THREE_YEARS = f"{timezone.localdate().year + 3}-01-01"


@pytest.mark.parametrize("day", ["2099-06-01", "1950-01-01", IN_THREE_YEARS])
def test_the_admin_keeps_a_changed_next_call_in_the_planning_horizon(
    client, admin_kam_lead, account, day
):
    due_before = account.next_call_due_at

    response = _admin_change(client, account, next_call_due_at_0=day, next_call_due_at_1="10:00")

    assert response.status_code == 200, response.status_code
    errors = response.context["adminform"].form.errors
    assert errors["next_call_due_at"] == [PLANNED.message()]
    account.refresh_from_db()
    assert account.next_call_due_at == due_before


def test_the_admin_takes_a_next_call_within_the_horizon(client, admin_kam_lead, account):
    day = timezone.localdate() + dt.timedelta(days=30)

    response = _admin_change(
        client, account, next_call_due_at_0=day.isoformat(), next_call_due_at_1="10:00"
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    account.refresh_from_db()
    assert timezone.localtime(account.next_call_due_at).date() == day


def test_an_overdue_next_call_left_as_it_is_does_not_stop_other_edits(
    client, admin_kam_lead, account
):
    long_ago = timezone.now() - dt.timedelta(days=60)
    Restaurant.objects.filter(pk=account.pk).update(next_call_due_at=long_ago)
    account.refresh_from_db()

    response = _admin_change(client, account, cuisine="Bistronomy")

    assert response.status_code == 302, response.context["adminform"].form.errors
    account.refresh_from_db()
    assert account.cuisine == "Bistronomy"
    assert abs(account.next_call_due_at - long_ago) < dt.timedelta(minutes=1)
