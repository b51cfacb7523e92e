"""Health bands at the edges of their thresholds (defaults: gap 3.0 / 1.5, activity 0.5 / 1.2)."""

import datetime as dt
from decimal import Decimal

import pytest

from kam.models import Band
from kam.performance import Thresholds, band_for, performance_of

T = Thresholds(
    min_orders=3,
    underperforming_gap=3.0,
    at_risk_gap=1.5,
    at_risk_activity=0.5,
    well_performing_activity=1.2,
)


def band(*, since, orders_90d, interval=10.0, count=20):
    return band_for(
        order_count=count,
        orders_90d=orders_90d,
        average_interval_days=interval,
        days_since_last_order=since,
        thresholds=T,
    )


# An account ordering every 10 days expects 9 orders in 90 days.
@pytest.mark.parametrize(
    ("since", "orders_90d", "expected"),
    [
        (30.0, 9, Band.UNDERPERFORMING),  # gap exactly 3.0
        (29.99, 9, Band.AT_RISK),  # just under 3.0, over 1.5
        (15.0, 9, Band.AT_RISK),  # gap exactly 1.5
        (14.99, 9, Band.STEADY),
        (2.0, 4.5, Band.STEADY),  # activity exactly 0.5
        (2.0, 4, Band.AT_RISK),  # activity 0.44
        (2.0, 10.8, Band.WELL_PERFORMING),  # activity exactly 1.2
        (2.0, 10, Band.STEADY),  # activity 1.11
        (2.0, 11, Band.WELL_PERFORMING),
        (15.0, 20, Band.AT_RISK),  # late beats busy
    ],
)
def test_band_thresholds_at_their_edges(since, orders_90d, expected):
    assert band(since=since, orders_90d=orders_90d) == expected


def test_too_little_history_is_not_rated():
    assert band(since=1.0, orders_90d=2, count=2) == Band.NOT_RATED
    assert band(since=1.0, orders_90d=3, count=3) != Band.NOT_RATED


def test_thresholds_come_from_settings(settings):
    settings.KAM_BAND_AT_RISK_GAP = 1.1
    got = band_for(order_count=10, orders_90d=9, average_interval_days=10, days_since_last_order=12)
    assert got == Band.AT_RISK


def test_average_interval_is_the_accounts_own_history():
    now = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)
    perf = performance_of(
        now=now,
        orders_30d=2,
        revenue_30d=Decimal("200"),
        orders_90d=6,
        revenue_90d=Decimal("600"),
        order_count=11,
        first_order_at=now - dt.timedelta(days=105),
        last_order_at=now - dt.timedelta(days=5),
    )
    assert perf.average_interval_days == 10.0
    assert perf.days_since_last_order == 5.0
    assert perf.band == Band.STEADY
