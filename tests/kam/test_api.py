"""The API: the persona matrix for every endpoint, rules, bad input, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.models import AuditEvent
from kam.models import Interaction, KamAction, Restaurant
from tests.kam.conftest import ContactFactory, OrderFactory, RestaurantFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["owner", "other_kam", "lead", "outsider", "anonymous"]


@pytest.fixture
def as_persona(token_client, kam, other_kam, kam_lead, outsider):
    users = {"owner": kam, "other_kam": other_kam, "lead": kam_lead, "outsider": outsider}

    def make(persona: str) -> APIClient:
        return APIClient() if persona == "anonymous" else token_client(users[persona])

    return make


def _ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


# (method, url template, body factory, expected status per persona)
READ_ONE = {"owner": 200, "other_kam": 404, "lead": 200, "outsider": 403, "anonymous": 401}
WRITE_ONE = {"owner": 200, "other_kam": 404, "lead": 200, "outsider": 403, "anonymous": 401}
LIST = {"owner": 200, "other_kam": 200, "lead": 200, "outsider": 403, "anonymous": 401}
CREATE_ON = {"owner": 201, "other_kam": 400, "lead": 201, "outsider": 403, "anonymous": 401}


def _cases(account, contact, interaction, order):
    a, c = account.pk, contact.pk
    return [
        ("get", "/api/kam/accounts/", None, LIST),
        ("get", f"/api/kam/accounts/{a}/", None, READ_ONE),
        ("patch", f"/api/kam/accounts/{a}/", {"cuisine": "Bistro"}, WRITE_ONE),
        (
            "post",
            f"/api/kam/accounts/{a}/transition/",
            {"status": "inactive", "reason": "closed for works"},
            WRITE_ONE,
        ),
        (
            "post",
            "/api/kam/accounts/",
            {"name": "New", "city": "Lyon", "country": "FR", "time_zone": "Europe/Paris"},
            {"owner": 201, "other_kam": 201, "lead": 201, "outsider": 403, "anonymous": 401},
        ),
        ("get", "/api/kam/contacts/", None, LIST),
        ("get", f"/api/kam/contacts/{c}/", None, READ_ONE),
        ("patch", f"/api/kam/contacts/{c}/", {"preferred_hours": "14:00-16:00"}, WRITE_ONE),
        (
            "post",
            "/api/kam/contacts/",
            {"restaurant": a, "name": "Bob", "phone": "06 12 34 56 79"},
            CREATE_ON,
        ),
        ("get", "/api/kam/interactions/", None, LIST),
        ("get", f"/api/kam/interactions/{interaction.pk}/", None, READ_ONE),
        (
            "post",
            "/api/kam/interactions/",
            {"restaurant": a, "kind": "call", "outcome": "connected"},
            CREATE_ON,
        ),
        ("get", "/api/kam/orders/", None, LIST),
        ("get", f"/api/kam/orders/{order.pk}/", None, READ_ONE),
        ("post", "/api/kam/orders/", {"restaurant": a, "amount": "120.50"}, CREATE_ON),
        ("get", "/api/kam/calls/due/", None, LIST),
        ("get", "/api/kam/performance/", None, LIST),
        ("get", "/api/kam/performance/underperforming/", None, LIST),
        ("get", "/api/kam/performance/well-performing/", None, LIST),
        (
            "post",
            "/api/kam/accounts/reassign/",
            {"accounts": [a], "kam": None, "reason": "holiday cover"},
            {"owner": 403, "other_kam": 403, "lead": 200, "outsider": 403, "anonymous": 401},
        ),
        (
            "delete",
            f"/api/kam/contacts/{c}/",
            None,
            {"owner": 204, "other_kam": 404, "lead": 204, "outsider": 403, "anonymous": 401},
        ),
    ]


CASE_NAMES = [
    "accounts-list", "account-get", "account-patch", "account-transition", "account-create",
    "contacts-list", "contact-get", "contact-patch", "contact-create",
    "interactions-list", "interaction-get", "interaction-create",
    "orders-list", "order-get", "order-create",
    "calls-due", "performance", "underperforming", "well-performing",
    "reassign", "contact-delete",
]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", range(len(CASE_NAMES)), ids=CASE_NAMES)
def test_persona_matrix(case, persona, as_persona, account, contact, other_kam):
    interaction = Interaction.objects.create(
        restaurant=account, kind="call", outcome="busy", occurred_at=account.created_at
    )
    order = OrderFactory(restaurant=account)
    method, url, body, expected = _cases(account, contact, interaction, order)[case]
    if body is not None and "kam" in body:
        body = {**body, "kam": other_kam.pk}

    response = getattr(as_persona(persona), method)(url, body, format="json")

    assert response.status_code == expected[persona], response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields", "request_id"}
    if persona == "anonymous":
        assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize(
    ("persona", "sees_it"), [("owner", True), ("other_kam", False), ("lead", True)]
)
def test_lists_show_only_what_the_persona_may_see(persona, sees_it, as_persona, account, contact):
    OrderFactory(restaurant=account)
    client = as_persona(persona)
    for url, expected_id in [
        ("/api/kam/accounts/", account.pk),
        ("/api/kam/contacts/", contact.pk),
        ("/api/kam/performance/", account.pk),
    ]:
        assert (expected_id in _ids(client.get(url))) is sees_it, url
    assert bool(client.get("/api/kam/orders/").json()["results"]) is sees_it


def test_a_reassigned_account_disappears_for_the_previous_kam_at_once(
    as_persona, account, other_kam
):
    owner, lead = as_persona("owner"), as_persona("lead")
    assert owner.get(f"/api/kam/accounts/{account.pk}/").status_code == 200

    response = lead.post(
        "/api/kam/accounts/reassign/",
        {"accounts": [account.pk], "kam": other_kam.pk, "reason": "Ann moves to Lyon"},
        format="json",
    )

    assert response.json() == {"reassigned": 1}
    assert owner.get(f"/api/kam/accounts/{account.pk}/").status_code == 404
    assert as_persona("other_kam").get(f"/api/kam/accounts/{account.pk}/").status_code == 200
    event = AuditEvent.objects.filter(action=KamAction.REASSIGNED).get()
    assert (event.actor_label, event.reason) == ("kam-lea", "Ann moves to Lyon")
    assert event.changes == {"owner_id": {"from": account.owner_id, "to": other_kam.pk}}


def test_reassigning_many_at_once_and_to_a_non_kam_is_refused(as_persona, kam, other_kam, outsider):
    accounts = RestaurantFactory.create_batch(3, owner=kam)
    lead = as_persona("lead")
    ids = [a.pk for a in accounts]

    bad = lead.post(
        "/api/kam/accounts/reassign/",
        {"accounts": ids, "kam": outsider.pk, "reason": ""},
        format="json",
    )
    good = lead.post(
        "/api/kam/accounts/reassign/",
        {"accounts": ids, "kam": other_kam.pk, "reason": "rebalancing"},
        format="json",
    )

    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) >= {"reason"}
    assert good.json() == {"reassigned": 3}
    assert set(Restaurant.objects.filter(pk__in=ids).values_list("owner", flat=True)) == {
        other_kam.pk
    }


@pytest.mark.parametrize(
    ("start", "to", "code"),
    [
        ("new", "active", 409),
        ("new", "qualified", 409),
        ("active", "onboarding", 409),
        ("lost", "active", 409),
        ("lost", "lost", 409),
        ("new", "nonsense", 400),
    ],
)
def test_transitions_that_are_not_allowed(start, to, code, as_persona, account):
    Restaurant.objects.filter(pk=account.pk).update(status=start)

    response = as_persona("owner").post(
        f"/api/kam/accounts/{account.pk}/transition/", {"status": to, "reason": "why not"}
    )

    assert response.status_code == code
    error = response.json()["error"]
    assert "status" in error["fields"]
    if code == 409:
        assert "cannot go from" in error["message"]


def test_a_transition_without_a_reason_is_refused_and_an_allowed_one_is_audited(
    as_persona, account
):
    Restaurant.objects.filter(pk=account.pk).update(status="new")
    client = as_persona("owner")
    url = f"/api/kam/accounts/{account.pk}/transition/"

    missing = client.post(url, {"status": "contacted", "reason": ""})
    ok = client.post(url, {"status": "contacted", "reason": "first call went well"})

    assert missing.status_code == 400
    assert "reason" in missing.json()["error"]["fields"]
    assert ok.status_code == 200
    assert ok.json()["status"] == "contacted"
    event = AuditEvent.objects.get(action=KamAction.STATUS_CHANGED)
    assert event.changes["status"] == {"from": "new", "to": "contacted"}
    assert (event.actor_label, event.reason) == ("kam-ann", "first call went well")


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/kam/contacts/", {"name": "X", "phone": "12"}, "phone"),
        ("/api/kam/contacts/", {"name": "X", "phone": "+33 1 00"}, "phone"),
        ("/api/kam/contacts/", {"name": "X", "email": "not-an-email"}, "email"),
        ("/api/kam/orders/", {"amount": "-5"}, "amount"),
        ("/api/kam/orders/", {"amount": "0"}, "amount"),
        ("/api/kam/orders/", {"amount": "10", "currency": "JPY"}, "currency"),
        ("/api/kam/orders/", {"amount": "10", "contact": "OTHER"}, "contact"),
        (
            "/api/kam/interactions/",
            {"kind": "call", "contact": "OTHER", "outcome": "busy"},
            "contact",
        ),
        ("/api/kam/interactions/", {"kind": "call", "outcome": "rescheduled"}, "next_call_at"),
        ("/api/kam/interactions/", {"kind": "visit", "outcome": "busy"}, "outcome"),
        ("/api/kam/interactions/", {"kind": "call", "outcome": "maybe"}, "outcome"),
        (
            "/api/kam/accounts/",
            {"name": "X", "city": "Y", "country": "FR", "time_zone": "Mars/Olympus"},
            "time_zone",
        ),
        (
            "/api/kam/accounts/",
            {
                "name": "X",
                "city": "Y",
                "country": "FR",
                "time_zone": "UTC",
                "rhythm": "weekly",
                "call_weekdays": "",
            },
            "call_weekdays",
        ),
    ],
)
def test_bad_input_answers_400_with_field_messages(url, body, field, as_persona, account):
    other_contact = ContactFactory(restaurant=RestaurantFactory())
    body = {k: (other_contact.pk if v == "OTHER" else v) for k, v in body.items()}
    if "accounts" not in url:
        body["restaurant"] = account.pk

    response = as_persona("owner").post(url, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()


def test_a_contact_phone_is_stored_in_e164(as_persona, account):
    response = as_persona("owner").post(
        "/api/kam/contacts/",
        {"restaurant": account.pk, "name": "Paul", "phone": "06 12 34 56 78", "role": "chef"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+33612345678"
    assert response.json()["is_primary"] is True  # the account's first contact


def test_logging_a_call_moves_the_next_call(as_persona, account):
    Restaurant.objects.filter(pk=account.pk).update(call_every_days=7, call_hour=10)

    response = as_persona("owner").post(
        "/api/kam/interactions/",
        {"restaurant": account.pk, "kind": "call", "outcome": "connected",
         "occurred_at": "2026-11-18T09:30:00Z"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.content
    due = dt.datetime.fromisoformat(response.json()["next_call_due_at"])
    assert due == dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)  # 10:00 in Paris


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/api/kam/accounts/",
        "/api/kam/contacts/",
        "/api/kam/interactions/",
        "/api/kam/orders/",
        "/api/kam/performance/",
        "/api/kam/performance/underperforming/",
        "/api/kam/calls/due/",
    ],
)
def test_list_endpoints_run_a_constant_number_of_queries(url, as_persona, kam):
    def add(n: int) -> None:
        now = dt.datetime.now(dt.UTC)
        for _ in range(n):
            account = RestaurantFactory(
                owner=kam, band="underperforming", next_call_due_at=now + dt.timedelta(hours=1)
            )
            ContactFactory(restaurant=account, is_primary=True)
            OrderFactory(restaurant=account)
            Interaction.objects.create(
                restaurant=account, kind="call", outcome="busy", occurred_at=now
            )

    client = as_persona("owner")
    add(2)
    few = _count_queries(client, url + "?page_size=2")
    add(18)
    many = _count_queries(client, url + "?page_size=20")

    assert few == many, (few, many)


def test_a_lead_may_see_another_kams_calls_a_kam_may_not(as_persona, account, kam):
    url = f"/api/kam/calls/due/?kam={kam.pk}"

    lead = as_persona("lead").get(url)
    other = as_persona("other_kam").get(url)

    assert lead.status_code == 200
    assert [row["account"] for row in lead.json()["next_seven_days"]] == [account.pk]
    assert other.status_code == 403
    assert as_persona("lead").get("/api/kam/calls/due/?kam=abc").status_code == 400


def test_a_new_call_hour_moves_the_planned_call_to_that_hour_the_same_local_day(
    as_persona, account
):
    Restaurant.objects.filter(pk=account.pk).update(
        time_zone="Asia/Kolkata", next_call_due_at=dt.datetime(2026, 11, 25, 4, 30, tzinfo=dt.UTC)
    )

    response = as_persona("owner").patch(
        f"/api/kam/accounts/{account.pk}/", {"call_hour": 15}, format="json"
    )

    assert response.status_code == 200, response.content
    account.refresh_from_db()
    assert account.next_call_due_at == dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
    assert AuditEvent.objects.filter(action=KamAction.ACCOUNT_UPDATED).exists()


def test_a_kam_cannot_give_an_account_away_by_patching_its_owner(as_persona, account, other_kam):
    response = as_persona("owner").patch(
        f"/api/kam/accounts/{account.pk}/", {"owner": other_kam.pk}, format="json"
    )

    assert response.status_code == 400
    assert "owner" in response.json()["error"]["fields"]


def test_the_query_parameters_filter_through_the_selectors(as_persona, kam, other_kam):
    mine = RestaurantFactory(owner=kam, name="Mine", band="underperforming", city="Lyon")
    theirs = RestaurantFactory(owner=other_kam, name="Theirs", band="underperforming")
    Interaction.objects.create(restaurant=mine, kind="visit", occurred_at=mine.created_at)
    Interaction.objects.create(
        restaurant=theirs, kind="call", outcome="busy", occurred_at=theirs.created_at
    )
    lead = as_persona("lead")

    assert _ids(lead.get(f"/api/kam/accounts/?owner={other_kam.pk}")) == {theirs.pk}
    assert _ids(lead.get("/api/kam/accounts/?city=lyon")) == {mine.pk}
    under = "/api/kam/performance/underperforming/"
    assert _ids(lead.get(f"{under}?owner={kam.pk}")) == {mine.pk}
    assert _ids(lead.get(f"{under}?band=steady")) == set()  # the URL names the band already
    assert _ids(lead.get(f"{under}?band=underperforming")) == {mine.pk, theirs.pk}
    rows = lead.get(f"/api/kam/interactions/?restaurant={theirs.pk}").json()["results"]
    assert [row["outcome"] for row in rows] == ["busy"]
    assert lead.get("/api/kam/interactions/?kind=visit").json()["results"][0]["restaurant"] == (
        mine.pk
    )
    bad = lead.get("/api/kam/accounts/?owner=1.5")
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["owner"]
