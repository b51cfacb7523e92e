"""When a row joined the re-evaluation queue (`reevaluation_due_since`), the queue's age in
/metrics (core.metrics)."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from evaluations import services
from evaluations.models import Evaluation, Reason, State
from evaluations.selectors import reevaluations_oldest_due_age

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 1)


def test_the_nightly_pass_stamps_the_rows_it_queues_and_keeps_an_older_stamp(evaluation_factory):
    earlier = timezone.now() - timedelta(days=2)
    queued = evaluation_factory(state=State.FAVORABLE, score=0)  # rule 2: queued now
    waiting = evaluation_factory(
        state=State.FAVORABLE, score=0, reevaluation_due=True, reevaluation_due_since=earlier
    )
    decaying = evaluation_factory(state=State.FAVORABLE, score=80)
    before = timezone.now()

    services.decay_pass_run(on_date=DAY)

    queued.refresh_from_db()
    waiting.refresh_from_db()
    decaying.refresh_from_db()
    assert queued.reevaluation_due
    assert before - timedelta(seconds=2) <= queued.reevaluation_due_since <= timezone.now()
    assert waiting.reevaluation_due_since == earlier
    assert decaying.reevaluation_due_since is None
    age = reevaluations_oldest_due_age(now=timezone.now())
    assert 2 * 86400 <= age < 2 * 86400 + 60


def test_queueing_by_hand_stamps_new_rows_only(evaluation_factory):
    earlier = timezone.now() - timedelta(hours=1)
    fresh = evaluation_factory(score=60)
    waiting = evaluation_factory(score=60, reevaluation_due=True, reevaluation_due_since=earlier)
    closed = evaluation_factory(state=State.UNFAVORABLE, reason=Reason.COMPANY_CLOSED)

    services.evaluations_queue_reevaluation(ids=[fresh.pk, waiting.pk, closed.pk], actor="tests")

    fresh.refresh_from_db()
    waiting.refresh_from_db()
    closed.refresh_from_db()
    assert fresh.reevaluation_due_since is not None
    assert waiting.reevaluation_due_since == earlier
    assert closed.reevaluation_due_since is None


def test_no_due_row_is_an_age_of_zero(evaluation_factory):
    evaluation_factory(score=60, reevaluation_due_since=timezone.now() - timedelta(days=9))

    assert reevaluations_oldest_due_age(now=timezone.now()) == 0
    assert not Evaluation.objects.filter(reevaluation_due=True).exists()
