"""Performance: each account's stored band, and the nightly snapshot of every account."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kam.models import PerformanceSnapshot, Restaurant
from kam.selectors import accounts_performance

logger = logging.getLogger(__name__)


def performance_refresh(*, restaurant_ids: list[int], now: dt.datetime | None = None) -> int:
    """Recompute and store the band of some accounts (after an order, or by the snapshot)."""
    now = now or timezone.now()
    rows = accounts_performance(restaurant_ids=list(restaurant_ids), now=now)
    changed = []
    for account, perf in rows:
        account.band = perf.band
        account.band_updated_at = now
        changed.append(account)
    Restaurant.objects.bulk_update(changed, ["band", "band_updated_at"])
    return len(changed)


def performance_snapshot_take(
    *, now: dt.datetime | None = None, chunk_size: int | None = None
) -> int:
    """The nightly history of bands: one snapshot per account for today's date (idempotent:
    a second run the same day replaces that day's rows), and each account's stored band.
    Works in primary-key chunks so memory stays flat on a large base."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    chunk_size = chunk_size or settings.KAM_SNAPSHOT_CHUNK_SIZE
    done, last_pk = 0, 0
    while True:
        ids = list(
            Restaurant.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            break
        last_pk = ids[-1]
        rows = accounts_performance(restaurant_ids=ids, now=now)
        with transaction.atomic():
            PerformanceSnapshot.objects.filter(restaurant_id__in=ids, date=today).delete()
            PerformanceSnapshot.objects.bulk_create(
                PerformanceSnapshot(
                    restaurant_id=account.pk,
                    date=today,
                    band=perf.band,
                    orders_30d=perf.orders_30d,
                    revenue_30d=perf.revenue_30d,
                    orders_90d=perf.orders_90d,
                    revenue_90d=perf.revenue_90d,
                    average_interval_days=perf.average_interval_days,
                    days_since_last_order=perf.days_since_last_order,
                )
                for account, perf in rows
            )
            for account, perf in rows:
                account.band = perf.band
                account.band_updated_at = now
            Restaurant.objects.bulk_update(
                [account for account, _ in rows], ["band", "band_updated_at"]
            )
        done += len(rows)
    logger.info("kam: performance snapshot of %s accounts for %s", done, today)
    return done
