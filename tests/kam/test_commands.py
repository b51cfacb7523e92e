"""The benchmark data generator (small sizes; the same SQL/batches as the benchmark)."""

import io

import pytest
from django.core.management import call_command

from kam.models import Interaction, Order, PointOfContact, Restaurant
from kam.selectors import calls_due

pytestmark = pytest.mark.django_db


def test_kam_generate_fills_every_table(role_groups):
    out = io.StringIO()
    call_command(
        "kam_generate", restaurants=40, kams=4, interactions=300, orders=200, snapshot=True,
        stdout=out,
    )  # fmt: skip

    assert Restaurant.objects.count() == 40
    assert Restaurant.objects.values("owner").distinct().count() == 4
    assert PointOfContact.objects.filter(is_primary=True).count() == 40
    assert (Interaction.objects.count(), Order.objects.count()) == (300, 200)
    assert "40 restaurants, 4 KAMs" in out.getvalue()
    kam = Restaurant.objects.first().owner
    assert calls_due(kam=kam).total > 0
