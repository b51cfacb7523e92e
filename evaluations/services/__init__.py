"""Writes of the evaluations app, one module per entity:

- `evaluation`: evaluate a company, re-evaluate it, the re-evaluation queue and its runners;
- `decay_pass`: the nightly decay pass (set-based UPDATEs in primary-key chunks).

Callers import from here (`from evaluations import services`).
"""

from evaluations.services.decay_pass import NIGHTLY_ACTOR, DecayReport, decay_pass_run
from evaluations.services.evaluation import (
    REEVALUATION_ACTOR,
    evaluation_check,
    evaluation_create,
    evaluation_evaluate,
    evaluation_reevaluate,
    evaluations_queue_reevaluation,
    reevaluate_all_due,
    reevaluate_due_until,
    reevaluate_next,
    reevaluate_next_batch,
    reevaluate_next_due,
    reevaluations_start,
)

__all__ = [
    "NIGHTLY_ACTOR",
    "REEVALUATION_ACTOR",
    "DecayReport",
    "decay_pass_run",
    "evaluation_check",
    "evaluation_create",
    "evaluation_evaluate",
    "evaluation_reevaluate",
    "evaluations_queue_reevaluation",
    "reevaluate_all_due",
    "reevaluate_due_until",
    "reevaluate_next",
    "reevaluate_next_batch",
    "reevaluate_next_due",
    "reevaluations_start",
]
