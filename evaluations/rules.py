"""The score rules, twice: for one evaluation (`decide`) and as one set-based UPDATE
(`decay_assignments`). Both read the same type registry; a property test checks they agree.

1. unfavorable: nothing changes, ever (a closed company does not reopen).
2. score 0, or unconfirmed / ongoing_database_update: re-evaluate (new state, reason, 100).
3. favorable: score - 1.
4. unconfirmed / unable_to_reach_api: score >= 50: the type's high amount (SIREN 5, VAT 1);
   score < 50: the type's low amount (SIREN 1, VAT 3).
5. the score never goes below 0; a score that reaches 0 is re-evaluated on the next pass.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Greatest, Now

from evaluations.outcomes import Reason, State
from evaluations.types import TypeRegistry
from evaluations.types import registry as default_registry

FAVORABLE_DECAY = 1
#: Rule 4 switches amounts at this score.
UNREACHABLE_THRESHOLD = 50


class Rule(enum.Enum):
    UNFAVORABLE_FINAL = 1
    REEVALUATE = 2
    FAVORABLE_DECAY = 3
    UNREACHABLE_DECAY = 4
    #: No rule applies (a kind no longer registered): unchanged.
    NONE = 0


@dataclass(frozen=True)
class Decision:
    rule: Rule
    score: int
    reevaluate: bool = False

    @property
    def changes_score(self) -> bool:
        return self.rule in (Rule.FAVORABLE_DECAY, Rule.UNREACHABLE_DECAY)


def decide(
    *, kind: str, state: str, reason: str, score: int, registry: TypeRegistry = default_registry
) -> Decision:
    """What one decay pass does to one evaluation."""
    if state == State.UNFAVORABLE:
        return Decision(Rule.UNFAVORABLE_FINAL, score)
    if score == 0 or (state == State.UNCONFIRMED and reason == Reason.ONGOING_DATABASE_UPDATE):
        return Decision(Rule.REEVALUATE, score, reevaluate=True)
    if state == State.FAVORABLE:
        return Decision(Rule.FAVORABLE_DECAY, max(0, score - FAVORABLE_DECAY))
    if state == State.UNCONFIRMED and reason == Reason.UNABLE_TO_REACH_API and kind in registry:
        evaluation_type = registry.get(kind)
        amount = (
            evaluation_type.decay_unreachable_high
            if score >= UNREACHABLE_THRESHOLD
            else evaluation_type.decay_unreachable_low
        )
        return Decision(Rule.UNREACHABLE_DECAY, max(0, score - amount))
    return Decision(Rule.NONE, score)


# --- the same rules as SQL ------------------------------------------------------------------

#: Rule 1: rows the pass never touches.
FINAL_Q = Q(state=State.UNFAVORABLE)
#: Rule 2 (among rows that are not final).
DUE_Q = Q(score=0) | Q(state=State.UNCONFIRMED, reason=Reason.ONGOING_DATABASE_UPDATE)
FAVORABLE_Q = Q(state=State.FAVORABLE)
UNREACHABLE_Q = Q(state=State.UNCONFIRMED, reason=Reason.UNABLE_TO_REACH_API)


def _minus(amount: int) -> Any:
    return Greatest(F("score") - Value(amount), Value(0))


def score_case(registry: TypeRegistry = default_registry) -> Case:
    """The new score of a non-final row (rules 2 to 5), as one CASE expression."""
    whens = [
        When(DUE_Q, then=F("score")),
        When(FAVORABLE_Q, then=_minus(FAVORABLE_DECAY)),
    ]
    for evaluation_type in registry:
        for condition, amount in (
            (Q(score__gte=UNREACHABLE_THRESHOLD), evaluation_type.decay_unreachable_high),
            (Q(score__lt=UNREACHABLE_THRESHOLD), evaluation_type.decay_unreachable_low),
        ):
            whens.append(
                When(UNREACHABLE_Q & Q(kind=evaluation_type.kind) & condition, then=_minus(amount))
            )
    return Case(*whens, default=F("score"))


def decay_assignments(
    on_date: datetime.date, registry: TypeRegistry = default_registry
) -> dict[str, Any]:
    """The `.update(**...)` of one pass over rows that are not final and not yet decayed on
    `on_date`. Rule 2 rows keep their score and join the re-evaluation queue; a score that
    reaches 0 here is only queued by the *next* pass (rule 5), because DUE_Q is evaluated on
    the values before this UPDATE."""
    return {
        "score": score_case(registry),
        "reevaluation_due": Case(When(DUE_Q, then=Value(True)), default=F("reevaluation_due")),
        # A row joining the queue now is due since now; one already queued keeps its time.
        "reevaluation_due_since": Case(
            When(DUE_Q & Q(reevaluation_due=False), then=Now()),
            default=F("reevaluation_due_since"),
        ),
        "last_decayed_on": Value(on_date),
    }


def pending_on(on_date: datetime.date) -> Q:
    """Rows a pass for `on_date` still has to apply the rules to."""
    return ~FINAL_Q & (Q(last_decayed_on__isnull=True) | Q(last_decayed_on__lt=on_date))
