"""The decision function, for every combination of check results and score."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leads.decision import CheckResult, ScoreResult, decide, needs_score
from leads.models import CheckStatus, Stage

P, F, U = CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.UNAVAILABLE
THRESHOLD = 60
NOT_ASKED = "not asked"
SCORES = [
    NOT_ASKED,
    ScoreResult(None, "scoring down"),
    ScoreResult(0),
    ScoreResult(60),
    ScoreResult(61),
    ScoreResult(100),
]


def check(system: str, status: CheckStatus) -> CheckResult:
    return CheckResult(system=system, status=status, reason=f"{system} {status}")


def expected(registry: CheckStatus, archives: CheckStatus, scoring) -> Stage | type:
    """The decision table, written out independently of the implementation."""
    if F in (registry, archives):
        return Stage.REJECTED
    if U in (registry, archives):
        return Stage.NEEDS_REVIEW
    if scoring == NOT_ASKED:
        return ValueError
    if scoring.score is None:
        return Stage.NEEDS_REVIEW
    return Stage.PROSPECT if scoring.score > THRESHOLD else Stage.REJECTED


@pytest.mark.parametrize(
    ("registry", "archives", "scoring"),
    list(itertools.product([P, F, U], [P, F, U], SCORES)),
    ids=lambda value: str(getattr(value, "score", value)),
)
def test_every_combination(registry, archives, scoring):
    want = expected(registry, archives, scoring)
    arguments = {
        "registry": check("registry", registry),
        "archives": check("archives", archives),
        "scoring": None if scoring == NOT_ASKED else scoring,
        "threshold": THRESHOLD,
    }

    if want is ValueError:
        with pytest.raises(ValueError, match="score was not asked"):
            decide(**arguments)
        return
    decision = decide(**arguments)

    assert decision.outcome == want
    assert decision.reasons, "every decision says why"
    if want == Stage.REJECTED and F in (registry, archives):
        for name, status in (("registry", registry), ("archives", archives)):
            if status == F:
                assert f"{name} failed" in decision.reasons
            if status == U:
                assert any("also not checked" in r and name in r for r in decision.reasons)


def test_an_outage_alone_never_rejects():
    for registry, archives in itertools.product([P, U], [P, U]):
        for scoring in SCORES:
            if registry == archives == P and scoring in (NOT_ASKED,):
                continue
            if registry == archives == P and scoring.score is not None:
                continue
            decision = decide(
                registry=check("registry", registry),
                archives=check("archives", archives),
                scoring=None if scoring == NOT_ASKED else scoring,
                threshold=THRESHOLD,
            )
            assert decision.outcome == Stage.NEEDS_REVIEW


def test_the_score_is_asked_only_when_both_checks_pass():
    pairs = itertools.product([P, F, U], [P, F, U])
    assert [pair for pair in pairs if needs_score(check("r", pair[0]), check("a", pair[1]))] == [
        (P, P)
    ]


@given(score=st.integers(0, 100), threshold=st.integers(0, 100))
def test_the_threshold_is_strict(score, threshold):
    decision = decide(
        registry=check("registry", P),
        archives=check("archives", P),
        scoring=ScoreResult(score),
        threshold=threshold,
    )

    assert decision.outcome == (Stage.PROSPECT if score > threshold else Stage.REJECTED)
    assert decision.scoring_status == (P if score > threshold else F)


def test_reasons_name_the_score_and_the_threshold():
    decision = decide(
        registry=check("registry", P),
        archives=check("archives", P),
        scoring=ScoreResult(60),
        threshold=60,
    )

    assert decision.reasons == ["qualification score 60 is not above 60"]


@pytest.mark.parametrize("status", [CheckStatus.PENDING, CheckStatus.SKIPPED])
def test_an_unfinished_check_is_a_bug_not_a_decision(status):
    with pytest.raises(ValueError, match="not a final result"):
        decide(
            registry=check("registry", status),
            archives=check("archives", P),
            scoring=None,
            threshold=60,
        )
