"""The loans queue: claim due applications, apply a result under the claim (auditing status
changes), and hand out due work to the workers."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.queue import Claim, claim_rows, release
from loans.models import LoanAction, LoanApplication, Status

logger = logging.getLogger(__name__)

SUBMITTER = "loans.submitter"
POLLER = "loans.poller"


def loan_applications_claim_due(
    *, status: Status, limit: int, now: datetime | None = None, due_by: datetime | None = None
) -> Claim:
    """Claim up to `limit` applications in `status` due by `due_by` (default: now), oldest due
    first, for `LOANS_CLAIM_LEASE` seconds; one caller gets each row (`core.queue`)."""
    now = now or timezone.now()
    return claim_rows(
        LoanApplication.objects.filter(status=status, next_attempt_at__lte=due_by or now),
        limit=limit,
        lease=settings.LOANS_CLAIM_LEASE,
        order_by=("next_attempt_at",),
        now=now,
    )


def loan_application_release(
    *,
    application_id: uuid.UUID,
    token: uuid.UUID,
    actor: str,
    reason: str = "",
    **changes: Any,
) -> bool:
    """Apply `changes` and release the claim, if we still hold it; audit status changes."""
    row = LoanApplication.objects.filter(id=application_id)
    with transaction.atomic():
        before = None
        if "status" in changes:
            before = row.filter(claim_token=token).values_list("status", flat=True).first()
        updated = release(row, token=token, **changes)
        if updated and before is not None and before != changes["status"]:
            audit_record(
                obj=row.get(),
                action=LoanAction.STATUS_CHANGED,
                actor=actor,
                changes={"status": {"from": before, "to": changes["status"]}},
                reason=reason,
            )
    if not updated:
        logger.warning("claim on %s lost before its result was applied", application_id)
    return bool(updated)


@dataclass
class DispatchSummary:
    submissions: int = 0
    poll_batches: int = 0
    polls: int = 0


def loan_applications_dispatch_due(*, now: datetime | None = None) -> DispatchSummary:
    """Hand out due work: submissions to retry (default queue), polls in batches (polling)."""
    from loans.tasks import poll_batch, submit_application

    now = now or timezone.now()
    summary = DispatchSummary()
    while True:
        claim = loan_applications_claim_due(status=Status.NEW, limit=100, now=now)
        if not claim:
            break
        # Release at once: the submission task takes its own claim; claiming here only
        # stopped two dispatchers from sending the same ids at the same moment.
        release(
            LoanApplication.objects.filter(id__in=claim.ids),
            token=claim.token,
            next_attempt_at=now + timedelta(seconds=settings.LOANS_SUBMIT_GRACE),
        )
        for application_id in claim.ids:
            submit_application.apply_async(args=[str(application_id)])
        summary.submissions += len(claim.ids)
    # Polls due before the next tick are handed out now: a poll runs at most one tick early
    # rather than up to one tick late. No broker ETA: a worker holding ETA messages beyond its
    # prefetch limit can stop consuming (a known Celery failure mode, seen once here in CI).
    lookahead = now + timedelta(seconds=settings.LOANS_DISPATCH_EVERY)
    while True:
        claim = loan_applications_claim_due(
            status=Status.PENDING, limit=settings.LOANS_POLL_BATCH_SIZE, now=now, due_by=lookahead
        )
        if not claim:
            break
        poll_batch.apply_async(args=[[str(i) for i in claim.ids], str(claim.token)])
        summary.poll_batches += 1
        summary.polls += len(claim.ids)
    return summary
