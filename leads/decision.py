"""The qualification decision: one pure function over the facts a run gathered.

| registry     | archives     | score             | decision                                   |
|--------------|--------------|-------------------|--------------------------------------------|
| failed       | any          | (not asked)       | rejected: the failure(s)                   |
| any          | failed       | (not asked)       | rejected: the failure(s)                   |
| unavailable  | passed/unav. | (not asked)       | needs review: what could not be checked    |
| passed/unav. | unavailable  | (not asked)       | needs review: what could not be checked    |
| passed       | passed       | unavailable       | needs review: scoring could not be reached |
| passed       | passed       | > threshold (60)  | prospect                                   |
| passed       | passed       | <= threshold      | rejected: the score                        |

A definite "no" (a mismatch, no such person, a judicial record) rejects even when the other
system was down: asking again cannot turn it into a yes. An outage alone never rejects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from leads.models import CheckStatus, Stage


@dataclass(frozen=True)
class CheckResult:
    """What one check found: passed, failed (with the reason) or unavailable (why)."""

    system: str
    status: CheckStatus
    reason: str = ""
    response: Any = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    latency_ms: float | None = None


@dataclass(frozen=True)
class ScoreResult:
    """The qualification system's answer: a score, or None with the reason it is missing."""

    score: int | None
    reason: str = ""
    response: Any = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    latency_ms: float | None = None


@dataclass(frozen=True)
class Decision:
    outcome: Stage
    reasons: list[str] = field(default_factory=list)
    #: The score's own verdict, for display: passed/failed against the threshold, unavailable,
    #: or skipped when it was not needed.
    scoring_status: CheckStatus = CheckStatus.SKIPPED


FINAL_CHECK_STATUSES = {CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.UNAVAILABLE}


def needs_score(registry: CheckResult, archives: CheckResult) -> bool:
    """The score is asked for only when both checks passed: otherwise it cannot change the
    decision."""
    return registry.status == CheckStatus.PASSED and archives.status == CheckStatus.PASSED


def decide(
    *,
    registry: CheckResult,
    archives: CheckResult,
    scoring: ScoreResult | None,
    threshold: int,
) -> Decision:
    """The decision for one run (see the table above). Every combination is handled; an
    impossible one (a check still pending, a score missing after two passes) is a bug and
    raises ValueError rather than guessing."""
    for check in (registry, archives):
        if check.status not in FINAL_CHECK_STATUSES:
            raise ValueError(f"{check.system} check is {check.status!r}, not a final result")
    checks = (registry, archives)
    failed = [check for check in checks if check.status == CheckStatus.FAILED]
    unavailable = [check for check in checks if check.status == CheckStatus.UNAVAILABLE]

    match (bool(failed), bool(unavailable), scoring):
        case (True, _, _):
            return Decision(
                Stage.REJECTED,
                [check.reason for check in failed]
                + [f"(also not checked: {check.reason})" for check in unavailable],
            )
        case (False, True, _):
            return Decision(Stage.NEEDS_REVIEW, [check.reason for check in unavailable])
        case (False, False, None):
            raise ValueError("both checks passed but the score was not asked for")
        case (False, False, ScoreResult(score=None)):
            return Decision(
                Stage.NEEDS_REVIEW,
                [scoring.reason or "qualification scoring gave no score"],
                CheckStatus.UNAVAILABLE,
            )
        case (False, False, ScoreResult(score=int(score))) if score > threshold:
            return Decision(
                Stage.PROSPECT,
                [
                    "identity matches the national registry",
                    "no judicial records",
                    f"qualification score {score} is above {threshold}",
                ],
                CheckStatus.PASSED,
            )
        case (False, False, ScoreResult(score=int(score))):
            return Decision(
                Stage.REJECTED,
                [f"qualification score {score} is not above {threshold}"],
                CheckStatus.FAILED,
            )
    raise ValueError(f"no decision for {registry!r}, {archives!r}, {scoring!r}")  # unreachable
