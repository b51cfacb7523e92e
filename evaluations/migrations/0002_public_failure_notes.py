"""Audit reasons of evaluations that could not reach the register become sentences.

Before, an unreachable register was audited as the error's technical text: "SIRENE register
(Opendatasoft): sirene: GET http://register.internal/api/records/1.0/search/?dataset=...&q=
<siren> answered 503". It now reads as new evaluations write it: "the SIRENE register did not
answer (HTTP 503)". Reversing leaves the texts as they are.
"""

from django.db import migrations

from core.legacy_texts import failure_sentence

PREFIX = "SIRENE register (Opendatasoft): sirene: "


def rewrite(text: str) -> str:
    if not text or not text.startswith(PREFIX):
        return text
    return failure_sentence("the SIRENE register", text[len(PREFIX) :])


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    evaluation_type = ContentType.objects.filter(
        app_label="evaluations", model="evaluation"
    ).first()
    if evaluation_type is None:
        return
    events = AuditEvent.objects.filter(content_type=evaluation_type, reason__startswith=PREFIX)
    for event in events.iterator(chunk_size=500):
        event.reason = rewrite(event.reason)
        event.save(update_fields=["reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0001_initial"),
        ("core", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
