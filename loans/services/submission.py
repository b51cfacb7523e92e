"""Send a `new` application to the bank: claim it, call the bank outside any transaction,
apply the answer under the claim."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from core.http import ExternalServiceError
from core.queue import claim_row
from core.request_id import request_id_scope
from loans.clients import BankClient
from loans.models import FailureCode, LoanApplication, Status
from loans.services import scheduling
from loans.services.dispatch import SUBMITTER, loan_application_release


def loan_application_submit(*, application_id: uuid.UUID | str) -> str:
    """Send one `new` application to the bank. Returns what happened, for logs and tests.

    Safe to run twice, concurrently or after a crash: the id is ours, so a second POST of an
    application that arrived is answered "already used", which we take as success.
    """
    application_id = uuid.UUID(str(application_id))
    now = timezone.now()
    claim = claim_row(
        LoanApplication.objects.filter(status=Status.NEW),
        pk=application_id,
        lease=settings.LOANS_CLAIM_LEASE,
        now=now,
        submit_attempts=F("submit_attempts") + 1,
    )
    if not claim:
        return "skipped"
    token = claim.token
    application = LoanApplication.objects.get(id=application_id)
    try:
        with BankClient() as bank:
            result = bank.submit(
                application_id=application.id,
                first_name=application.first_name,
                last_name=application.last_name,
            )
    except ExternalServiceError as exc:
        # People read the sentence; the log keeps the detail under `error_reference` (the
        # task's id; a new one when a command runs this).
        with request_id_scope() as reference:
            sentence = exc.report(context=f"loan application {application.id}: submission")
        if not exc.retryable:
            # A 4xx: sending the same data again cannot help (400 payload not valid, or a
            # status outside the contract). Visible, and correctable then re-submittable.
            loan_application_release(
                application_id=application.id,
                token=token,
                actor=SUBMITTER,
                reason=sentence,
                status=Status.FAILED,
                failure_code=FailureCode.PAYLOAD_REJECTED,
                failure_reason=f"Sending the application failed: {sentence}.",
                error_reference=reference,
                next_attempt_at=None,
            )
            return "failed"
        retry_at = scheduling.submit_retry_at(attempts=application.submit_attempts, now=now)
        loan_application_release(
            application_id=application.id,
            token=token,
            actor=SUBMITTER,
            next_attempt_at=retry_at,
            last_error=f"submission attempt {application.submit_attempts}: {sentence}",
            error_reference=reference,
        )
        return "retry"
    submitted = timezone.now()
    loan_application_release(
        application_id=application.id,
        token=token,
        actor=SUBMITTER,
        reason="sent to the bank" if result.created else "the bank already had it",
        status=Status.PENDING,
        submitted_at=submitted,
        next_attempt_at=scheduling.first_poll_at(submitted),
        last_error="",
        error_reference="",
    )
    return "submitted"
