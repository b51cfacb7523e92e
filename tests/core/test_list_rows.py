"""Every app's list endpoints at index speed (issue 12): a constant number of queries whatever
the page size, and rows rendered by `core.api.serializers.PlainRowsMixin` exactly as DRF's
own `to_representation` renders them."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from core.api.serializers import PlainRowsMixin
from tests.evaluations.conftest import EvaluationFactory
from tests.leads.conftest import LeadFactory
from tests.loans.conftest import LoanApplicationFactory
from workflows.models import Customer, WorkflowDefinition, WorkflowRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(role_groups):
    user = get_user_model().objects.create_superuser("lists-admin", password=None)
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


@pytest.fixture
def role_groups(db):
    from django.contrib.auth.models import Group

    from core.roles import Role

    for role in Role:
        Group.objects.get_or_create(name=role.group_name)


def _definition() -> WorkflowDefinition:
    return WorkflowDefinition.objects.create(
        key="bench", version=1, checksum="0" * 64, title="Bench", spec={"steps": []}
    )


def _add_runs(n: int, user) -> None:
    definition = WorkflowDefinition.objects.first() or _definition()
    for i in range(n):
        customer = Customer.objects.create(
            first_name="Ada", last_name=f"Run{uuid.uuid4().hex[:6]}", date_of_birth="1980-01-01"
        )
        WorkflowRun.objects.create(
            definition=definition,
            customer=customer if i % 2 else None,
            created_by=user if i % 3 else None,
            status="failed" if i % 4 == 0 else "waiting",
            error="It failed." if i % 4 == 0 else "",
            error_details=["one", "two"] if i % 4 == 0 else [],
            finished_at=timezone.now() if i % 4 == 0 else None,
        )


ADDERS = {
    "/api/leads/": lambda n, user: LeadFactory.create_batch(n),
    "/api/loans/applications/": lambda n, user: [
        LoanApplicationFactory(
            created_by=user,
            status="failed" if i % 2 else "pending",
            failure_reason="The bank said no." if i % 2 else "",
            submitted_at=timezone.now() - dt.timedelta(minutes=i),
        )
        for i in range(n)
    ],
    "/api/evaluations/": lambda n, user: EvaluationFactory.create_batch(n),
    "/api/workflows/runs/": _add_runs,
}


@pytest.mark.parametrize("url", list(ADDERS))
def test_list_endpoints_run_a_constant_number_of_queries(url, admin_client):
    add = ADDERS[url]

    def count(page_size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(f"{url}?page_size={page_size}")
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == page_size
        return len(ctx.captured_queries)

    add(2, admin_client.user)
    few = count(2)
    add(28, admin_client.user)
    many = count(30)

    assert few == many, (few, many)


@pytest.mark.parametrize("url", list(ADDERS))
def test_plain_rows_render_what_drf_renders(url, admin_client):
    """The list's rows, rendered by the fast path and by DRF's own Serializer, are equal
    (same keys in the same order, same values), nulls and related rows included."""
    ADDERS[url](6, admin_client.user)
    response = admin_client.get(f"{url}?page_size=6")
    assert response.status_code == 200
    view = response.renderer_context["view"]
    serializer = view.get_serializer(view.paginator.page.object_list, many=True)
    child = serializer.child
    assert isinstance(child, PlainRowsMixin)

    for row in view.paginator.page.object_list:
        fast = child.to_representation(row)
        exact = _drf_representation(child, row)
        assert list(fast) == list(exact)
        assert fast == exact


def _drf_representation(serializer, instance):
    """What DRF's Serializer.to_representation gives, nested serializers included."""
    ret = {}
    for field in serializer._readable_fields:
        try:
            attribute = field.get_attribute(instance)
        except serializers.SkipField:
            continue
        check = getattr(attribute, "pk", attribute) if hasattr(attribute, "pk") else attribute
        if check is None:
            ret[field.field_name] = None
        elif isinstance(field, PlainRowsMixin):
            ret[field.field_name] = _drf_representation(field, attribute)
        else:
            ret[field.field_name] = field.to_representation(attribute)
    return ret


def test_plain_rows_fall_back_to_drf_for_what_they_cannot_read():
    class Row:
        def __init__(self, **kwargs):
            self.__dict__.update(kwargs)

    class Shape(PlainRowsMixin, serializers.Serializer):
        name = serializers.CharField()
        owner = serializers.CharField(source="owner.username", required=False)
        at = serializers.DateTimeField(allow_null=True)
        label = serializers.CharField(source="get_label")

    moment = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    row = Row(name="x", owner=None, at=moment, get_label=lambda: "called")
    shape = Shape()

    assert shape.to_representation(row) == serializers.Serializer.to_representation(shape, row)
    assert shape.to_representation(row) == {
        "name": "x",
        "at": "2026-12-06T13:00:00+01:00",  # the current zone, as DRF
        "label": "called",
    }
    assert shape.to_representation({"name": "y", "at": None, "get_label": "z"}) == {
        "name": "y",
        "at": None,
        "label": "z",
    }
