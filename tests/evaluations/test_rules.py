"""The score rules: a table at the boundaries, properties, and SQL == Python."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluations.models import VALID_OUTCOMES, Evaluation, Reason, State
from evaluations.rules import Rule, decide
from evaluations.services import decay_pass_run

F, U, C = State.FAVORABLE, State.UNFAVORABLE, State.UNCONFIRMED
OPENED, CLOSED = Reason.COMPANY_OPENED, Reason.COMPANY_CLOSED
UNREACHABLE, UPDATING = Reason.UNABLE_TO_REACH_API, Reason.ONGOING_DATABASE_UPDATE
BOUNDARIES = (0, 1, 2, 49, 50, 51, 100)
REEVALUATE = "re-evaluate"

# (state, reason) -> {score: (SIREN after the pass, VAT after the pass)}
# REEVALUATE: the score is kept and the evaluation is queued for re-evaluation.
EXPECTED = {
    (U, CLOSED): {s: (s, s) for s in BOUNDARIES},  # rule 1: never changes, even at 0
    (C, UPDATING): dict.fromkeys(BOUNDARIES, (REEVALUATE, REEVALUATE)),  # rule 2
    (F, OPENED): {  # rule 3, then 2 at 0
        0: (REEVALUATE, REEVALUATE),
        1: (0, 0),
        2: (1, 1),
        49: (48, 48),
        50: (49, 49),
        51: (50, 50),
        100: (99, 99),
    },
    (C, UNREACHABLE): {  # rule 4: >= 50: SIREN -5, VAT -1; < 50: SIREN -1, VAT -3; floor 0
        0: (REEVALUATE, REEVALUATE),
        1: (0, 0),
        2: (1, 0),
        49: (48, 46),
        50: (45, 49),
        51: (46, 50),
        100: (95, 99),
    },
}

TABLE = [
    pytest.param(kind, state, reason, score, expected[i], id=f"{kind}-{state}-{reason}-{score}")
    for (state, reason), by_score in EXPECTED.items()
    for score, expected in by_score.items()
    for i, kind in enumerate(("SIREN", "VAT"))
]


def test_the_table_covers_every_state_and_reason():
    assert set(EXPECTED) == set(VALID_OUTCOMES)


@pytest.mark.parametrize(("kind", "state", "reason", "score", "expected"), TABLE)
def test_rule_function(kind, state, reason, score, expected):
    decision = decide(kind=kind, state=state, reason=reason, score=score)

    if expected == REEVALUATE:
        assert (decision.rule, decision.reevaluate, decision.score) == (
            Rule.REEVALUATE,
            True,
            score,
        )
    else:
        assert decision.reevaluate is False
        assert decision.score == expected


@pytest.mark.django_db
def test_the_set_based_pass_gives_the_table(evaluation_factory):
    rows = {
        param.values[:4]: evaluation_factory(
            kind=param.values[0],
            state=param.values[1],
            reason=param.values[2],
            score=param.values[3],
        )
        for param in TABLE
    }

    decay_pass_run(on_date=datetime.date(2026, 1, 10), chunk_size=7)

    for param in TABLE:
        kind, state, reason, score, expected = param.values
        row = Evaluation.objects.get(pk=rows[(kind, state, reason, score)].pk)
        if expected == REEVALUATE:
            assert (row.score, row.reevaluation_due) == (score, True), param.id
        else:
            assert (row.score, row.reevaluation_due) == (expected, False), param.id
        assert (row.state, row.reason) == (state, reason)


def test_a_score_reaching_zero_is_reevaluated_on_the_next_pass_not_this_one():
    first = decide(kind="SIREN", state=F, reason=OPENED, score=1)
    second = decide(kind="SIREN", state=F, reason=OPENED, score=first.score)

    assert (first.score, first.reevaluate) == (0, False)
    assert (second.rule, second.reevaluate) == (Rule.REEVALUATE, True)


def test_an_unregistered_kind_is_left_alone():
    decision = decide(kind="GONE", state=C, reason=UNREACHABLE, score=80)

    assert (decision.rule, decision.score) == (Rule.NONE, 80)


# --- properties -----------------------------------------------------------------------------

kinds = st.sampled_from(["SIREN", "VAT"])
outcomes = st.sampled_from(VALID_OUTCOMES)
scores = st.integers(min_value=0, max_value=100)


@given(kind=kinds, outcome=outcomes, score=scores, passes=st.integers(1, 150))
def test_the_score_stays_within_0_and_100_over_any_number_of_passes(kind, outcome, score, passes):
    state, reason = outcome
    for _ in range(passes):
        decision = decide(kind=kind, state=state, reason=reason, score=score)
        assert 0 <= decision.score <= 100
        assert decision.score <= score
        score = decision.score


@given(kind=kinds, score=scores)
def test_unfavorable_never_changes(kind, score):
    decision = decide(kind=kind, state=U, reason=CLOSED, score=score)

    assert (decision.rule, decision.score, decision.reevaluate) == (
        Rule.UNFAVORABLE_FINAL,
        score,
        False,
    )


rows_strategy = st.lists(
    st.tuples(kinds, outcomes, scores, st.booleans(), st.sampled_from([None, 1, 2, 3])),
    min_size=1,
    max_size=40,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows_strategy, chunk_size=st.integers(1, 50))
def test_the_set_based_pass_gives_exactly_what_the_rule_function_gives(rows, chunk_size):
    """Random rows (some already queued, some already decayed on the day or before), random
    chunk sizes: every row ends exactly where `decide` says, or untouched if already done."""
    Evaluation.objects.all().delete()
    from evaluations.models import DecayPass

    DecayPass.objects.all().delete()
    on_date = datetime.date(2026, 1, 3)
    created = []
    for i, (kind, (state, reason), score, due, decayed_day) in enumerate(rows):
        created.append(
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
        )

    decay_pass_run(on_date=on_date, chunk_size=chunk_size)

    for before in created:
        after = Evaluation.objects.get(pk=before.pk)
        already_done = before.last_decayed_on == on_date
        if before.state == U or already_done:
            assert (after.score, after.reevaluation_due, after.last_decayed_on) == (
                before.score,
                before.reevaluation_due,
                before.last_decayed_on,
            )
            continue
        decision = decide(
            kind=before.kind, state=before.state, reason=before.reason, score=before.score
        )
        assert after.score == decision.score
        assert after.reevaluation_due == (before.reevaluation_due or decision.reevaluate)
        assert after.last_decayed_on == on_date
