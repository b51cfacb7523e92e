"""Demo evaluations for `make run`: every state and reason, scores across the range.

Written straight to the database (the simulators are not running yet when `make run` loads
demo data); the numbers are those of the register simulators' demo sets (insee, vies,
hmrc), so "Re-evaluate now" then answers consistently. Idempotent: an evaluation that
exists is left alone.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record, diff
from evaluations.models import Evaluation, EvaluationAction, Reason, State

F, U, C = State.FAVORABLE, State.UNFAVORABLE, State.UNCONFIRMED
DEMO = [
    ("SIREN", "732829320", F, Reason.COMPANY_OPENED, 97, "Boulangerie du Canal"),
    ("SIREN", "552032534", F, Reason.COMPANY_OPENED, 51, "Ateliers Mécaniques de Lyon"),
    ("SIREN", "443061841", F, Reason.COMPANY_OPENED, 1, "Conseil Numérique"),
    ("SIREN", "301265088", F, Reason.COMPANY_OPENED, 0, "Laiterie des Alpes"),
    ("SIREN", "404483737", U, Reason.COMPANY_CLOSED, 100, "Transports Vercors"),
    ("SIREN", "812345676", U, Reason.COMPANY_CLOSED, 0, "Papeterie Nouvelle"),
    ("SIREN", "383474814", C, Reason.UNABLE_TO_REACH_API, 64, ""),
    ("SIREN", "512345679", C, Reason.UNABLE_TO_REACH_API, 12, ""),
    ("SIREN", "123456782", C, Reason.ONGOING_DATABASE_UPDATE, 100, ""),
    ("VAT", "IE6388047V", F, Reason.COMPANY_OPENED, 88, "EXAMPLE SOFTWARE IRELAND LIMITED"),
    ("VAT", "LU26375245", U, Reason.COMPANY_CLOSED, 100, ""),
    ("VAT", "GB727255821", C, Reason.UNABLE_TO_REACH_API, 50, ""),
    ("VAT", "FR40303265045", C, Reason.UNABLE_TO_REACH_API, 49, ""),
    ("VAT", "DE136695976", C, Reason.ONGOING_DATABASE_UPDATE, 70, ""),
]


@transaction.atomic
def load(stdout) -> None:
    created = 0
    now = timezone.now()
    for kind, value, state, reason, score, name in DEMO:
        if Evaluation.objects.filter(kind=kind, value=value).exists():
            continue
        evaluated_at = now - timedelta(days=100 - score)
        evaluation = Evaluation.objects.create(
            kind=kind,
            value=value,
            state=state,
            reason=reason,
            score=score,
            company_name=name,
            created_at=evaluated_at,
            last_evaluated_at=evaluated_at,
        )
        audit_record(
            obj=evaluation,
            action=EvaluationAction.CREATED,
            actor="evaluations.demo",
            changes=diff(
                {}, {"state": state, "reason": reason, "score": 100, "company_name": name}
            ),
            reason="demo data",
        )
        created += 1
    stdout.write(f"evaluations: {created} demo evaluations created ({len(DEMO) - created} existed)")
