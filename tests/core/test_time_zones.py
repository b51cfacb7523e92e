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


# --- one zone per person: a KAM's "today" and reminders use the zone they chose ----------------


@pytest.fixture
def kam_in_paris(db):
    for role in Role:
        Group.objects.get_or_create(name=role.group_name)
    return UserFactory(username="kam", roles=[Role.KEY_ACCOUNT_MANAGER])


def test_the_zone_a_kam_chooses_is_the_one_of_their_today_page(client, kam_in_paris):
    from kam.models import Restaurant

    Restaurant.objects.create(
        name="Spice Route", city="Mumbai", country="IN", time_zone="Asia/Kolkata",
        currency="INR", owner=kam_in_paris, next_call_due_at=AT,
    )  # fmt: skip
    client.force_login(kam_in_paris)
    page = client.get("/kam/").text
    assert "with yours (Europe/Paris) beside them" in page  # none chosen: the server's
    assert "yours: 6 Dec 2026, 13:00 CET" in page

    client.post("/profile/", {"time_zone": "America/Los_Angeles"})

    page = client.get("/kam/").text
    assert "with yours (America/Los_Angeles) beside them" in page
    assert "yours: 6 Dec 2026, 04:00 PST" in page
    assert "6 Dec 2026, 17:30 IST" in page  # the restaurant's time stays


def test_a_kams_reminder_is_for_the_day_in_the_zone_they_chose(kam_in_paris):
    from core.services import user_time_zone_set
    from kam.services import call_reminder_send

    late_evening_in_la = dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC)  # Paris: 7 Dec, 07:00

    assert call_reminder_send(kam_id=kam_in_paris.pk, now=late_evening_in_la).date == dt.date(
        2026, 12, 7
    )
    user_time_zone_set(user=kam_in_paris, time_zone="America/Los_Angeles")
    assert call_reminder_send(kam_id=kam_in_paris.pk, now=late_evening_in_la).date == dt.date(
        2026, 12, 6
    )


def test_the_kam_profile_admin_is_gone(admin_client):
    """No second zone only the admin could set: people choose theirs on their settings page."""
    assert admin_client.get("/admin/kam/kamprofile/").status_code == 404
