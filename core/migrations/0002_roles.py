"""Create one Django group per role (see core.roles.Role)."""

from django.db import migrations

ROLE_GROUPS = [
    "Sales agent",
    "Loan officer",
    "Key-account manager",
    "Key-account manager lead",
    "Analyst",
    "Risk analyst",
]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


def delete_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLE_GROUPS, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
