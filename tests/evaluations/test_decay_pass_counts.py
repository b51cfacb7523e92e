"""The decay pass counts per rule what `rules.decide` says of each row, whatever the database
(on PostgreSQL the counts come from what the chunk's UPDATE returns; elsewhere from a
counting query per chunk), the chunk size, and rows already queued or already decayed."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluations.models import VALID_OUTCOMES, DecayPass, Evaluation, State
from evaluations.rules import Rule, decide
from evaluations.services import decay_pass_run

ON = datetime.date(2026, 1, 3)

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(["SIREN", "VAT"]),
        st.sampled_from(VALID_OUTCOMES),
        st.integers(min_value=0, max_value=100),
        st.booleans(),
        st.sampled_from([None, 1, 2, 3]),
    ),
    min_size=1,
    max_size=40,
)


def expected_counts(rows) -> dict[str, int]:
    counts = dict.fromkeys(
        (
            "unfavorable_unchanged",
            "already_decayed",
            "marked_due",
            "favorable_decayed",
            "unreachable_decayed",
            "reached_zero",
        ),
        0,
    )
    for kind, (state, reason), score, _, decayed_day in rows:
        if state == State.UNFAVORABLE:
            counts["unfavorable_unchanged"] += 1
            continue
        if decayed_day is not None and datetime.date(2026, 1, decayed_day) >= ON:
            counts["already_decayed"] += 1
            continue
        decision = decide(kind=kind, state=state, reason=reason, score=score)
        if decision.rule == Rule.REEVALUATE:
            counts["marked_due"] += 1
        elif decision.rule == Rule.FAVORABLE_DECAY:
            counts["favorable_decayed"] += 1
        elif decision.rule == Rule.UNREACHABLE_DECAY:
            counts["unreachable_decayed"] += 1
        if decision.changes_score and decision.score == 0:
            counts["reached_zero"] += 1
    return counts


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows_strategy, chunk_size=st.integers(1, 50))
def test_the_pass_counts_what_the_rule_function_says(rows, chunk_size):
    Evaluation.objects.all().delete()
    DecayPass.objects.all().delete()
    for i, (kind, (state, reason), score, due, decayed_day) in enumerate(rows):
        Evaluation.objects.create(
            kind=kind,
            value=f"V{i}",
            state=state,
            reason=reason,
            score=score,
            reevaluation_due=due,
            last_decayed_on=datetime.date(2026, 1, decayed_day) if decayed_day else None,
            last_evaluated_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        )

    report = decay_pass_run(on_date=ON, chunk_size=chunk_size)

    expected = expected_counts(rows)
    assert report.counts == expected
    stored = DecayPass.objects.get(date=ON)
    assert {name: getattr(stored, name) for name in expected} == expected
