"""The score over time: exact at evaluations, replayed over the passes in between."""

import datetime

import pytest

from evaluations import selectors, services

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 4, 1)


def test_the_series_replays_the_passes_between_evaluations(fake_sources):
    evaluation = services.evaluation_create(kind="SIREN", value="732829320", actor="tests")
    for offset in range(3):
        services.decay_pass_run(on_date=DAY + datetime.timedelta(days=offset))
    fake_sources["SIREN"].outcome = "unreachable"
    services.evaluation_reevaluate(evaluation_id=evaluation.pk, actor="tests")
    services.decay_pass_run(on_date=DAY + datetime.timedelta(days=3))
    evaluation.refresh_from_db()

    points = selectors.evaluation_score_series(evaluation)

    assert [p.score for p in points] == [100, 99, 98, 97, 97, 100, 95, 95]
    assert [p.what for p in points][-4:] == [
        "Before re-evaluation",
        "Re-evaluated",
        "Decay pass of 4 Apr 2026",
        "Now",
    ]
    assert points[-1].score == evaluation.score == 95


def test_passes_that_did_not_apply_to_the_row_are_not_replayed(fake_sources):
    services.decay_pass_run(on_date=DAY)  # before the evaluation existed
    evaluation = services.evaluation_create(kind="SIREN", value="732829320", actor="tests")

    points = selectors.evaluation_score_series(evaluation)

    assert [p.score for p in points] == [100, 100]
