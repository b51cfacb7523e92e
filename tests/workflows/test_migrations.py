"""The data migration that turns stored technical run errors into sentences."""

import importlib

import pytest

from workflows import excel

migration = importlib.import_module("workflows.migrations.0002_public_failure_texts")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "Step 'chart' stopped on an unexpected error (KeyError); it has been logged.",
            "Step 'chart' stopped on an unexpected error; it has been logged.",
        ),
        (
            "Step 'chart' stopped on an unexpected error (decimal.InvalidOperation); it has "
            "been logged.",
            "Step 'chart' stopped on an unexpected error; it has been logged.",
        ),
        ("The run's definition can no longer be used: 'statement'", migration.DEFINITION_NOW),
        (
            "The workbook could not be read: BadZipFile: File is not a zip file",
            excel.UNREADABLE,
        ),
        (
            "'statement.xlsx' is not a valid .xlsx: the zip is damaged (Bad magic number for "
            "central directory).",
            "'statement.xlsx' is not a valid .xlsx: the zip is damaged.",
        ),
        ("'statement.xlsx' has 1 problem(s).", None),
        ("Expected exactly 12 months, found 13.", None),
        (excel.UNREADABLE, None),
        ("", None),
    ],
)
def test_rewrite(old, new):
    assert migration.rewrite(old) == (old if new is None else new)


def test_the_migration_writes_what_the_code_now_writes():
    assert migration.WORKBOOK_NOW == excel.UNREADABLE


@pytest.mark.django_db(transaction=True)
def test_the_migration_rewrites_runs_results_and_history(runner, customer_input, upload):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from core.models import AuditEvent
    from tests.workflows.conftest import KEY
    from workflows import services
    from workflows.models import RunStatus, StepResult, WorkflowRun

    # Started with today's code, then taken back to 0001 (its upload back into its row).
    run = services.workflow_run_start(
        key=KEY, actor=runner, data=customer_input, files={"statement": upload()}
    )
    executor = MigrationExecutor(connection)
    executor.migrate([("workflows", "0001_initial")])
    crashed = "Step 'statement' stopped on an unexpected error (KeyError); it has been logged."
    unreadable = "The workbook could not be read: BadZipFile: File is not a zip file"
    WorkflowRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, error=crashed, error_details=[unreadable]
    )
    result = StepResult.objects.filter(run=run).first()
    StepResult.objects.filter(pk=result.pk).update(errors=[unreadable, "kept as it is"])
    event = AuditEvent.objects.create(
        actor_label="system: workflows.worker",
        content_type=ContentType.objects.get_for_model(run),
        object_id=str(run.pk),
        object_repr=str(run),
        action="status_changed",
        reason=crashed,
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("workflows", "0002_public_failure_texts")])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("workflows"))  # the tables of today

    run.refresh_from_db()
    result.refresh_from_db()
    event.refresh_from_db()
    expected = "Step 'statement' stopped on an unexpected error; it has been logged."
    assert (run.error, run.error_details) == (expected, [excel.UNREADABLE])
    assert result.errors == [excel.UNREADABLE, "kept as it is"]
    assert event.reason == expected


@pytest.mark.django_db(transaction=True)
def test_the_audit_actions_become_the_apps_vocabulary_and_back():
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from core.models import AuditEvent
    from loans.models import LoanApplication
    from workflows.models import WorkflowRun

    def migrate(target):
        executor = MigrationExecutor(connection)
        executor.migrate([("workflows", target)] if target else executor.loader.graph.leaf_nodes())

    run_type = ContentType.objects.get_for_model(WorkflowRun)
    old = {
        "started": ("started", {"status": {"from": None, "to": "waiting"}}),
        "moved on": ("status_changed", {"status": {"from": "waiting", "to": "running"}}),
        "completed": ("status_changed", {"status": {"from": "running", "to": "completed"}}),
        "failed": ("status_changed", {"status": {"from": "running", "to": "failed"}}),
    }
    try:
        migrate("0003_definition_problems")
        events = {
            name: AuditEvent.objects.create(
                content_type=run_type, object_id="1", object_repr="run", action=action,
                changes=changes, actor_label="system",
            )
            for name, (action, changes) in old.items()
        }  # fmt: skip
        other_app = AuditEvent.objects.create(
            content_type=ContentType.objects.get_for_model(LoanApplication), object_id="1",
            object_repr="loan", action="status_changed", actor_label="system",
        )  # fmt: skip

        migrate("0004_audit_actions")
        actions = {name: AuditEvent.objects.get(pk=e.pk).action for name, e in events.items()}
        assert actions == {
            "started": "workflows.started",
            "moved on": "workflows.step_completed",
            "completed": "workflows.completed",
            "failed": "workflows.failed",
        }
        assert AuditEvent.objects.get(pk=other_app.pk).action == "status_changed"
        assert AuditEvent.objects.get(pk=events["failed"].pk).changes == old["failed"][1]

        migrate("0003_definition_problems")
        actions = {name: AuditEvent.objects.get(pk=e.pk).action for name, e in events.items()}
        assert actions == {name: action for name, (action, _) in old.items()}
    finally:
        migrate(None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", ["database", "filesystem"])
def test_the_uploads_bytes_move_from_their_rows_into_the_storage_and_back(
    backend, uploads_backend, runner, customer_input, upload
):
    import hashlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from tests.workflows.conftest import KEY
    from workflows import services
    from workflows.models import Upload

    def migrate(target=None):
        executor = MigrationExecutor(connection)
        executor.migrate([("workflows", target)] if target else executor.loader.graph.leaf_nodes())
        return executor

    storage = uploads_backend(backend)
    run = services.workflow_run_start(
        key=KEY, actor=runner, data=customer_input, files={"statement": upload()}
    )
    today = Upload.objects.get(run=run)
    original = today.read_bytes()
    try:
        # Backwards: the bytes go back into the row, the stored file goes once that commits.
        executor = migrate("0004_audit_actions")
        assert not storage.exists(today.file.name)
        old_state = executor.loader.project_state(("workflows", "0004_audit_actions"))
        OldUpload = old_state.apps.get_model("workflows", "Upload")
        assert bytes(OldUpload.objects.get(pk=today.pk).content) == original
        older = OldUpload.objects.create(
            run_id=run.pk, step_id="customer", field="statement", original_name="Mars.XLSX",
            size=5, sha256=hashlib.sha256(b"bytes").hexdigest(), content=b"bytes",
        )  # fmt: skip

        migrate()  # forwards: every row's bytes into the storage, size and sha256 kept

        moved = Upload.objects.get(pk=older.pk)
        assert moved.file.name == f"uploads/workflows/{run.pk}/{older.pk}.xlsx"
        assert moved.read_bytes() == b"bytes"
        assert (moved.size, moved.sha256) == (5, hashlib.sha256(b"bytes").hexdigest())
        back = Upload.objects.get(pk=today.pk)
        assert back.file.name == today.file.name
        assert back.read_bytes() == original
        assert back.sha256 == today.sha256
    finally:
        migrate()
