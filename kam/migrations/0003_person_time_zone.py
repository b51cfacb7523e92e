"""One time zone per person: a KAM's "today" and reminders use the zone the person chose on
their settings page (`core.UserPreferences`), so `KamProfile` (a second zone that only the
admin could set) goes. Its zone moves to the person's preferences when they chose none;
a zone they chose themselves is kept. Reversible: going back recreates each KAM's profile
from the zone of their preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import migrations


def to_preferences(apps, schema_editor):
    KamProfile = apps.get_model("kam", "KamProfile")
    UserPreferences = apps.get_model("core", "UserPreferences")
    for profile in KamProfile.objects.all():
        preferences, _ = UserPreferences.objects.get_or_create(user_id=profile.user_id)
        if not preferences.time_zone:
            preferences.time_zone = profile.time_zone
            preferences.save(update_fields=["time_zone"])


def to_profiles(apps, schema_editor):
    KamProfile = apps.get_model("kam", "KamProfile")
    Restaurant = apps.get_model("kam", "Restaurant")
    UserPreferences = apps.get_model("core", "UserPreferences")
    kams = Restaurant.objects.values("owner_id")
    chosen = UserPreferences.objects.filter(user_id__in=kams).exclude(time_zone="")
    for preferences in chosen:
        KamProfile.objects.update_or_create(
            user_id=preferences.user_id, defaults={"time_zone": preferences.time_zone}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("kam", "0002_audit_actions"),
        # The preferences exist, and core's frozen role permissions (0004, which names the
        # profile's permissions) ran while the model still existed.
        ("core", "0005_user_preferences"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(to_preferences, to_profiles),
        migrations.DeleteModel(name="KamProfile"),
    ]
