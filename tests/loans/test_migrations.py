"""The data migration that turns stored technical failure texts into sentences."""

import importlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.models import AuditEvent
from loans.models import LoanAction, Status

migration = importlib.import_module("loans.migrations.0003_public_failure_texts")


@pytest.fixture
def executor():
    """Migrations run back and forth; the database is left at the latest state."""
    yield MigrationExecutor(connection)
    latest = MigrationExecutor(connection)
    latest.loader.build_graph()
    latest.migrate(latest.loader.graph.leaf_nodes())


def old_application(target: tuple[str, str], **fields):
    """A row made with the model as it was at `target` (today's model has columns the
    database at that state does not have yet)."""
    state = MigrationExecutor(connection).loader.project_state([target])
    model = state.apps.get_model("loans", "LoanApplication")
    defaults = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "amount": "15000.00",
        "currency": "EUR",
        "status": Status.NEW,
    }
    return model.objects.create(**{**defaults, **fields})


APP = "4f1b7c2e-8d9a-4b3c-9e1f-2a3b4c5d6e7f"
JOBS = f"GET http://bank.internal:8100/api/jobs?application_id={APP}"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (f"poll: bank: {JOBS} answered 503", "status check: the bank did not answer (HTTP 503)"),
        (
            f"poll: bank: {JOBS} timed out (ReadTimeout(''))",
            "status check: the bank did not answer in time",
        ),
        (
            "submission attempt 3: bank: POST /api/applications failed: "
            "ConnectError('[Errno 111] Connection refused')",
            "submission attempt 3: the bank could not be reached",
        ),
        (
            "poll: bank: job body not in the contract: KeyError('status')",
            "status check: the bank gave an answer we could not read",
        ),
        ("", ""),
        ("status check: the bank did not answer (HTTP 503)", None),
    ],
)
def test_last_errors(old, new):
    assert migration.rewrite_last_error(old) == (old if new is None else new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "The bank refused the application: the request payload is not valid.",
            "Sending the application failed: the bank refused the application's data as not "
            "valid (HTTP 400).",
        ),
        (
            'The bank refused the application: POST http://b/api/applications answered 409: {"x"}',
            "Sending the application failed: the bank refused the request (HTTP 409).",
        ),
        (
            f"The bank refused our status request: {JOBS} answered 410: gone",
            "Checking the status failed: the bank refused the request (HTTP 410).",
        ),
        (
            "The bank says this application does not exist (404). Re-submit it from the admin to "
            "send it again.",
            None,
        ),
    ],
)
def test_failure_reasons(old, new):
    assert migration.rewrite_failure_reason(old) == (old if new is None else new)


@pytest.mark.django_db(transaction=True)
def test_the_migration_rewrites_applications_and_their_history(executor):
    executor.migrate([("loans", "0002_loanapplication_error_reference")])
    application = old_application(
        ("loans", "0002_loanapplication_error_reference"),
        status=Status.FAILED,
        failure_reason=f"The bank refused our status request: {JOBS} answered 410: gone",
        last_error=f"poll: bank: {JOBS} answered 503",
    )
    loan_type = ContentType.objects.get_for_model(application)
    common = {
        "actor_label": "system: loans.poller",
        "content_type": loan_type,
        "object_id": str(application.pk),
        "object_repr": str(application),
    }
    failed = AuditEvent.objects.create(
        **common, action="status_changed", reason=f"{JOBS} answered 410: gone"
    )
    resubmitted = AuditEvent.objects.create(
        **common,
        action="resubmitted",
        reason="re-submitted by staff",
        changes={"failure_reason": {"from": application.failure_reason, "to": ""}},
    )
    decided = AuditEvent.objects.create(
        **common, action="status_changed", reason="the bank decided: completed"
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("loans", "0003_public_failure_texts")])

    application.refresh_from_db()
    for event in (failed, resubmitted, decided):
        event.refresh_from_db()
    expected = "Checking the status failed: the bank refused the request (HTTP 410)."
    assert application.failure_reason == expected
    assert application.last_error == "status check: the bank did not answer (HTTP 503)"
    assert failed.reason == "the bank refused the request (HTTP 410)"
    assert resubmitted.changes["failure_reason"] == {"from": expected, "to": ""}
    assert resubmitted.reason == "re-submitted by staff"
    assert decided.reason == "the bank decided: completed"
    for text in (application.failure_reason, application.last_error, failed.reason):
        assert APP not in text
        assert "http" not in text


@pytest.mark.django_db(transaction=True)
def test_audit_actions_join_the_loans_vocabulary_and_back(executor):
    executor.migrate([("loans", "0003_public_failure_texts")])
    application = old_application(("loans", "0003_public_failure_texts"))
    loan_type = ContentType.objects.get_for_model(application)
    common = {
        "actor_label": "system: loans.poller",
        "content_type": loan_type,
        "object_id": str(application.pk),
        "object_repr": str(application),
    }
    old = ["created", "status_changed", "status changed", "resubmitted", "poll_requested"]
    events = [AuditEvent.objects.create(**common, action=action) for action in old]
    elsewhere = AuditEvent.objects.create(
        **{**common, "content_type": ContentType.objects.get_for_model(AuditEvent)},
        action="created",
    )

    def actions() -> list[str]:
        return [AuditEvent.objects.get(pk=event.pk).action for event in events]

    forward = MigrationExecutor(connection)
    forward.migrate([("loans", "0004_audit_actions")])
    assert actions() == [
        LoanAction.CREATED,
        LoanAction.STATUS_CHANGED,
        LoanAction.STATUS_CHANGED,
        LoanAction.RESUBMITTED,
        LoanAction.POLL_REQUESTED,
    ]
    assert AuditEvent.objects.get(pk=elsewhere.pk).action == "created"

    backward = MigrationExecutor(connection)
    backward.migrate([("loans", "0003_public_failure_texts")])
    assert actions() == [
        "created",
        "status_changed",
        "status_changed",
        "resubmitted",
        "poll_requested",
    ]


@pytest.mark.django_db(transaction=True)
def test_failed_applications_say_to_resubmit_from_their_page(executor):
    executor.migrate([("loans", "0004_audit_actions")])
    told = (
        "The bank says this application does not exist (404). Re-submit it from the admin to "
        "send it again."
    )
    at = ("loans", "0004_audit_actions")
    failed = old_application(at, status=Status.FAILED, failure_reason=told)
    other = old_application(at, status=Status.FAILED, failure_reason="The bank refused it.")

    MigrationExecutor(connection).migrate([("loans", "0005_resubmit_from_the_page")])
    failed.refresh_from_db()
    assert failed.failure_reason == (
        "The bank says this application does not exist (404). Re-submit it from its page to "
        "send it again."
    )
    other.refresh_from_db()
    assert other.failure_reason == "The bank refused it."

    MigrationExecutor(connection).migrate([("loans", "0004_audit_actions")])
    failed.refresh_from_db()
    assert failed.failure_reason == told
