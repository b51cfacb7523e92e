"""The loans queue: claim due applications, apply a result under the claim (auditing status
changes), and hand out due work to the workers: submissions and polls, both in batches."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.audit import audit_record
from core.queue import Claim, claim_rows, release
from core.request_id import current_request_id
from loans.models import LoanAction, LoanApplication, Status

logger = logging.getLogger(__name__)

SUBMITTER = "loans.submitter"
POLLER = "loans.poller"


def log_application(
    log: logging.Logger, event: str, application: LoanApplication, **fields: Any
) -> None:
    """One INFO line about one application (its submission, a poll), under the id of the
    request that created it (`request_id`, so one id follows it from the POST to its
    decision) with the id of the work doing it now (`task_request_id`)."""
    log.info(
        event,
        extra={
            "request_id": application.request_id or current_request_id(),
            "task_request_id": current_request_id(),
            "application": str(application.id),
            **{
                key: str(value) if isinstance(value, uuid.UUID) else value
                for key, value in fields.items()
            },
        },
    )


def loan_applications_claim_due(
    *,
    status: Status,
    limit: int,
    now: datetime | None = None,
    due_by: datetime | None = None,
    **updates: Any,
) -> Claim:
    """Claim up to `limit` applications in `status` due by `due_by` (default: now), oldest due
    first, for `LOANS_CLAIM_LEASE` seconds; one caller gets each row (`core.queue`).
    `updates` are written with the claim (the submission attempt counter)."""
    now = now or timezone.now()
    return claim_rows(
        LoanApplication.objects.filter(status=status, next_attempt_at__lte=due_by or now),
        limit=limit,
        lease=settings.LOANS_CLAIM_LEASE,
        order_by=("next_attempt_at",),
        now=now,
        **updates,
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
    submission_batches: int = 0
    submissions: int = 0
    poll_batches: int = 0
    polls: int = 0


# --- prompt submission: one dispatch waiting at a time ---------------------------------------


class _DispatchRequested:
    """Whether a prompt submission dispatch is already waiting in the broker, so that 200
    creations a second send a handful of dispatch tasks, not 200.

    Set (atomically, with an expiry) by the process that asks; cleared by the dispatch task
    when it starts, before it claims: a creation committed before the clear is seen by the
    claim; one committed after it asks again. With a Redis broker the flag is a key in it
    (shared by every web process); otherwise it is per process and only throttles. If a
    dispatch task is lost, the flag expires and the beat dispatcher (every second) sends the
    submission anyway.
    """

    KEY = "loans:submission-dispatch-requested"
    TTL = 2.0  # seconds
    LOCAL_TTL = 0.2  # without a shared store: at most one request per process this often

    def __init__(self) -> None:
        self._redis = None
        self._redis_url = None
        self._lock = threading.Lock()
        self._local_until = 0.0

    def _client(self):
        url = settings.CELERY_BROKER_URL
        if not url.startswith(("redis://", "rediss://")):
            return None
        if self._redis is None or self._redis_url != url:
            import redis

            self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
            self._redis_url = url
        return self._redis

    def request(self) -> bool:
        """True if the caller is to send the dispatch task (none is waiting)."""
        client = self._client()
        if client is None:
            with self._lock:
                now = time.monotonic()
                if now < self._local_until:
                    return False
                self._local_until = now + self.LOCAL_TTL
                return True
        try:
            return bool(client.set(self.KEY, 1, nx=True, px=int(self.TTL * 1000)))
        except Exception:  # the broker is down: the send will say so
            return True

    def clear(self) -> None:
        """The dispatch started (or, in tests, forget any request)."""
        with self._lock:
            self._local_until = 0.0
        client = self._client()
        if client is None:
            return
        try:
            client.delete(self.KEY)
        except Exception:  # it expires on its own
            logger.warning("could not clear the submission dispatch flag", exc_info=True)


DISPATCH_REQUESTED = _DispatchRequested()


def loan_applications_submit_soon() -> None:
    """Once the current transaction commits, have due submissions dispatched now rather than
    at the next beat tick (unless a dispatch is already waiting)."""
    transaction.on_commit(_request_submission_dispatch, robust=True)


def _request_submission_dispatch() -> None:
    from loans.tasks import dispatch_submissions

    if DISPATCH_REQUESTED.request():
        dispatch_submissions.apply_async()


def loan_applications_dispatch_submissions(
    *, now: datetime | None = None, requested: bool = False
) -> DispatchSummary:
    """Claim every due `new` application, `LOANS_SUBMIT_BATCH_SIZE` at a time (an attempt is
    counted at the claim), and hand each batch to a `submit_batch` task under its claim.

    `requested`: this is the prompt dispatch a creation asked for. It clears the request
    before it claims (see `_DispatchRequested`), and sends its first batch itself once the
    others are handed out: one task and one broker hop fewer for what is usually the only
    batch."""
    from loans.services.submission import loan_applications_submit
    from loans.tasks import submit_batch

    if requested:
        DISPATCH_REQUESTED.clear()
    now = now or timezone.now()
    summary = DispatchSummary()
    mine: Claim | None = None
    while True:
        claim = loan_applications_claim_due(
            status=Status.NEW,
            limit=settings.LOANS_SUBMIT_BATCH_SIZE,
            now=now,
            submit_attempts=F("submit_attempts") + 1,
        )
        if not claim:
            break
        summary.submission_batches += 1
        summary.submissions += len(claim.ids)
        if requested and mine is None:
            mine = claim
            continue
        try:
            submit_batch.apply_async(args=[[str(i) for i in claim.ids], str(claim.token)])
        except Exception:
            # Not sent (broker down): free the rows at once rather than at the lease's end.
            for held in (claim, mine):
                if held is not None:
                    _unclaim(held)
            raise
    if mine is not None:
        loan_applications_submit(application_ids=mine.ids, claim_token=mine.token)
    return summary


def _unclaim(claim: Claim) -> None:
    """Give claimed `new` rows back untouched (their attempt uncounted)."""
    release(
        LoanApplication.objects.filter(id__in=claim.ids),
        token=claim.token,
        submit_attempts=F("submit_attempts") - 1,
    )


def loan_applications_dispatch_due(*, now: datetime | None = None) -> DispatchSummary:
    """Hand out due work: submissions (retries, and any a prompt dispatch missed) and polls,
    both in batches."""
    from loans.tasks import poll_batch

    now = now or timezone.now()
    summary = loan_applications_dispatch_submissions(now=now)
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
