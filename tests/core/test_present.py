"""How pages show things (core.present and the `present` template library), and the audit
trail for people (core.audit.describe_events, the `timeline` tag, the audit serializer)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from core import present
from core.api.serializers import AuditEventSerializer
from core.audit import AuditAction, action_label, audit_record, audit_timeline, describe_events
from kam.models import CallOutcome, Interaction, Restaurant
from tests.harness.users import UserFactory

NOW = dt.datetime(2026, 11, 29, 16, 5, 9, tzinfo=dt.UTC)


class SampleAction(AuditAction):
    THING_DONE = "sample.thing_done", "Thing done"


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("14232.4500000000", "INR", "₹14,232.45"),
        (Decimal("15000"), "EUR", "€15,000.00"),
        (123456, "JPY", "JP¥123,456"),
        ("-0.5", "GBP", "-£0.50"),
        (None, "EUR", "—"),
        ("not a number", "EUR", "—"),
        ("12.3", "", "12.30"),
        ("12.3", "XYZ", "XYZ12.30"),
    ],
)
def test_money_has_its_currency_separators_and_digits(amount, currency, shown):
    assert present.money(amount, currency) == shown


def test_money_follows_the_locale():
    with translation.override("fr"):
        assert present.money("14232.45", "EUR") == "14\u202f232,45\u00a0€"


def test_numbers_have_thousands_separators():
    assert present.number_text(1234567) == "1,234,567"
    assert present.number_text("1234.5", digits=2) == "1,234.50"
    assert present.number_text(None) == "—"


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Europe/Paris", "29 Nov 2026, 17:05 CET"),
        ("Asia/Kolkata", "29 Nov 2026, 21:35 IST"),
        ("America/Los_Angeles", "29 Nov 2026, 08:05 PST"),
        ("Asia/Dubai", "29 Nov 2026, 20:05 UTC+04"),
        ("Asia/Kathmandu", "29 Nov 2026, 21:50 UTC+05:45"),
    ],
)
def test_a_moment_names_its_zone(zone, shown):
    assert present.moment(NOW, zone) == shown


def test_a_moment_defaults_to_the_current_zone_and_reads_iso_text():
    with timezone.override("Asia/Kolkata"):
        assert present.moment(NOW) == "29 Nov 2026, 21:35 IST"
        assert present.moment(NOW.isoformat(), seconds=True) == "29 Nov 2026, 21:35:09 IST"
    assert present.moment(None) == "—"


def test_days_months_and_durations():
    assert present.day(dt.date(1984, 5, 12)) == "12 May 1984"
    assert present.day(NOW, "Pacific/Kiritimati") == "30 Nov 2026"
    assert present.month("2026-01") == "Jan 2026"
    assert present.month(dt.date(2025, 11, 1)) == "Nov 2025"
    assert [present.duration(s) for s in (0.42, 3.21, 125, 3725)] == [
        "420 ms", "3.2 s", "2 min 05 s", "1 h 02 min",
    ]  # fmt: skip
    assert present.duration(dt.timedelta(days=3, hours=4)) == "3 days 4 h"
    assert present.duration(715, unit="ms") == "715 ms"


def test_how_long_ago():
    assert present.ago(NOW - dt.timedelta(minutes=7), now=NOW) == "7 min 00 s ago"
    assert present.ago(NOW - dt.timedelta(seconds=12.4), now=NOW) == "12 s ago"
    assert present.ago(NOW + dt.timedelta(seconds=3), now=NOW) == "in 3 s"
    assert present.ago(NOW - dt.timedelta(milliseconds=300), now=NOW) == "just now"
    assert present.ago(NOW - dt.timedelta(days=2, hours=3), now=NOW) == "2 days 3 h ago"
    assert present.ago(None) == "—"


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 bytes"), (1, "1 byte"), (512, "512 bytes"), (1024, "1 KiB"), (1536, "1.5 KiB"),
     (5123, "5 KiB"), (2 * 1024**2, "2 MiB"), (3 * 1024**3 // 2, "1.5 GiB"), (None, "—")],
)  # fmt: skip
def test_file_sizes_in_binary_units_as_the_limits_are_written(size, shown):
    assert present.file_size(size) == shown


def test_choice_and_field_labels():
    assert present.choice_label("no_answer", CallOutcome) == "No answer"
    assert present.choice_label("", CallOutcome) == "—"
    assert present.choice_label("gone", CallOutcome) == "gone"
    assert present.field_label(Restaurant, "owner_id") == "Owner"


def test_the_template_library():
    html = Template(
        "{% load present %}{{ a|money:'EUR' }} | {{ n|number }} | {{ t|moment:'Asia/Kolkata' }} "
        "| {{ d|day }} | {{ s|duration }} | {{ ms|duration_ms }} | {{ i|label:'outcome' }}"
    ).render(
        Context(
            {
                "a": "1234.5",
                "n": 98765,
                "t": NOW,
                "d": dt.date(2026, 1, 2),
                "s": 61,
                "ms": 250,
                "i": Interaction(outcome=CallOutcome.NO_ANSWER),
            }
        )
    )
    assert html == (
        "€1,234.50 | 98,765 | 29 Nov 2026, 21:35 IST | 2 Jan 2026 | 1 min 01 s | 250 ms | No answer"
    )
    more = Template("{% load present %}{{ t|ago }} | {{ b|file_size }}").render(
        Context({"t": timezone.now() - dt.timedelta(minutes=2, seconds=5), "b": 1536})
    )
    assert more == "2 min 05 s ago | 1.5 KiB"


def test_action_labels_come_from_the_apps_enums():
    assert action_label("sample.thing_done") == "Thing done"
    assert action_label("status_changed") == "Status changed"  # a row older than the enums


@pytest.mark.django_db
def test_the_timeline_speaks_to_people():
    kam, other = UserFactory(username="kam.paris"), UserFactory(username="kam.mumbai")
    account = Restaurant.objects.create(
        name="Chez Lea", city="Paris", country="FR", time_zone="Europe/Paris", currency="EUR",
        owner=kam, status="active",
    )  # fmt: skip
    audit_record(
        obj=account,
        action=SampleAction.THING_DONE,
        actor=kam,
        changes={
            "owner_id": {"from": kam.pk, "to": other.pk},
            "status": {"from": "new", "to": "contacted"},
            "next_call_due_at": {"from": None, "to": NOW.isoformat()},
            "mystery": {"from": 1, "to": 2},
        },
        reason="Moving to Mumbai.",
    )

    [entry] = describe_events(audit_timeline(account))
    html = Template("{% load present %}{% timeline events %}").render(
        Context({"events": audit_timeline(account)})
    )

    assert entry.action_label == "Thing done"
    assert [(c.label, c.before, c.after) for c in entry.changes] == [
        ("Owner", "kam.paris", "kam.mumbai"),
        ("Status", "New", "Contacted"),
        ("Next call due at", "—", "29 Nov 2026, 17:05 CET"),
        ("Mystery", "1", "2"),
    ]
    assert "Thing done" in html
    assert "owner_id" not in html
    assert "Moving to Mumbai." in html


@pytest.mark.django_db
def test_one_audit_serializer_for_every_api():
    account = Restaurant.objects.create(
        name="Chez Lea", city="Paris", country="FR", time_zone="Europe/Paris", currency="EUR",
        owner=UserFactory(), status="active",
    )  # fmt: skip
    audit_record(obj=account, action=SampleAction.THING_DONE, actor="tests", reason="why")

    [data] = AuditEventSerializer(audit_timeline(account), many=True).data

    assert data["action"] == "sample.thing_done"
    assert data["action_label"] == "Thing done"
    assert data["actor"] == "system: tests"
    assert set(data) == {
        "at", "actor", "action", "action_label", "changes", "reason", "request_id",
    }  # fmt: skip


@pytest.mark.django_db
def test_the_timeline_reads_keys_of_other_models_and_older_rows():
    account = Restaurant.objects.create(
        name="Chez Lea", city="Paris", country="FR", time_zone="Europe/Paris", currency="EUR",
        owner=UserFactory(), status="active",
    )  # fmt: skip
    audit_record(
        obj=account,
        action=SampleAction.THING_DONE,
        changes={
            "outcome": {"from": None, "to": "no_answer"},  # a call's, logged on the account
            "owner": {"from": "kam.paris", "to": "kam.mumbai"},  # an older row: names, not ids
        },
    )

    [entry] = describe_events(audit_timeline(account))

    assert sorted((c.label, c.before, c.after) for c in entry.changes) == [
        ("Outcome", "—", "No answer"),
        ("Owner", "kam.paris", "kam.mumbai"),
    ]
