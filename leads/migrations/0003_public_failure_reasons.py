"""Stored reasons become sentences: no URL, no national id, no exception repr.

Before, an unavailable system's reason held the technical detail, e.g.
"judicial archives could not be reached (GET http://.../records?national_id=1850775...
answered 503)", in the run's check reasons, its decision reasons (a "needs review" lead's
reasons) and the lead's audit trail ("run 12: ..."). They now read "the judicial archives did
not answer (HTTP 503)", as new runs write them. The detail is not kept anywhere (it is in the
logs of the time); the migration cannot be reversed into it, and reversing leaves the text.
"""

import re

from django.db import migrations
from django.db.models import Q

from core.legacy_texts import failure_sentence, replace_wrapped

SYSTEMS = {
    "national registry": "the national registry",
    "judicial archives": "the judicial archives",
    "qualification scoring": "the qualification scoring service",
}
_NAMES = "|".join(SYSTEMS)
#: "judicial archives could not be reached (<technical detail>)"
UNREACHABLE = re.compile(rf"(?<!the )\b({_NAMES}) could not be reached \(")
#: "national registry check failed unexpectedly (logged)"
CRASHED = re.compile(rf"(?<!the )\b({_NAMES}) check failed unexpectedly \(logged\)")
#: "judicial archives gave no answer within 8 s", "... within the run's 8 s"
NO_ANSWER = re.compile(rf"(?<!the )\b({_NAMES}) gave no answer within (?:the run's )?([0-9.]+) s\b")

MARKERS = ("could not be reached (", "failed unexpectedly (logged)", "gave no answer within")


def _seconds(value: str) -> str:
    return f"{value} second{'' if value == '1' else 's'}"


def rewrite(text: str) -> str:
    """One stored text in the sentence form (unchanged when it holds no old failure)."""
    if not isinstance(text, str) or not any(marker in text for marker in MARKERS):
        return text
    text = replace_wrapped(
        text, UNREACHABLE, lambda match, detail: failure_sentence(SYSTEMS[match[1]], detail)
    )
    text = CRASHED.sub(
        lambda match: f"{SYSTEMS[match[1]]} check stopped on an unexpected error (logged)", text
    )
    return NO_ANSWER.sub(
        lambda match: f"{SYSTEMS[match[1]]} did not answer within {_seconds(match[2])}", text
    )


def _needs_rewrite(field: str, lookup: str = "contains") -> Q:
    query = Q()
    for marker in MARKERS:
        query |= Q(**{f"{field}__{lookup}": marker})
    return query


def forwards(apps, schema_editor):
    QualificationRun = apps.get_model("leads", "QualificationRun")
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")

    text_fields = ("registry_reason", "archives_reason", "scoring_reason")
    query = Q()
    for name in text_fields:
        query |= _needs_rewrite(name)
    # `reasons` is a JSON list: `icontains` searches its text form on every database
    # (`contains` would be JSON containment on PostgreSQL).
    candidates = QualificationRun.objects.filter(query | _needs_rewrite("reasons", "icontains"))
    for run in candidates.iterator(chunk_size=500):
        for name in text_fields:
            setattr(run, name, rewrite(getattr(run, name)))
        run.reasons = [rewrite(reason) for reason in run.reasons or []]
        run.save(update_fields=[*text_fields, "reasons"])

    lead_type = ContentType.objects.filter(app_label="leads", model="lead").first()
    if lead_type is None:
        return
    events = AuditEvent.objects.filter(content_type=lead_type).filter(_needs_rewrite("reason"))
    for event in events.iterator(chunk_size=500):
        event.reason = rewrite(event.reason)
        event.save(update_fields=["reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0002_qualificationrun_reference"),
        ("core", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
