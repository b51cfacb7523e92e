"""Stored failure texts become sentences: no bank URL, no exception repr, no body.

Before, `last_error`, `failure_reason` and the audit reasons of an application held the
technical detail of a failed bank call ("poll: bank: GET http://bank.internal/api/jobs?
application_id=... answered 503"). They now read as new calls write them ("status check: the
bank did not answer (HTTP 503)"). The detail is not kept (it is in the logs of the time);
reversing leaves the texts as they are.
"""

import re

from django.db import migrations
from django.db.models import Q

from core.legacy_texts import failure_sentence

BANK = "the bank"
PAYLOAD_REJECTED = "the bank refused the application's data as not valid (HTTP 400)"
_STATUS = re.compile(r"\banswered \d{3}\b")
LAST_ERROR = re.compile(r"^(submission attempt \d+|poll): bank: (.*)$", re.DOTALL)
SUBMIT_REFUSED = "The bank refused the application: "
POLL_REFUSED = "The bank refused our status request: "


def _refusal(detail: str) -> str:
    """A submission refused with a 4xx: the contract's 400 carried the bank's own message."""
    return failure_sentence(BANK, detail) if _STATUS.search(detail) else PAYLOAD_REJECTED


def rewrite_last_error(text: str) -> str:
    match = LAST_ERROR.match(text or "")
    if match is None:
        return text
    prefix = "status check" if match[1] == "poll" else match[1]
    return f"{prefix}: {failure_sentence(BANK, match[2])}"


def rewrite_failure_reason(text: str) -> str:
    if not text:
        return text
    if text.startswith(SUBMIT_REFUSED):
        return f"Sending the application failed: {_refusal(text[len(SUBMIT_REFUSED) :])}."
    if text.startswith(POLL_REFUSED):
        detail = text[len(POLL_REFUSED) :]
        return f"Checking the status failed: {failure_sentence(BANK, detail)}."
    return text


def rewrite_audit_reason(text: str) -> str:
    """Failures were audited with the error's technical message."""
    if not text:
        return text
    if text.startswith("refused the application: "):
        return PAYLOAD_REJECTED
    if "://" in text and _STATUS.search(text):
        return failure_sentence(BANK, text)
    return text


def forwards(apps, schema_editor):
    LoanApplication = apps.get_model("loans", "LoanApplication")
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")

    candidates = LoanApplication.objects.filter(
        Q(last_error__startswith="poll: bank: ")
        | Q(last_error__startswith="submission attempt ")
        | Q(failure_reason__startswith=SUBMIT_REFUSED)
        | Q(failure_reason__startswith=POLL_REFUSED)
    )
    for application in candidates.iterator(chunk_size=500):
        application.last_error = rewrite_last_error(application.last_error)
        application.failure_reason = rewrite_failure_reason(application.failure_reason)
        application.save(update_fields=["last_error", "failure_reason"])

    loan_type = ContentType.objects.filter(app_label="loans", model="loanapplication").first()
    if loan_type is None:
        return
    events = AuditEvent.objects.filter(content_type=loan_type).filter(
        Q(reason__startswith="refused the application: ")
        | Q(reason__contains="://")
        | Q(action="resubmitted")
    )
    for event in events.iterator(chunk_size=500):
        event.reason = rewrite_audit_reason(event.reason)
        change = (event.changes or {}).get("failure_reason")
        if isinstance(change, dict) and isinstance(change.get("from"), str):
            change["from"] = rewrite_failure_reason(change["from"])
        event.save(update_fields=["reason", "changes"])


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0002_loanapplication_error_reference"),
        ("core", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
