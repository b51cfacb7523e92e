"""One audit vocabulary: every kam event is a `KamAction`, details in changes and reason;
the data migration rewrites the old free-text actions (and back)."""

from __future__ import annotations

import importlib

import pytest

from core.audit import action_label, audit_timeline
from core.models import AuditEvent
from kam.models import KamAction, Restaurant
from kam.services import (
    account_create,
    account_transition,
    account_update,
    accounts_reassign,
    call_log,
    contact_create,
    contact_delete,
    contact_update,
)

migration = importlib.import_module("kam.migrations.0002_audit_actions")
pytestmark = pytest.mark.django_db


def test_every_write_records_a_kam_action_with_its_details(kam, kam_lead, other_kam):
    account = account_create(
        actor=kam, name="Chez Ann", city="Paris", country="FR", time_zone="Europe/Paris"
    )
    account_update(actor=kam, restaurant_id=account.pk, cuisine="Thai")
    account_transition(
        actor=kam, restaurant_id=account.pk, to_status="contacted", reason="first call"
    )
    contact = contact_create(actor=kam, restaurant_id=account.pk, name="Marie", role="chef")
    contact_update(actor=kam, contact_id=contact.pk, name="Marie C", phone="0612345678")
    call_log(actor=kam, restaurant_id=account.pk, outcome="no_answer")
    contact_delete(actor=kam, contact_id=contact.pk)
    accounts_reassign(
        actor=kam_lead, restaurant_ids=[account.pk], kam_id=other_kam.pk, reason="holidays"
    )

    events = list(audit_timeline(account).order_by("id"))
    assert [e.action for e in events] == [
        KamAction.ACCOUNT_CREATED,
        KamAction.ACCOUNT_UPDATED,
        KamAction.STATUS_CHANGED,
        KamAction.CONTACT_ADDED,
        KamAction.CONTACT_UPDATED,
        KamAction.CALL_LOGGED,
        KamAction.CONTACT_REMOVED,
        KamAction.REASSIGNED,
    ]
    by_action = {e.action: e for e in events}
    assert by_action[KamAction.STATUS_CHANGED].reason == "first call"
    updated = by_action[KamAction.CONTACT_UPDATED].changes
    assert updated["contact"] == {"from": "Marie", "to": "Marie C"}
    assert updated["phone"] == {"from": "", "to": "+33612345678"}
    call = by_action[KamAction.CALL_LOGGED].changes
    assert call["outcome"] == {"from": None, "to": "no_answer"}
    moved = by_action[KamAction.REASSIGNED]
    assert moved.changes == {"owner_id": {"from": kam.pk, "to": other_kam.pk}}
    assert moved.reason == "holidays"
    assert action_label(KamAction.CALL_LOGGED) == "Call logged"


# --- the data migration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (("account created", {"status": {"from": None, "to": "new"}}),
         ("kam.account_created", {"status": {"from": None, "to": "new"}})),
        (("account updated", {}), ("kam.account_updated", {})),
        (("status changed", {"status": {"from": "new", "to": "contacted"}}),
         ("kam.status_changed", {"status": {"from": "new", "to": "contacted"}})),
        (("contact added", {"contact": {"from": None, "to": "Zoé (Chef)"}}),
         ("kam.contact_added", {"contact": {"from": None, "to": "Zoé (Chef)"}})),
        (("contact removed", {"contact": {"from": "Zoé (Chef)", "to": None}}),
         ("kam.contact_removed", {"contact": {"from": "Zoé (Chef)", "to": None}})),
        (("call logged (no answer)", {"next_call_due_at": {"from": "a", "to": "b"}}),
         ("kam.call_logged", {"outcome": {"from": None, "to": "no_answer"},
                              "next_call_due_at": {"from": "a", "to": "b"}})),
        (("call logged (connected)", {}),
         ("kam.call_logged", {"outcome": {"from": None, "to": "connected"}})),
        (("contact Zoé B updated", {"name": {"from": "Zoé", "to": "Zoé B"},
                                    "phone": {"from": "", "to": "+33612345678"}}),
         ("kam.contact_updated", {"contact": {"from": "Zoé", "to": "Zoé B"},
                                  "phone": {"from": "", "to": "+33612345678"}})),
        (("contact Zoé updated", {"role": {"from": "chef", "to": "owner"}}),
         ("kam.contact_updated", {"contact": {"from": "Zoé", "to": "Zoé"},
                                  "role": {"from": "chef", "to": "owner"}})),
        (("account reassigned", {"owner": {"from": "ann", "to": "bob"},
                                 "owner_id": {"from": 1, "to": 2}}),
         ("kam.reassigned", {"owner_id": {"from": 1, "to": 2}})),
    ],
)  # fmt: skip
def test_each_old_action_has_its_new_value_and_back(old, new):
    assert migration.forward(*old) == new
    assert migration.backward(*new, {1: "ann", 2: "bob"}) == old


def test_actions_the_migration_does_not_know_are_left_alone():
    assert migration.forward("kam.call_logged", {"x": 1}) == ("kam.call_logged", {"x": 1})
    assert migration.forward("call logged (maybe)", {}) == ("call logged (maybe)", {})
    assert migration.backward("something else", {}, {}) == ("something else", {})


@pytest.mark.django_db(transaction=True)
def test_the_migration_rewrites_the_trail_of_kam_records_only(kam, other_kam):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("kam", "0001_initial")])
    account = Restaurant.objects.create(
        name="Chez Ann", city="Paris", country="FR", time_zone="Europe/Paris", owner=kam
    )

    def event(obj, action, changes):
        return AuditEvent.objects.create(
            actor_label="kam-lea",
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj),
            action=action,
            changes=changes,
        )

    moved = event(
        account,
        "account reassigned",
        {"owner": {"from": "kam-ann", "to": "kam-bob"},
         "owner_id": {"from": kam.pk, "to": other_kam.pk}},
    )  # fmt: skip
    call = event(account, "call logged (busy)", {})
    elsewhere = event(kam, "account reassigned", {})  # not a kam record: untouched

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("kam", "0002_audit_actions")])
    for row in (moved, call, elsewhere):
        row.refresh_from_db()

    assert (moved.action, moved.changes) == (
        "kam.reassigned",
        {"owner_id": {"from": kam.pk, "to": other_kam.pk}},
    )
    assert (call.action, call.changes) == (
        "kam.call_logged",
        {"outcome": {"from": None, "to": "busy"}},
    )
    assert elsewhere.action == "account reassigned"

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("kam", "0001_initial")])
    moved.refresh_from_db()
    call.refresh_from_db()
    assert moved.action == "account reassigned"
    assert moved.changes["owner"] == {"from": "kam-ann", "to": "kam-bob"}
    assert call.action == "call logged (busy)"

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
