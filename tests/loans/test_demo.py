"""Demo data (`manage.py load_demo_data`): decided, failed and new applications (the worker
makes the new ones pending), idempotent, audited in the loans vocabulary."""

import io

import pytest

from core.models import AuditEvent
from loans import demo
from loans.models import LoanAction, LoanApplication, Status

pytestmark = pytest.mark.django_db


def test_demo_data_is_loaded_once():
    out = io.StringIO()

    demo.load(out)
    demo.load(out)

    assert LoanApplication.objects.count() == len(demo.PEOPLE)
    assert set(LoanApplication.objects.values_list("status", flat=True)) == {
        Status.NEW,
        Status.COMPLETED,
        Status.REJECTED,
        Status.FAILED,
    }
    assert "already there" in out.getvalue()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert actions == {LoanAction.CREATED, LoanAction.STATUS_CHANGED}
