"""Each person's time zone: chosen on their settings page, used by every page (the API does not
change with it),
and KAM pages keep the restaurant's local time with the person's beside it."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from core.models import UserPreferences
from core.roles import Role
from tests.harness.users import UserFactory

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def officer(db):
    for role in Role:
        Group.objects.get_or_create(name=role.group_name)
    return UserFactory(username="officer", roles=[Role.LOAN_OFFICER])


@pytest.fixture
def application(officer):
    from loans.models import LoanApplication

    application = LoanApplication.objects.create(
        first_name="Ada", last_name="Lovelace", email="ada@example.test", amount="1000.00",
        currency="EUR",
    )  # fmt: skip
    LoanApplication.objects.filter(pk=application.pk).update(created_at=AT)
    return application


def test_pages_use_the_servers_zone_until_a_person_chooses_theirs(client, officer, application):
    client.force_login(officer)
    assert "6 Dec 2026, 13:00:00 CET" in client.get(f"/loans/{application.id}/").text

    response = client.post("/profile/", {"time_zone": "Asia/Kolkata"}, follow=True)

    assert "Times are now shown in Asia/Kolkata." in response.text
    assert UserPreferences.objects.get(user=officer).time_zone == "Asia/Kolkata"
    assert "6 Dec 2026, 17:30:00 IST" in client.get(f"/loans/{application.id}/").text
    export = client.get("/loans/?export=csv")
    assert "2026-12-06T17:30:00+05:30" in b"".join(export.streaming_content).decode()
    # The API answers the same whoever asks (the server's zone, with its offset).
    api = client.get(f"/api/loans/applications/{application.id}/")
    assert api.status_code == 200, api.json()
    assert api.json()["created_at"] == "2026-12-06T13:00:00+01:00"

    client.post("/profile/", {"time_zone": ""})
    assert "6 Dec 2026, 13:00:00 CET" in client.get(f"/loans/{application.id}/").text


@pytest.mark.parametrize("bad", ["Mars/Olympus", "../../etc/passwd", "x" * 300])
def test_an_unknown_zone_is_a_form_error(client, officer, bad):
    client.force_login(officer)
    response = client.post("/profile/", {"time_zone": bad})
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert not UserPreferences.objects.exists()


def test_the_service_refuses_an_unknown_zone_with_a_field_message(officer):
    from core.errors import ApplicationError
    from core.services import user_time_zone_set

    with pytest.raises(ApplicationError) as caught:
        user_time_zone_set(user=officer, time_zone="Mars/Olympus")
    assert "time_zone" in caught.value.fields


def test_kam_pages_show_the_restaurants_time_and_the_persons_beside(client):
    from kam.models import Restaurant

    for role in Role:
        Group.objects.get_or_create(name=role.group_name)
    kam = UserFactory(username="kam", roles=[Role.KEY_ACCOUNT_MANAGER])
    account = Restaurant.objects.create(
        name="Spice Route", city="Mumbai", country="IN", time_zone="Asia/Kolkata",
        currency="INR", owner=kam, next_call_due_at=AT,
    )  # fmt: skip
    client.force_login(kam)
    page = client.get(f"/kam/accounts/{account.pk}/").text
    assert "6 Dec 2026, 17:30 IST" in page
    assert "yours: 6 Dec 2026, 13:00 CET" in page

    UserPreferences.objects.create(user=kam, time_zone="Asia/Kolkata")
    page = client.get(f"/kam/accounts/{account.pk}/").text
    assert "6 Dec 2026, 17:30 IST" in page
    assert "yours:" not in page  # the same: said once
