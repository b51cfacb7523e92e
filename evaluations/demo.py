"""Demo evaluations for `make run`: every state and reason, scores across the range, with
histories that agree with their scores.

Each company is written as evaluated some days ago (its creation event dated then, score
100, as `evaluation_create` leaves it), and the real nightly pass
(`services.decay_pass_run`) is then run for every night since, each pass dated at its own
02:00: the scores, the "last evaluated" dates and the score charts come out of the same rules
as in production. The register is not asked (the simulators are not running yet when
`make run` loads demo data); the numbers are those of the register simulators' demo sets, so
"Re-evaluate now" then answers consistently. Idempotent: if any demo company is there
already, nothing is written.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record, diff
from core.models import AuditEvent
from evaluations.models import DecayPass, Evaluation, EvaluationAction, Reason, State
from evaluations.services import decay_pass_run

F, U, C = State.FAVORABLE, State.UNFAVORABLE, State.UNCONFIRMED
#: (kind, number, state, reason, evaluated so many days ago, company name)
DEMO = [
    ("SIREN", "732829320", F, Reason.COMPANY_OPENED, 3, "Boulangerie du Canal"),
    ("SIREN", "552032534", F, Reason.COMPANY_OPENED, 49, "Ateliers Mécaniques de Lyon"),
    ("SIREN", "443061841", F, Reason.COMPANY_OPENED, 99, "Conseil Numérique"),
    ("SIREN", "301265088", F, Reason.COMPANY_OPENED, 104, "Laiterie des Alpes"),
    ("SIREN", "404483737", U, Reason.COMPANY_CLOSED, 40, "Transports Vercors"),
    ("SIREN", "812345676", U, Reason.COMPANY_CLOSED, 2, "Papeterie Nouvelle"),
    ("SIREN", "383474814", C, Reason.UNABLE_TO_REACH_API, 6, ""),
    ("SIREN", "512345679", C, Reason.UNABLE_TO_REACH_API, 30, ""),
    ("SIREN", "123456782", C, Reason.ONGOING_DATABASE_UPDATE, 5, ""),
    ("VAT", "IE6388047V", F, Reason.COMPANY_OPENED, 12, "EXAMPLE SOFTWARE IRELAND LIMITED"),
    ("VAT", "LU26375245", U, Reason.COMPANY_CLOSED, 20, ""),
    ("VAT", "GB727255821", C, Reason.UNABLE_TO_REACH_API, 50, ""),
    ("VAT", "FR40303265045", C, Reason.UNABLE_TO_REACH_API, 51, ""),
    ("VAT", "DE136695976", C, Reason.ONGOING_DATABASE_UPDATE, 1, ""),
]
EVALUATED_AT = dt.time(10, 0)  # in the server's zone, the day of the evaluation
PASS_AT = dt.time(2, 0)  # the nightly pass's hour (evaluations.schedules)


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _create(kind, value, state, reason, name, at: dt.datetime) -> None:
    evaluation = Evaluation.objects.create(
        kind=kind, value=value, state=state, reason=reason, score=100, company_name=name,
        created_at=at, last_evaluated_at=at,
    )  # fmt: skip
    event = audit_record(
        obj=evaluation,
        action=EvaluationAction.CREATED,
        actor="evaluations.demo",
        changes=diff({}, {"state": state, "reason": reason, "score": 100, "company_name": name}),
        reason="demo data",
    )
    AuditEvent.objects.filter(pk=event.pk).update(created_at=at)


@transaction.atomic
def load(stdout) -> None:
    numbers = [(kind, value) for kind, value, *_ in DEMO]
    if any(Evaluation.objects.filter(kind=k, value=v).exists() for k, v in numbers):
        stdout.write("evaluations: demo evaluations exist already")
        return
    today = timezone.localdate()
    first = today - dt.timedelta(days=max(row[4] for row in DEMO))
    day = first
    while day <= today:
        if day > first:  # the night before `day`'s evaluations: the pass dated `day`
            report = decay_pass_run(on_date=day)
            if not report.already_done:
                at = _at(day, PASS_AT)
                DecayPass.objects.filter(date=day).update(started_at=at, finished_at=at)
        for kind, value, state, reason, days_ago, name in DEMO:
            if today - dt.timedelta(days=days_ago) == day:
                at = min(_at(day, EVALUATED_AT), timezone.now() - dt.timedelta(minutes=5))
                _create(kind, value, state, reason, name, at)
        day += dt.timedelta(days=1)
    stdout.write(
        f"evaluations: {len(DEMO)} demo evaluations, with the nightly passes since {first}"
    )
