"""Audit events of evaluations speak the app's vocabulary (`EvaluationAction`).

Before, actions were free text: "evaluated", "re-evaluated" (an evaluation) and "decay pass
finished" (a decay pass). They become `evaluations.created`, `evaluations.reevaluated` and
`evaluations.decay_pass_finished`. Only events of this app's models are touched (by content
type); reversing writes the old texts back.
"""

from django.db import migrations

#: model -> {old action: new action}. Literal values: a migration must not change when the
#: enum does.
RENAMES = {
    "evaluation": {
        "evaluated": "evaluations.created",
        "re-evaluated": "evaluations.reevaluated",
    },
    "decaypass": {
        "decay pass finished": "evaluations.decay_pass_finished",
    },
}


def _rename(apps, *, backwards: bool) -> None:
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, renames in RENAMES.items():
        content_type = ContentType.objects.filter(app_label="evaluations", model=model).first()
        if content_type is None:
            continue
        for old, new in renames.items():
            before, after = (new, old) if backwards else (old, new)
            AuditEvent.objects.filter(content_type=content_type, action=before).update(
                action=after
            )


def forwards(apps, schema_editor):
    _rename(apps, backwards=False)


def backwards(apps, schema_editor):
    _rename(apps, backwards=True)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0002_public_failure_notes"),
        ("core", "0003_auditevent_request_id"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
