"""Account performance and its health band: one pure function, thresholds from settings.

Inputs come from `selectors.with_activity` (annotated in SQL, one query per list):
orders and revenue over the last 30 and 90 days, the number of orders, the first and last
order. The average interval between orders is the account's own: (last - first) / (n - 1),
which is exactly the mean of the gaps between consecutive orders.

    gap      = days since the last order / average interval
    activity = orders in the last 90 days / expected orders in 90 days (90 / average interval)

    fewer than KAM_BAND_MIN_ORDERS orders          -> not rated yet
    gap >= KAM_BAND_UNDERPERFORMING_GAP (3.0)      -> underperforming (stopped ordering)
    gap >= KAM_BAND_AT_RISK_GAP (1.5)
      or activity < KAM_BAND_AT_RISK_ACTIVITY (0.5) -> at risk (late, or ordering much less)
    activity >= KAM_BAND_WELL_PERFORMING_ACTIVITY (1.2) -> well-performing (more than usual)
    otherwise                                      -> steady
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from core import present
from kam.models import Band

DAY = 86_400.0
RECENT_DAYS = 90


@dataclass(frozen=True)
class Thresholds:
    min_orders: int
    underperforming_gap: float
    at_risk_gap: float
    at_risk_activity: float
    well_performing_activity: float

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(
            min_orders=settings.KAM_BAND_MIN_ORDERS,
            underperforming_gap=settings.KAM_BAND_UNDERPERFORMING_GAP,
            at_risk_gap=settings.KAM_BAND_AT_RISK_GAP,
            at_risk_activity=settings.KAM_BAND_AT_RISK_ACTIVITY,
            well_performing_activity=settings.KAM_BAND_WELL_PERFORMING_ACTIVITY,
        )


@dataclass(frozen=True)
class Performance:
    orders_30d: int
    revenue_30d: Decimal
    orders_90d: int
    revenue_90d: Decimal
    order_count: int
    average_interval_days: float | None
    days_since_last_order: float | None
    band: str

    @property
    def band_label(self) -> str:
        return present.choice_label(self.band, Band)


def band_for(
    *,
    order_count: int,
    orders_90d: int,
    average_interval_days: float | None,
    days_since_last_order: float | None,
    thresholds: Thresholds | None = None,
) -> str:
    t = thresholds or Thresholds.from_settings()
    if (
        order_count < max(t.min_orders, 2)
        or not average_interval_days
        or days_since_last_order is None
    ):
        return Band.NOT_RATED
    gap = days_since_last_order / average_interval_days
    activity = orders_90d / (RECENT_DAYS / average_interval_days)
    if gap >= t.underperforming_gap:
        return Band.UNDERPERFORMING
    if gap >= t.at_risk_gap or activity < t.at_risk_activity:
        return Band.AT_RISK
    if activity >= t.well_performing_activity:
        return Band.WELL_PERFORMING
    return Band.STEADY


def performance_of(
    *,
    now: dt.datetime,
    orders_30d: int | None,
    revenue_30d: Decimal | None,
    orders_90d: int | None,
    revenue_90d: Decimal | None,
    order_count: int | None,
    first_order_at: dt.datetime | None,
    last_order_at: dt.datetime | None,
    thresholds: Thresholds | None = None,
) -> Performance:
    count = order_count or 0
    average = None
    if count >= 2 and first_order_at and last_order_at:
        average = (last_order_at - first_order_at).total_seconds() / DAY / (count - 1)
    since = (now - last_order_at).total_seconds() / DAY if last_order_at else None
    return Performance(
        orders_30d=orders_30d or 0,
        revenue_30d=Decimal(revenue_30d or 0),
        orders_90d=orders_90d or 0,
        revenue_90d=Decimal(revenue_90d or 0),
        order_count=count,
        average_interval_days=round(average, 2) if average is not None else None,
        days_since_last_order=round(since, 2) if since is not None else None,
        band=band_for(
            order_count=count,
            orders_90d=orders_90d or 0,
            average_interval_days=average,
            days_since_last_order=since,
            thresholds=thresholds,
        ),
    )
