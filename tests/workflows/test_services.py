"""Runs through the services: start, automatic steps, failures, and a run pinned to the
definition version it started with."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from core.roles import Role
from tests.workflows.conftest import (
    BAD_FILES,
    KEY,
    replace_upload_bytes,
    statement_rows,
    workbook_bytes,
)
from workflows import services
from workflows.models import (
    Customer,
    RunStatus,
    StepResult,
    Upload,
    WorkflowDefinition,
    WorkflowRun,
)
from workflows.selectors import workflow_run_chart, workflow_run_get

pytestmark = pytest.mark.django_db


def start(runner, customer_input, upload, content=None):
    return services.workflow_run_start(
        key=KEY, actor=runner, data=customer_input, files={"statement": upload(content)}
    )


def test_a_run_goes_from_the_form_to_the_chart(
    runner, customer_input, upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        run = start(runner, customer_input, upload)

    assert len(callbacks) == 1  # the automatic steps, sent to a worker on commit
    assert (run.status, run.current_step) == (RunStatus.RUNNING, "statement")
    assert run.customer == Customer.objects.get(last_name="Lovelace")
    assert Upload.objects.get(run=run).original_name == "statement.xlsx"

    assert services.workflow_run_execute(run_id=run.id) == RunStatus.COMPLETED

    run = workflow_run_get(user=runner, run_id=run.id)
    assert run.finished_at is not None
    assert [r.step_id for r in run.step_results.all()] == ["customer", "statement", "chart"]
    chart = workflow_run_chart(run)
    assert chart["x"][0] == "2025-01"
    assert [s["name"] for s in chart["series"]] == ["Income", "Expenses", "Net"]
    assert chart["series"][2]["exact"][:2] == ["500.00", "550.00"]
    assert chart["totals"]["Net"] == "9300.00"


def test_executing_again_changes_nothing(runner, customer_input, upload):
    run = start(runner, customer_input, upload)
    services.workflow_run_execute(run_id=run.id)

    assert services.workflow_run_execute(run_id=run.id) == "skipped"
    assert StepResult.objects.filter(run=run).count() == 3


def test_the_same_person_is_one_customer(runner, customer_input, upload):
    start(runner, customer_input, upload)
    start(runner, {**customer_input, "first_name": "ADA"}, upload)

    assert Customer.objects.count() == 1


def test_invalid_input_creates_nothing(runner, customer_input, upload):
    with pytest.raises(ApplicationError) as caught:
        start(runner, customer_input, upload, BAD_FILES["11 months"].content)

    assert caught.value.code == "validation_error"
    assert caught.value.fields == {"statement": ["Expected exactly 12 months, found 11."]}
    assert not WorkflowRun.objects.exists()
    assert not Customer.objects.exists()


def test_a_file_that_fails_in_the_worker_fails_the_run_with_its_errors(
    runner, customer_input, upload
):
    run = start(runner, customer_input, upload)
    replace_upload_bytes(Upload.objects.get(run=run), BAD_FILES["13 months"].content)

    assert services.workflow_run_execute(run_id=run.id) == RunStatus.FAILED

    run.refresh_from_db()
    assert run.error == "'statement.xlsx' could not be read: 1 problem."
    assert run.error_details == ["Expected exactly 12 months, found 13."]
    assert StepResult.objects.get(run=run, step_id="statement").status == "failed"


@pytest.mark.parametrize(
    "case", ["an exponent too large for any amount", "an exponent too small for any amount"]
)
def test_a_huge_exponent_in_the_worker_fails_the_run_with_a_sentence_not_an_overflow(
    runner, customer_input, upload, case
):
    run = start(runner, customer_input, upload)
    replace_upload_bytes(Upload.objects.get(run=run), BAD_FILES[case].content)

    assert services.workflow_run_execute(run_id=run.id) == RunStatus.FAILED

    run.refresh_from_db()
    assert run.error == "'statement.xlsx' could not be read: 1 problem."
    assert run.error_details == [BAD_FILES[case].expected]


def test_a_run_waits_for_its_first_step_then_takes_its_input(runner, customer_input, upload):
    run = services.workflow_run_start(key=KEY, actor=runner)
    assert (run.status, run.current_step) == (RunStatus.WAITING, "customer")

    run = services.workflow_run_submit(
        run_id=run.id, step_id="customer", actor=runner, data=customer_input,
        files={"statement": upload()},
    )  # fmt: skip

    assert run.status == RunStatus.RUNNING
    with pytest.raises(ConflictError, match="not waiting for step 'customer'; it is running"):
        services.workflow_run_submit(
            run_id=run.id, step_id="customer", actor=runner, data=customer_input,
            files={"statement": upload()},
        )  # fmt: skip


def test_other_roles_may_not_start(user_factory):
    sales = user_factory(username="sam", roles=[Role.SALES_AGENT])

    with pytest.raises(PermissionDeniedError):
        services.workflow_run_start(key=KEY, actor=sales)


def test_a_run_in_progress_finishes_on_the_version_it_started_with(
    runner, customer_input, upload, definitions_dir
):
    """Start on v2; the file becomes v3 (6 months, another chart); the old run still reads 12
    months and draws the v2 chart, while new runs use v3."""
    services.definitions_sync()
    waiting = services.workflow_run_start(key=KEY, actor=runner)  # waits for its form
    running = start(runner, customer_input, upload)  # automatic steps not done yet
    path = definitions_dir / f"{KEY}.yaml"
    text = path.read_text()
    assert "version: 2" in text
    assert "exactly: 12" in text
    path.write_text(
        text.replace("version: 2", "version: 3")
        .replace("exactly: 12", "exactly: 6")
        .replace("name: Net,", "name: Balance,")
        .replace("        - name: statement\n", "        - name: reference\n          type: text\n"
                 "          label: Reference\n        - name: statement\n")
    )  # fmt: skip

    rows, errors = services.definitions_sync()

    assert errors == []
    assert [row.version for row in rows] == [3]
    assert services.workflow_run_execute(run_id=running.id) == RunStatus.COMPLETED
    chart = workflow_run_chart(workflow_run_get(user=runner, run_id=running.id))
    assert len(chart["x"]) == 12
    assert chart["series"][2]["name"] == "Net"

    # The run that waited for its form still takes the v2 form (no reference field) ...
    services.workflow_run_submit(run_id=waiting.id, step_id="customer", actor=runner,
                                 data=customer_input, files={"statement": upload()})  # fmt: skip
    assert services.workflow_run_execute(run_id=waiting.id) == RunStatus.COMPLETED
    # ... while a new run is on v2: a reference and 6 months.
    with pytest.raises(ApplicationError) as caught:
        start(runner, customer_input, upload)
    assert caught.value.fields == {
        "reference": ["This field is required."],
        "statement": ["Expected exactly 6 months, found 12."],
    }
    new = start(runner, {**customer_input, "reference": "R1"}, upload,
                workbook_bytes(statement_rows(count=6)))  # fmt: skip
    services.workflow_run_execute(run_id=new.id)
    chart = workflow_run_chart(workflow_run_get(user=runner, run_id=new.id))
    assert chart["series"][2]["name"] == "Balance"
    versions = dict(WorkflowDefinition.objects.values_list("pk", "version"))
    assert versions[running.definition_id] == 2
    assert versions[new.definition_id] == 3


def test_a_lost_message_is_resent_by_the_sweep(runner, customer_input, upload, monkeypatch):
    from datetime import timedelta

    from workflows import tasks

    sent = []
    monkeypatch.setattr(tasks.run_automatic_steps, "apply_async", lambda args: sent.append(args))
    run = start(runner, customer_input, upload)

    assert services.workflow_runs_resume_stalled() == 0  # too recent: its own task is coming
    assert services.workflow_runs_resume_stalled(older_than=timedelta(seconds=-1)) == 1
    assert sent == [[str(run.id)]]


def test_starting_a_run_is_a_handful_of_queries(runner, customer_input, upload):
    start(runner, customer_input, upload)
    with CaptureQueriesContext(connection) as queries:
        start(runner, customer_input, upload)
    assert len(queries) < 40


def test_the_demo_data_loads_once(settings, tmp_path):
    import io

    from workflows import demo

    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    demo.load(out)
    demo.load(out)

    run = WorkflowRun.objects.get()
    assert run.status == RunStatus.COMPLETED
    assert run.customer.last_name == "Hopper"
    assert (tmp_path / "demo" / "sample_statement.xlsx").stat().st_size > 0
    assert "already there" in out.getvalue()


def test_the_docs_approval_step_works_end_to_end(
    runner, customer_input, upload, definitions_dir, approval_step
):
    """docs/workflows.md's worked example: high expenses wait for an approval."""
    path = definitions_dir / f"{KEY}.yaml"
    text = path.read_text().replace("version: 2", "version: 3")
    text = text.replace(
        "      consecutive: month\n    next: chart\n",
        "      consecutive: month\n    next:\n"
        "      - if: {value_of: statement.totals.expenses, op: gt, value: 20000}\n"
        "        goto: approval\n"
        "      - goto: chart\n"
        '  - id: approval\n    type: approval\n    config: {question: "Go on?"}\n    next:\n'
        "      - if: {value_of: approval.decision, op: eq, value: approve}\n"
        "        goto: chart\n"
        "      - goto: null\n",
    )
    path.write_text(text)
    assert services.definitions_sync()[1] == []

    run = start(runner, customer_input, upload)  # expenses 21,300: above 20,000
    assert services.workflow_run_execute(run_id=run.id) == RunStatus.WAITING
    run.refresh_from_db()
    assert run.current_step == "approval"

    with pytest.raises(ApplicationError):
        services.workflow_run_submit(run_id=run.id, step_id="approval", actor=runner,
                                     data={"decision": "maybe"})  # fmt: skip
    services.workflow_run_submit(
        run_id=run.id, step_id="approval", actor=runner, data={"decision": "approve"}
    )
    assert services.workflow_run_execute(run_id=run.id) == RunStatus.COMPLETED
    steps = [r.step_id for r in workflow_run_get(user=runner, run_id=run.id).step_results.all()]
    assert steps == ["customer", "statement", "approval", "chart"]


def test_a_definition_that_no_longer_fits_fails_the_run_with_a_sentence_and_the_reference(
    runner, customer_input, upload, monkeypatch, caplog
):
    from core.audit import audit_timeline
    from workflows.steps.excel_upload import ExcelUploadStep

    def missing_key(self, context):
        raise KeyError("customer 'Lovelace' row 3")

    monkeypatch.setattr(ExcelUploadStep, "execute", missing_key)
    run = start(runner, customer_input, upload)

    with caplog.at_level("WARNING", logger="workflows.services"):
        assert services.workflow_run_execute(run_id=run.id) == RunStatus.FAILED

    run.refresh_from_db()
    [record] = caplog.records
    assert run.error == (
        "The run's definition can no longer be used (it changed or was removed since the run "
        f"started); the detail has been logged under reference {record.request_id}."
    )
    for text in (run.error, audit_timeline(run)[0].reason):
        assert "KeyError" not in text
        assert "Lovelace" not in text
    assert "Lovelace" in str(record.exc_info[1])


def test_an_unexpected_error_names_the_step_not_the_exception(
    runner, customer_input, upload, monkeypatch, caplog
):
    from workflows.steps.excel_upload import ExcelUploadStep

    def crash(self, context):
        raise ZeroDivisionError("division by zero in month 7")

    monkeypatch.setattr(ExcelUploadStep, "execute", crash)
    run = start(runner, customer_input, upload)

    with caplog.at_level("ERROR", logger="workflows.services"):
        services.workflow_run_execute(run_id=run.id)

    run.refresh_from_db()
    [record] = caplog.records
    assert run.error == (
        "The step “Read the income and expenses” stopped on an unexpected error; it has been "
        f"logged under reference {record.request_id}."
    )
    assert "ZeroDivisionError" not in run.error
    assert "'statement'" not in run.error  # the step's title, not its id


def test_a_step_another_worker_holds_is_left_alone_until_its_lease_expires(
    runner, customer_input, upload, time_machine
):
    """The claim (core.queue): a live lease is not taken; an expired one (a dead worker) is."""
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    run = start(runner, customer_input, upload)
    held_until = timezone.now() + timedelta(seconds=60)
    WorkflowRun.objects.filter(pk=run.pk).update(claim_token=uuid.uuid4(), claimed_until=held_until)

    assert services.workflow_run_execute(run_id=run.id) == "skipped"
    assert not StepResult.objects.filter(run=run, step_id="statement").exists()

    time_machine.move_to(held_until + timedelta(seconds=1))
    assert services.workflow_run_execute(run_id=run.id) == RunStatus.COMPLETED


def test_a_result_is_not_applied_once_the_claim_was_taken_over(
    runner, customer_input, upload, monkeypatch
):
    import uuid

    from workflows.steps.excel_upload import ExcelUploadStep

    run = start(runner, customer_input, upload)
    execute = ExcelUploadStep.execute

    def slow_worker(self, context):  # meanwhile its lease expired and another worker took it
        WorkflowRun.objects.filter(pk=run.pk).update(claim_token=uuid.uuid4())
        return execute(self, context)

    monkeypatch.setattr(ExcelUploadStep, "execute", slow_worker)

    assert services.workflow_run_execute(run_id=run.id) == "claim lost"
    assert not StepResult.objects.filter(run=run, step_id="statement").exists()
    assert WorkflowRun.objects.get(pk=run.pk).current_step == "statement"


def test_the_audit_trail_speaks_the_apps_vocabulary(runner, customer_input, upload):
    from core.audit import audit_timeline
    from workflows.models import WorkflowAction

    run = start(runner, customer_input, upload)
    services.workflow_run_execute(run_id=run.id)
    failed = start(runner, customer_input, upload)
    replace_upload_bytes(Upload.objects.get(run=failed), BAD_FILES["13 months"].content)
    services.workflow_run_execute(run_id=failed.id)

    trail = list(audit_timeline(run))[::-1]  # oldest first
    assert [event.action for event in trail] == [
        WorkflowAction.STARTED, WorkflowAction.STEP_COMPLETED, WorkflowAction.COMPLETED,
    ]  # fmt: skip
    assert trail[1].changes == {"status": {"from": "waiting", "to": "running"}}
    assert trail[0].reason == "Customer income and expenditure, version 2"
    assert trail[1].reason == "after “Customer and their last 12 months”"
    assert trail[2].actor_label == "system: workflows.worker"
    [failure] = audit_timeline(failed).filter(action=WorkflowAction.FAILED)
    assert failure.changes == {"status": {"from": "running", "to": "failed"}}
    assert failure.reason == "'statement.xlsx' could not be read: 1 problem."


def test_a_component_may_submit_a_step_for_the_system(customer_input, upload):
    """A typed actor: a user, or the name of a component (no person, no role to check)."""
    run = services.workflow_run_start(key=KEY, actor="workflows.demo")

    run = services.workflow_run_submit(
        run_id=run.id, step_id="customer", actor="workflows.demo", data=customer_input,
        files={"statement": upload()},
    )  # fmt: skip

    assert run.status == RunStatus.RUNNING
    result = StepResult.objects.get(run=run, step_id="customer")
    assert (result.actor, result.actor_label) == (None, "system: workflows.demo")
    assert run.created_by is None
