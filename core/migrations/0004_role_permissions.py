"""The Sales manager role, and the model permissions each role's group carries.

A frozen copy of `core.access.ADMIN_PERMISSIONS` as it was when this migration was written;
after every migrate `core.access.sync_role_permissions()` makes the groups match the code.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    "Sales manager": [
        "leads.view_lead",
        "leads.change_lead",
        "leads.view_qualificationrun",
    ],
    "Loan officer": [
        "loans.view_loanapplication",
        "loans.change_loanapplication",
    ],
    "Key-account manager lead": [
        "kam.view_restaurant",
        "kam.change_restaurant",
        "kam.view_pointofcontact",
        "kam.view_interaction",
        "kam.view_order",
        "kam.view_performancesnapshot",
        "kam.view_callreminder",
        "kam.view_kamprofile",
        "kam.change_kamprofile",
    ],
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name="Sales manager")
    for group_name, names in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for name in names:
            app_label, codename = name.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=PERMISSIONS):
        group.permissions.clear()
    Group.objects.filter(name="Sales manager", user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_auditevent_request_id"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("leads", "0001_initial"),
        ("loans", "0001_initial"),
        ("kam", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
