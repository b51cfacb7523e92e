"""The data migration that leaves one time zone per person (kam 0003)."""

from collections.abc import Iterator

import pytest


@pytest.fixture
def migrated_back_to_the_latest() -> Iterator[None]:
    """A test that migrates backwards leaves the database at the latest migration again."""
    yield
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_back_to_the_latest")
def test_a_kams_profile_zone_becomes_their_own_unless_they_chose_one(user_factory):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from core.models import UserPreferences

    executor = MigrationExecutor(connection)
    executor.migrate([("kam", "0002_audit_actions")])
    old = executor.loader.project_state(("kam", "0002_audit_actions")).apps
    KamProfile = old.get_model("kam", "KamProfile")
    only_profile = user_factory(username="kam-mumbai")
    chose_already = user_factory(username="kam-la")
    chose_nothing = user_factory(username="kam-blank")
    KamProfile.objects.create(user_id=only_profile.pk, time_zone="Asia/Kolkata")
    KamProfile.objects.create(user_id=chose_already.pk, time_zone="Europe/London")
    KamProfile.objects.create(user_id=chose_nothing.pk, time_zone="America/Los_Angeles")
    UserPreferences.objects.create(user=chose_already, time_zone="America/Los_Angeles")
    UserPreferences.objects.create(user=chose_nothing, time_zone="")  # "the server's"

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("kam", "0003_person_time_zone")])

    zones = dict(UserPreferences.objects.values_list("user__username", "time_zone"))
    assert zones == {
        "kam-mumbai": "Asia/Kolkata",  # the admin's zone, now the person's own
        "kam-la": "America/Los_Angeles",  # what the person chose wins
        "kam-blank": "America/Los_Angeles",
    }
    assert "kam_kamprofile" not in connection.introspection.table_names()
