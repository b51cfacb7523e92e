"""The leads' audit events take the app's vocabulary (`leads.models.LeadAction`).

Events about leads were written with free-text actions; they now carry the enum's values,
whose labels the pages show. Reversing writes the old texts back.
"""

from django.db import migrations

#: old action -> LeadAction value (the values are spelled out: a migration does not import
#: the models of today).
ACTIONS = {
    "lead created": "leads.lead_created",
    "lead updated": "leads.lead_updated",
    "lead deleted": "leads.lead_deleted",
    "qualification requested": "leads.qualification_requested",
    "qualified": "leads.qualification_decided",
}


def _rename(apps, mapping):
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    lead_type = ContentType.objects.filter(app_label="leads", model="lead").first()
    if lead_type is None:  # a new database: no event yet
        return
    events = AuditEvent.objects.filter(content_type=lead_type)
    for old, new in mapping.items():
        events.filter(action=old).update(action=new)


def forwards(apps, schema_editor):
    _rename(apps, ACTIONS)


def backwards(apps, schema_editor):
    _rename(apps, {new: old for old, new in ACTIONS.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0006_remove_qualificationrun_check_columns"),
        ("core", "0003_auditevent_request_id"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
