"""Workflow runs (writes): start, a person step's input, the automatic steps, the sweep.

Life of a run: started on the current version of a definition (the run keeps pointing at that
version's row); a person step waits for input (`waiting`); its input is validated with the
form the definition generates, stored (values, uploaded files, customer) and the run moves on;
automatic steps run in a worker (`running`, one claimed step at a time, each result stored as
a StepResult); the run ends `completed`, or `failed` with the step's errors.
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core import queue
from core.audit import audit_record
from core.boundary import BIRTH_DATE, ensure_in_range
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.request_id import request_id_scope
from core.tasks import enqueue_on_commit
from workflows.access import can_start
from workflows.forms import file_fields, step_form_class
from workflows.loader import Definition, DefinitionError, StepSpec, definition_of
from workflows.models import (
    Customer,
    RunStatus,
    StepResult,
    StepStatus,
    Upload,
    WorkflowAction,
    WorkflowRun,
)
from workflows.selectors import workflow_definition_current
from workflows.steps import StepContext, StepFailed

logger = logging.getLogger(__name__)

WORKER = "workflows.worker"
#: Who acts: a person, or the name of a component acting for the system ("workflows.demo").
Actor = AbstractBaseUser | str
STALLED_AFTER = timedelta(seconds=30)


# --- person steps ---------------------------------------------------------------------------


def _validated_form(definition: Definition, step: StepSpec, data: Any, files: Any):
    """The step's input cleaned by the form its definition generates (the Excel file is read
    here); every problem at once, by field, in one `validation_error`."""
    form = step_form_class(definition, step)(data or {}, files or {})
    if not form.is_valid():
        fields = {name: [str(text) for text in texts] for name, texts in form.errors.items()}
        raise ApplicationError(
            "Some fields are not valid: " + ", ".join(sorted(fields)) + ".",
            code="validation_error",
            fields=fields,
        )
    return form


def _check_may_work_on(actor: Actor, definition: Definition, message: str) -> None:
    # A component (demo data, a command) is not a person: no role to check.
    if not isinstance(actor, str) and not can_start(actor, definition.roles):
        raise PermissionDeniedError(message)


def _person(actor: Actor) -> AbstractBaseUser | None:
    return None if isinstance(actor, str) or not actor.is_authenticated else actor


def _component(actor: Actor) -> str:
    return f"system: {actor}" if isinstance(actor, str) else "system"


def workflow_run_start(
    *,
    key: str,
    actor: Actor,
    data: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
) -> WorkflowRun:
    """Start a run on the current version of `key`. With input (`data`/`files`), the first
    step is submitted in the same call, and nothing is created when that input is invalid."""
    row = workflow_definition_current(key=key)
    if row is None:
        raise ApplicationError(
            f"There is no workflow '{key}'.",
            code="unknown_workflow",
            fields={"definition": [f"Unknown workflow '{key}'."]},
        )
    definition = definition_of(row)
    _check_may_work_on(actor, definition, f"You may not start '{definition.title}'.")
    user = _person(actor)
    step = definition.first_step
    form = None
    if data or files:
        form = _validated_form(definition, step, data, files)
    with transaction.atomic():
        run = WorkflowRun.objects.create(
            definition=row, status=RunStatus.WAITING, current_step=step.id, created_by=user
        )
        audit_record(
            obj=run,
            action=WorkflowAction.STARTED,
            actor=actor,
            changes={"status": {"from": None, "to": RunStatus.WAITING}},
            reason=f"{definition.title}, version {definition.version}",
        )
        if form is not None:
            _record_person_step(run, definition, step, form, user, _component(actor))
    return run


def workflow_run_submit(
    *,
    run_id: uuid.UUID | str,
    step_id: str,
    actor: Actor,
    data: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
) -> WorkflowRun:
    """Submit a person step's input for a waiting run, on the run's own definition version."""
    run = _get_run(run_id)
    definition = definition_of(run.definition)
    if step_id not in definition.steps:
        raise ApplicationError(
            f"This run's workflow has no step '{step_id}'.",
            fields={"step": [f"Unknown step '{step_id}'."]},
        )
    _check_may_work_on(actor, definition, f"You may not work on '{definition.title}'.")
    _check_waiting_for(run, step_id)
    step = definition.steps[step_id]
    form = _validated_form(definition, step, data, files)  # before any lock: it reads files
    user = _person(actor)
    with transaction.atomic():
        locked = WorkflowRun.objects.select_for_update().select_related("definition").get(id=run.id)
        _check_waiting_for(locked, step_id)
        _record_person_step(locked, definition, step, form, user, _component(actor))
    return locked


def _get_run(run_id: uuid.UUID | str) -> WorkflowRun:
    try:
        return WorkflowRun.objects.select_related("definition").get(id=uuid.UUID(str(run_id)))
    except (ValueError, WorkflowRun.DoesNotExist):
        raise NotFoundError("No such workflow run.") from None


def _check_waiting_for(run: WorkflowRun, step_id: str) -> None:
    if run.status != RunStatus.WAITING or run.current_step != step_id:
        now = (
            f"waiting for step '{run.current_step}'"
            if run.status == RunStatus.WAITING
            else (run.get_status_display().lower())
        )
        raise ConflictError(f"This run is not waiting for step '{step_id}'; it is {now}.")


def _record_person_step(
    run: WorkflowRun,
    definition: Definition,
    step: StepSpec,
    form: Any,
    user: Any,
    component: str,
) -> None:
    now = timezone.now()
    upload_ids: dict[str, str] = {}
    for name in file_fields(form):
        uploaded = form.cleaned_data.get(name)
        if not uploaded:
            continue
        uploaded.seek(0)
        content = uploaded.read()
        # Saved through the uploads storage in this transaction (UPLOADS_STORAGE=database: the
        # bytes commit or roll back with the row).
        upload = Upload.objects.create(
            run=run,
            step_id=step.id,
            field=name,
            original_name=uploaded.name[:255],
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            file=ContentFile(content, name=uploaded.name[:255]),
            uploaded_by=user,
        )
        upload_ids[name] = str(upload.id)
    output = step.step_type.output_from_form(step, form.cleaned_data, upload_ids)
    mapping = step.config.get("customer")
    if mapping:
        birth_field = mapping["date_of_birth"]
        date_of_birth = form.cleaned_data[birth_field]
        # A `form` step's field keeps to this core range; a step type with its own form may not.
        ensure_in_range({birth_field: (date_of_birth, BIRTH_DATE)})
        run.customer = _customer_for(
            first_name=form.cleaned_data[mapping["first_name"]],
            last_name=form.cleaned_data[mapping["last_name"]],
            date_of_birth=date_of_birth,
            user=user,
        )
    StepResult.objects.create(
        run=run,
        step_id=step.id,
        step_type=step.type,
        status=StepStatus.COMPLETED,
        output=output,
        actor=user,
        actor_label=user.get_username() if user else component,
        started_at=now,
        finished_at=now,
    )
    outputs = _outputs(run)
    _advance(run, definition, step, outputs, actor=user or component, enqueue=True)


def _customer_for(*, first_name: str, last_name: str, date_of_birth, user: Any) -> Customer:
    customer, _ = Customer.objects.get_or_create(
        first_name__iexact=first_name.strip(),
        last_name__iexact=last_name.strip(),
        date_of_birth=date_of_birth,
        defaults={
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            "created_by": user,
        },
    )
    return customer


def _outputs(run: WorkflowRun) -> dict[str, dict[str, Any]]:
    return dict(
        StepResult.objects.filter(run=run, status=StepStatus.COMPLETED).values_list(
            "step_id", "output"
        )
    )


def _advance(
    run: WorkflowRun,
    definition: Definition,
    step: StepSpec,
    outputs: dict[str, dict[str, Any]],
    *,
    actor: Any,
    enqueue: bool,
) -> None:
    """Move the run past `step` (inside the caller's transaction)."""
    before = run.status
    following = definition.next_step(step.id, outputs)
    if following is None:
        run.status, run.current_step, run.finished_at = RunStatus.COMPLETED, "", timezone.now()
    elif following.waits_for_person:
        run.status, run.current_step = RunStatus.WAITING, following.id
    else:
        run.status, run.current_step = RunStatus.RUNNING, following.id
    run.claim_token, run.claimed_until = None, None
    run.save(
        update_fields=[
            "status", "current_step", "finished_at", "customer", "claim_token", "claimed_until",
            "updated_at",
        ]
    )  # fmt: skip
    if run.status != before:
        audit_record(
            obj=run,
            action=(
                WorkflowAction.COMPLETED
                if run.status == RunStatus.COMPLETED
                else WorkflowAction.STEP_COMPLETED
            ),
            actor=actor or WORKER,
            changes={"status": {"from": before, "to": run.status}},
            reason=f"after “{step.title or step.id}”",
        )
    if run.status == RunStatus.RUNNING and enqueue:
        from workflows.tasks import run_automatic_steps

        enqueue_on_commit(run_automatic_steps, str(run.id))


# --- automatic steps (the worker) -----------------------------------------------------------


def workflow_run_execute(*, run_id: uuid.UUID | str) -> str:
    """Run the automatic steps of a `running` run until it waits, ends or fails.

    Idempotent and safe to run twice at once: each step is claimed (`core.queue.claim_row`,
    a conditional UPDATE with an expiring lease), executed outside any transaction, and its
    result applied only while the claim is still ours. Returns the run's status (or
    "skipped"), for logs and tests.
    """
    run_id = uuid.UUID(str(run_id))
    outcome = "skipped"
    for _ in range(100):  # a definition has no loops; this only bounds a bug
        claim = queue.claim_row(
            WorkflowRun.objects.filter(status=RunStatus.RUNNING),
            pk=run_id,
            lease=settings.WORKFLOWS_CLAIM_LEASE,
        )
        if not claim:
            return outcome
        outcome = _execute_claimed(run_id, claim.token)
    return outcome


def _execute_claimed(run_id: uuid.UUID, token: uuid.UUID) -> str:
    run = WorkflowRun.objects.select_related("definition").get(id=run_id)
    started = timezone.now()
    output: dict[str, Any] | None = None
    failure: StepFailed | None = None
    step: StepSpec | None = None
    try:
        definition = definition_of(run.definition)
        step = definition.steps[run.current_step]
        outputs = _outputs(run)
        output = step.step_type.execute(
            StepContext(
                definition=definition,
                step=step,
                outputs=outputs,
                open_upload=lambda upload_id: _open_upload(run.id, upload_id),
            )
        )
    except StepFailed as exc:
        failure = exc
    except (DefinitionError, KeyError):
        # People read a sentence with the reference; the log line under it has the detail.
        with request_id_scope() as reference:
            logger.warning("workflow run %s: definition unusable", run_id, exc_info=True)
        failure = StepFailed(
            "The run's definition can no longer be used (it changed or was removed since the "
            f"run started); the detail has been logged under reference {reference}."
        )
    except Exception:
        with request_id_scope() as reference:
            logger.exception("workflow run %s: step %s crashed", run_id, run.current_step)
        title = step.title if step else run.current_step.replace("_", " ").capitalize()
        failure = StepFailed(
            f"The step “{title}” stopped on an unexpected error; it has been logged under "
            f"reference {reference}."
        )
    with transaction.atomic():
        locked = (
            WorkflowRun.objects.select_for_update()
            .select_related("definition")
            .filter(id=run_id, claim_token=token)
            .first()
        )
        if locked is None:
            logger.warning("workflow run %s: claim lost before the result was applied", run_id)
            return "claim lost"
        result = StepResult(
            run=locked,
            step_id=locked.current_step,
            step_type=step.type if step else "",
            started_at=started,
            finished_at=timezone.now(),
            actor_label=f"system: {WORKER}",
        )
        if failure is not None:
            result.status, result.errors = StepStatus.FAILED, failure.errors or [failure.message]
            result.save()
            before = locked.status
            locked.status, locked.error = RunStatus.FAILED, failure.message
            locked.error_details = failure.errors
            locked.finished_at = timezone.now()
            locked.claim_token, locked.claimed_until = None, None
            locked.save()
            audit_record(
                obj=locked,
                action=WorkflowAction.FAILED,
                actor=WORKER,
                changes={"status": {"from": before, "to": RunStatus.FAILED}},
                reason=failure.message[:500],
            )
            return locked.status
        result.status, result.output = StepStatus.COMPLETED, output
        result.save()
        _advance(locked, definition, step, _outputs(locked), actor=WORKER, enqueue=False)
        return locked.status


def _open_upload(run_id: uuid.UUID, upload_id: str):
    upload = Upload.objects.get(id=upload_id, run_id=run_id)
    return upload.original_name, upload.size, io.BytesIO(upload.read_bytes())


def workflow_runs_resume_stalled(*, older_than: timedelta = STALLED_AFTER) -> int:
    """Re-send the runs whose automatic steps nobody is doing (a lost message, a dead
    worker whose claim expired). Run by beat every minute; idempotent."""
    from workflows.tasks import run_automatic_steps

    now = timezone.now()
    ids = list(
        WorkflowRun.objects.filter(status=RunStatus.RUNNING, updated_at__lt=now - older_than)
        .filter(queue.free(now))
        .values_list("id", flat=True)[:500]
    )
    for run_id in ids:
        run_automatic_steps.apply_async(args=[str(run_id)])
    return len(ids)
