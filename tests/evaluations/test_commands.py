"""`decay_evaluations` and `evaluate`, and the demo data."""

import io

import pytest
from django.core.management import CommandError, call_command

from evaluations import demo
from evaluations.models import VALID_OUTCOMES, DecayPass, Evaluation, State

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_decay_evaluations_runs_a_pass_reevaluates_and_summarises(evaluation_factory, fake_sources):
    evaluation_factory(score=80)
    due = evaluation_factory(score=0)
    evaluation_factory(state="unfavorable", reason="company_closed", score=3)

    output = run("decay_evaluations", "--date", "2026-02-01", "--concurrency", "1")

    assert "decay: 100%" in output  # the progress bars (tqdm)
    assert "re-evaluate: 100%" in output
    assert "rule 3 favorable, decayed          1" in output
    assert "rule 2 queued for re-evaluation    1" in output
    assert "re-evaluated                       1" in output
    assert "unchanged                          1" in output
    due.refresh_from_db()
    assert (due.score, due.reevaluation_due) == (100, False)
    assert DecayPass.objects.get().date.isoformat() == "2026-02-01"


def test_decay_evaluations_twice_for_a_date_says_nothing_changed(evaluation_factory):
    row = evaluation_factory(score=80)
    run("decay_evaluations", "--date", "2026-02-01")

    output = run("decay_evaluations", "--date", "2026-02-01")

    row.refresh_from_db()
    assert row.score == 79
    assert "already ran" in output
    assert "nothing changed" in output


def test_decay_evaluations_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("decay_evaluations", "--date", "01/02/2026")


def test_evaluate_creates_then_reevaluates(fake_sources):
    first = run("evaluate", "siren", "732 829 320")
    second = run("evaluate", "SIREN", "732829320")

    assert first.startswith("Created #")
    assert "Favorable / Company opened, score 100 (Acme SAS)" in first
    assert second.startswith("Re-evaluated #")
    assert Evaluation.objects.count() == 1


@pytest.mark.parametrize(("kind", "value"), [("SIREN", "1"), ("DUNS", "1"), ("VAT", "XX1")])
def test_evaluate_refuses_bad_input(fake_sources, kind, value):
    with pytest.raises(CommandError):
        run("evaluate", kind, value)


def test_demo_data_has_every_state_and_reason_and_is_idempotent(db):
    out = io.StringIO()
    demo.load(out)
    count = Evaluation.objects.count()
    demo.load(out)

    assert Evaluation.objects.count() == count == len(demo.DEMO)
    assert set(Evaluation.objects.values_list("state", "reason")) == set(VALID_OUTCOMES)
    assert set(Evaluation.objects.values_list("kind", flat=True)) == {"SIREN", "VAT"}
    assert Evaluation.objects.filter(state=State.FAVORABLE, score=0).exists()


def test_demo_histories_agree_with_their_scores_and_dates(db):
    """The demo runs the real nightly pass for every night since the oldest evaluation: the
    score chart's last point before "now" is the stored score, the first is 100 on the day
    the company was evaluated."""
    import datetime as dt

    from django.utils import timezone

    from evaluations.selectors import evaluation_score_series

    demo.load(io.StringIO())
    today = timezone.localdate()
    for kind, value, _state, _reason, days_ago, _ in demo.DEMO:
        evaluation = Evaluation.objects.get(kind=kind, value=value)
        series = evaluation_score_series(evaluation)
        assert series[0].score == 100
        assert timezone.localtime(series[0].at).date() == today - dt.timedelta(days=days_ago)
        assert series[-2].score == evaluation.score, (value, [p.score for p in series])
        assert (
            timezone.localtime(evaluation.last_evaluated_at).date()
            == series[0].at.astimezone(timezone.get_current_timezone()).date()
        )
    favorable_3_days = Evaluation.objects.get(value="732829320")
    assert favorable_3_days.score == 97  # three nightly passes of -1
