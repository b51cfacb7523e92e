"""Audit actions of loan applications join the loans vocabulary (`loans.models.LoanAction`).

Events used to be written with free-text actions ("created", "status_changed",
"resubmitted", "poll_requested"); they now read `loans.<what happened>`. Only events about
loan applications are touched (other apps had their own "created"). Reversible: going back
writes the old words again ("status changed", an old spelling, comes back as
"status_changed").
"""

from django.db import migrations

FORWARD = {
    "created": "loans.created",
    "status_changed": "loans.status_changed",
    "status changed": "loans.status_changed",
    "resubmitted": "loans.resubmitted",
    "poll_requested": "loans.poll_requested",
}
BACKWARD = {
    "loans.created": "created",
    "loans.status_changed": "status_changed",
    "loans.resubmitted": "resubmitted",
    "loans.poll_requested": "poll_requested",
}


def _rewrite(apps, mapping: dict[str, str]) -> None:
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    loan_type = ContentType.objects.filter(app_label="loans", model="loanapplication").first()
    if loan_type is None:
        return  # a fresh database: no event yet
    events = AuditEvent.objects.filter(content_type=loan_type)
    for old, new in mapping.items():
        events.filter(action=old).update(action=new)


def forwards(apps, schema_editor):
    _rewrite(apps, FORWARD)


def backwards(apps, schema_editor):
    _rewrite(apps, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0003_public_failure_texts"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
