"""The dashboard's tiles: every app's figures are text made by `core.present`, as on every
other page (thousands grouped), never raw integers."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import timezone

from core.dashboard import DASHBOARD_APPS, tiles_for
from kam.selectors import CallsDue
from tests.harness.users import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_request(rf: RequestFactory):
    request = rf.get("/")
    request.user = UserFactory(username="root", is_superuser=True, is_staff=True)
    return request


def test_every_tile_shows_its_figures_as_text(admin_request):
    tiles = tiles_for(admin_request)

    assert [tile.app for tile in tiles] == list(DASHBOARD_APPS)
    for tile in tiles:
        assert tile.stats, tile.app
        for stat in tile.stats:
            assert isinstance(stat.label, str), (tile.app, stat)
            assert isinstance(stat.value, str), (tile.app, stat)


def test_the_kam_and_leads_tiles_group_thousands(admin_request, monkeypatch):
    from kam import dashboard as kam_dashboard
    from leads import dashboard as leads_dashboard

    monkeypatch.setattr(
        leads_dashboard,
        "stage_counts",
        lambda user: {"lead": 12345, "needs_review": 0, "prospect": 1000, "rejected": 7},
    )
    monkeypatch.setattr(
        kam_dashboard,
        "calls_due",
        lambda kam: CallsDue(now=timezone.now(), overdue=[None] * 1500, today=[]),
    )
    monkeypatch.setattr(
        kam_dashboard,
        "band_counts",
        lambda user: {"underperforming": 2048, "at_risk": 3},
    )

    stats = {
        tile.app: {stat.label: stat.value for stat in tile.stats}
        for tile in tiles_for(admin_request)
    }

    assert stats["leads"] == {
        "Leads": "12,345", "Needs review": "0", "Prospects": "1,000", "Rejected": "7",
    }  # fmt: skip
    assert stats["kam"] == {
        "Overdue calls": "1,500", "Calls today": "0", "Underperforming": "2,048", "At risk": "3",
    }  # fmt: skip
