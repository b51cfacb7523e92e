"""The key accounts' audit trail in one vocabulary: the old free-text actions of existing
`core.AuditEvent` rows about kam records become `KamAction` values, and the details their
text carried move into the structured changes (reversible).

    "account created"           -> kam.account_created
    "account updated"           -> kam.account_updated
    "status changed"            -> kam.status_changed
    "account reassigned"        -> kam.reassigned       (the usernames leave `changes`: the
                                                          trail names `owner_id` itself)
    "contact added"             -> kam.contact_added
    "contact <name> updated"    -> kam.contact_updated  (changes["contact"]: the name)
    "contact removed"           -> kam.contact_removed
    "call logged (no answer)"   -> kam.call_logged      (changes["outcome"]: no_answer)
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import migrations

SIMPLE = {
    "account created": "kam.account_created",
    "account updated": "kam.account_updated",
    "status changed": "kam.status_changed",
    "account reassigned": "kam.reassigned",
    "contact added": "kam.contact_added",
    "contact removed": "kam.contact_removed",
}
# The outcome labels of the old texts (lower case), as stored values.
OUTCOMES = {
    "connected": "connected",
    "no answer": "no_answer",
    "busy": "busy",
    "rescheduled": "rescheduled",
}
CALL = re.compile(r"^call logged \((?P<outcome>.+)\)$")
CONTACT = re.compile(r"^contact (?P<name>.+) updated$")


def forward(action: str, changes: dict) -> tuple[str, dict]:
    """The new action and changes of one event (unknown actions are left as they are)."""
    changes = dict(changes or {})
    if action in SIMPLE:
        if action == "account reassigned":
            changes.pop("owner", None)  # usernames; `owner_id` stays and is shown by name
        return SIMPLE[action], changes
    if match := CALL.match(action):
        outcome = OUTCOMES.get(match["outcome"])
        if outcome is None:
            return action, changes
        return "kam.call_logged", {"outcome": {"from": None, "to": outcome}, **changes}
    if match := CONTACT.match(action):
        name = match["name"]
        renamed = changes.pop("name", None)
        before = renamed["from"] if isinstance(renamed, dict) else name
        return "kam.contact_updated", {"contact": {"from": before, "to": name}, **changes}
    return action, changes


def backward(action: str, changes: dict, usernames: dict[int, str]) -> tuple[str, dict]:
    """The old action and changes of one event; `usernames` by user id (reassignments)."""
    changes = dict(changes or {})
    old = {new: old for old, new in SIMPLE.items()}
    if action == "kam.reassigned":
        owner = changes.get("owner_id")
        if isinstance(owner, dict):
            changes["owner"] = {
                "from": usernames.get(owner.get("from")),
                "to": usernames.get(owner.get("to")),
            }
        return old[action], dict(sorted(changes.items()))
    if action in old:
        return old[action], changes
    if action == "kam.call_logged":
        outcome = (changes.pop("outcome", None) or {}).get("to")
        label = {value: label for label, value in OUTCOMES.items()}.get(outcome, outcome)
        return f"call logged ({label})", changes
    if action == "kam.contact_updated":
        contact = changes.pop("contact", None) or {}
        if contact.get("from") != contact.get("to"):
            changes["name"] = {"from": contact.get("from"), "to": contact.get("to")}
        return f"contact {contact.get('to')} updated", dict(sorted(changes.items()))
    return action, changes


def _events(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("core", "AuditEvent")
    kinds = ContentType.objects.filter(app_label="kam")
    return AuditEvent.objects.filter(content_type__in=kinds).only("pk", "action", "changes")


def _rewrite(events, change) -> None:
    batch = []
    for event in events.iterator(chunk_size=2000):
        action, changes = change(event.action, event.changes)
        if (action, changes) != (event.action, event.changes):
            event.action, event.changes = action, changes
            batch.append(event)
        if len(batch) >= 2000:
            type(event).objects.bulk_update(batch, ["action", "changes"])
            batch = []
    if batch:
        type(batch[0]).objects.bulk_update(batch, ["action", "changes"])


def to_kam_actions(apps, schema_editor) -> None:
    _rewrite(_events(apps), forward)


def to_free_text(apps, schema_editor) -> None:
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    usernames = dict(User.objects.values_list("pk", "username"))
    _rewrite(_events(apps), lambda action, changes: backward(action, changes, usernames))


class Migration(migrations.Migration):
    dependencies = [
        ("kam", "0001_initial"),
        ("core", "0004_role_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(to_kam_actions, to_free_text)]
