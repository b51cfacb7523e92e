"""The database as the queue: one claim helper for every queue kept in a table (loans
submissions and polls, workflow steps, evaluations' re-evaluations).

A row is free when its lease column (`claimed_until`) is empty or in the past. Claiming sets a
lease (and, where the table has one, a fresh token) with a conditional UPDATE, so one caller
gets each row however many ask at once; a worker that dies leaves a lease that expires, so
the row is claimed again and nothing is lost. Applying a result with `release(token=...)`
only touches rows still held under that token: a worker whose lease expired and whose row
was taken over cannot overwrite the newer holder's work.

No transaction or row lock is held after a claim returns: the caller does its slow work
(HTTP calls...) with nothing locked, then releases.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

UNTIL = "claimed_until"
TOKEN = "claim_token"  # noqa: S105 - a column name


@dataclass(frozen=True)
class Claim:
    """What a caller holds: the rows' primary keys, until when, and the token to release
    them with (None for a table without a token column)."""

    ids: list[Any] = field(default_factory=list)
    token: uuid.UUID | None = None
    until: datetime | None = None

    def __bool__(self) -> bool:
        return bool(self.ids)


def free(now: datetime, *, until_field: str = UNTIL) -> Q:
    """Rows no live lease holds."""
    return Q(**{f"{until_field}__isnull": True}) | Q(**{f"{until_field}__lt": now})


def _lease(now: datetime, lease: timedelta | float) -> datetime:
    return now + (lease if isinstance(lease, timedelta) else timedelta(seconds=lease))


def _claim_values(
    until: datetime, token: uuid.UUID | None, until_field: str, token_field: str | None
) -> dict[str, Any]:
    values: dict[str, Any] = {until_field: until}
    if token_field is not None:
        values[token_field] = token
    return values


def claim_rows(
    queryset: QuerySet,
    *,
    limit: int,
    lease: timedelta | float,
    order_by: Sequence[str] = ("pk",),
    now: datetime | None = None,
    until_field: str = UNTIL,
    token_field: str | None = TOKEN,
    **updates: Any,
) -> Claim:
    """Claim up to `limit` free rows of `queryset` (filtered to what is due), in `order_by`
    order; `updates` are written with the claim (e.g. `attempts=F("attempts") + 1`).

    On PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED` lets several claimers take disjoint
    batches side by side; SQLite's IMMEDIATE transactions serialise them. Either way a row is
    claimed by one caller."""
    now = now or timezone.now()
    token = uuid.uuid4() if token_field is not None else None
    until = _lease(now, lease)
    with transaction.atomic():
        ids = list(
            queryset.filter(free(now, until_field=until_field))
            .order_by(*order_by)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            queryset.model._default_manager.filter(pk__in=ids).update(
                **_claim_values(until, token, until_field, token_field), **updates
            )
    return Claim(ids, token, until) if ids else Claim()


def claim_row(
    queryset: QuerySet,
    *,
    pk: Any,
    lease: timedelta | float,
    now: datetime | None = None,
    until_field: str = UNTIL,
    token_field: str | None = TOKEN,
    **updates: Any,
) -> Claim:
    """Claim one row of `queryset` by primary key, if it is there and free: one conditional
    UPDATE, no lock held."""
    now = now or timezone.now()
    token = uuid.uuid4() if token_field is not None else None
    until = _lease(now, lease)
    claimed = (
        queryset.filter(pk=pk)
        .filter(free(now, until_field=until_field))
        .update(**_claim_values(until, token, until_field, token_field), **updates)
    )
    return Claim([pk], token, until) if claimed else Claim()


def release(
    queryset: QuerySet,
    *,
    token: uuid.UUID | None,
    until_field: str = UNTIL,
    token_field: str | None = TOKEN,
    **changes: Any,
) -> int:
    """Write `changes` to the rows of `queryset` still held under `token` and free them.
    Returns how many rows it touched (0: the lease was lost to someone else)."""
    held = queryset if token_field is None else queryset.filter(**{token_field: token})
    values: dict[str, Any] = {until_field: None, **changes}
    if token_field is not None:
        values[token_field] = None
    return held.update(**values)
