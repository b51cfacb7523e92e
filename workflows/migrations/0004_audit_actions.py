"""The audit trail of runs in the app's vocabulary (`WorkflowAction`): "started" becomes
`workflows.started`; "status_changed" becomes `workflows.completed` or `workflows.failed`
when that is the status it changed to, `workflows.step_completed` otherwise (a step was done
and the run moved on). The from/to statuses stay in `changes`, the step or the failure in
`reason`. Reversing writes the old strings back."""

from django.db import migrations

STARTED = ("started", "workflows.started")
STATUS_CHANGED = "status_changed"
BY_STATUS = {"completed": "workflows.completed", "failed": "workflows.failed"}
STEP_COMPLETED = "workflows.step_completed"


def _events(apps):
    AuditEvent = apps.get_model("core", "AuditEvent")
    return AuditEvent.objects.filter(content_type__app_label="workflows")


def forwards(apps, schema_editor):
    events = _events(apps)
    events.filter(action=STARTED[0]).update(action=STARTED[1])
    for status, action in BY_STATUS.items():
        events.filter(action=STATUS_CHANGED, changes__status__to=status).update(action=action)
    events.filter(action=STATUS_CHANGED).update(action=STEP_COMPLETED)


def backwards(apps, schema_editor):
    events = _events(apps)
    events.filter(action=STARTED[1]).update(action=STARTED[0])
    events.filter(action__in=[STEP_COMPLETED, *BY_STATUS.values()]).update(action=STATUS_CHANGED)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_definition_problems"),
        ("core", "0003_auditevent_request_id"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
