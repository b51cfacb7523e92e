"""Stored run errors become sentences: no exception class name, no exception text.

Before, a crashed step read "Step 'chart' stopped on an unexpected error (KeyError); it has been
logged.", an unusable definition "The run's definition can no longer be used: 'statement'",
and an unreadable workbook "The workbook could not be read: BadZipFile: File is not a zip file"
(in the run, its step results and its history). They now read as new failures write them,
without the reference the new ones carry (the log of the time has the detail). Reversing leaves
the texts as they are.
"""

import re

from django.db import migrations
from django.db.models import Q

CRASHED = re.compile(r"(stopped on an unexpected error) \([A-Za-z_][\w.]*\)(; it has been logged)")
DEFINITION = "The run's definition can no longer be used: "
DEFINITION_NOW = (
    "The run's definition can no longer be used (it changed or was removed since the run "
    "started); the detail has been logged."
)
WORKBOOK = "The workbook could not be read: "
WORKBOOK_NOW = (
    "The workbook could not be read: it is damaged or was not saved by Excel as a workbook "
    "(.xlsx). Open it in Excel, save it again and upload it once more."
)
ZIP = re.compile(r"(is not a valid \.xlsx: the zip is damaged) \(.*\)\.$", re.DOTALL)


def rewrite(text):
    if not isinstance(text, str) or not text:
        return text
    if text.startswith(DEFINITION):
        return DEFINITION_NOW
    if text.startswith(WORKBOOK) and text != WORKBOOK_NOW:
        return WORKBOOK_NOW
    return ZIP.sub(r"\1.", CRASHED.sub(r"\1\2", text))


def rewrite_all(texts):
    return [rewrite(text) for text in texts] if isinstance(texts, list) else texts


MARKERS = ("unexpected error (", DEFINITION, WORKBOOK, "the zip is damaged (")


def _any(field, lookup="contains"):
    query = Q()
    for marker in MARKERS:
        query |= Q(**{f"{field}__{lookup}": marker})
    return query


def forwards(apps, schema_editor):
    WorkflowRun = apps.get_model("workflows", "WorkflowRun")
    StepResult = apps.get_model("workflows", "StepResult")
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")

    # JSON lists: `icontains` searches their text form on every database.
    runs = WorkflowRun.objects.filter(_any("error") | _any("error_details", "icontains"))
    for run in runs.iterator(chunk_size=500):
        run.error = rewrite(run.error)
        run.error_details = rewrite_all(run.error_details)
        run.save(update_fields=["error", "error_details"])
    for result in StepResult.objects.filter(_any("errors", "icontains")).iterator(chunk_size=500):
        result.errors = rewrite_all(result.errors)
        result.save(update_fields=["errors"])

    run_type = ContentType.objects.filter(app_label="workflows", model="workflowrun").first()
    if run_type is None:
        return
    for event in AuditEvent.objects.filter(content_type=run_type).filter(_any("reason")).iterator(
        chunk_size=500
    ):
        event.reason = rewrite(event.reason)
        event.save(update_fields=["reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0001_initial"),
        ("core", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
