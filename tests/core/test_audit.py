"""The audit trail: who or what changed which object, from what to what, why, when."""

import pytest
from django.contrib.auth.models import Group
from django.template.loader import render_to_string

from core.audit import AuditAction, audit_record, audit_timeline, describe_events, diff
from core.models import AuditEvent


class TestAction(AuditAction):
    __test__ = False  # not a test class for pytest
    STATUS_CHANGED = "audittest.status_changed", "Status changed"
    POLLED = "audittest.polled", "Polled"
    EDITED = "audittest.edited", "Edited"
    CREATED = "audittest.created", "Created"
    REEVALUATED = "audittest.reevaluated", "Re-evaluated"
    NOTED = "audittest.noted", "Noted"
    OTHER = "audittest.other", "Other"


def timeline_html(subject) -> str:
    return render_to_string(
        "core/_audit_timeline.html", {"entries": describe_events(audit_timeline(subject))}
    )


@pytest.fixture
def subject(db):
    # Any model works as a subject; a Group is a convenient one with no dependencies.
    return Group.objects.create(name="Subject of the audit")


def test_a_change_by_a_person_names_them(subject, user_factory):
    alice = user_factory(username="alice")

    event = audit_record(
        obj=subject,
        action=TestAction.STATUS_CHANGED,
        actor=alice,
        changes=diff({"status": "new"}, {"status": "pending"}),
        reason="sent to the bank",
    )

    event.refresh_from_db()
    assert event.actor == alice
    assert event.actor_label == "alice"
    assert event.changes == {"status": {"from": "new", "to": "pending"}}
    assert event.reason == "sent to the bank"
    assert event.subject == subject


def test_a_change_by_the_system_names_the_component(subject):
    event = audit_record(obj=subject, action=TestAction.POLLED, actor="loans.poller")

    assert event.actor is None
    assert event.actor_label == "system: loans.poller"


def test_the_label_survives_the_user_being_deleted(subject, user_factory):
    bob = user_factory(username="bob")
    event = audit_record(obj=subject, action=TestAction.EDITED, actor=bob)

    bob.delete()
    event.refresh_from_db()

    assert event.actor is None
    assert event.actor_label == "bob"


def test_an_action_outside_the_vocabulary_is_refused(subject):
    with pytest.raises(TypeError, match="not an AuditAction"):
        audit_record(obj=subject, action="status changed")

    assert not AuditEvent.objects.exists()


def test_diff_keeps_only_what_changed():
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": {"from": 2, "to": 3}}


def test_values_that_json_cannot_hold_natively_are_stored(subject):
    import datetime
    import decimal
    import uuid

    changes = diff(
        {"amount": decimal.Decimal("10.50"), "at": None, "ref": None},
        {
            "amount": decimal.Decimal("12.00"),
            "at": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
            "ref": uuid.UUID(int=1),
        },
    )

    event = audit_record(obj=subject, action=TestAction.EDITED, changes=changes)
    event.refresh_from_db()

    assert event.changes["amount"] == {"from": "10.50", "to": "12.00"}
    assert event.changes["ref"]["to"] == str(uuid.UUID(int=1))


def test_timeline_lists_one_objects_events_newest_first(subject):
    other = Group.objects.create(name="Another subject")
    first = audit_record(obj=subject, action=TestAction.CREATED)
    second = audit_record(obj=subject, action=TestAction.EDITED)
    audit_record(obj=other, action=TestAction.CREATED)

    assert list(audit_timeline(subject)) == [second, first]


def test_timeline_include_renders_changes_and_reasons(subject):
    audit_record(
        obj=subject,
        action=TestAction.STATUS_CHANGED,
        actor="loans.poller",
        changes={"status": {"from": "pending", "to": "completed"}},
        reason="bank decided",
    )

    html = timeline_html(subject)

    assert "system: loans.poller" in html
    assert "pending" in html
    assert "completed" in html
    assert "bank decided" in html


def test_the_admin_shows_the_trail_read_only(admin_client, subject):
    event = audit_record(obj=subject, action=TestAction.CREATED)

    listing = admin_client.get("/admin/core/auditevent/")
    change = admin_client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert "Subject of the audit" in listing.text
    assert change.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_an_event_keeps_the_id_its_request_or_task_logged_under(subject):
    from core.request_id import request_id_scope

    with request_id_scope("a1b2c3d4e5f60718"):
        event = audit_record(
            obj=subject, action=TestAction.REEVALUATED, reason="the register is down"
        )
    outside = audit_record(obj=subject, action=TestAction.NOTED)

    html = timeline_html(subject)

    assert event.request_id == "a1b2c3d4e5f60718"
    assert outside.request_id == ""
    assert "ref <code>a1b2c3d4e5f60718</code>" in html
    assert html.count("ref <code>") == 1


def test_the_admin_finds_an_event_by_the_reference_a_person_quotes(admin_client, subject):
    from core.request_id import request_id_scope

    with request_id_scope("quoted-ref-0042"):
        audit_record(
            obj=subject, action=TestAction.STATUS_CHANGED, reason="the bank did not answer"
        )
    audit_record(obj=subject, action=TestAction.OTHER)

    listing = admin_client.get("/admin/core/auditevent/?q=quoted-ref-0042").text

    assert "1 result" in listing
