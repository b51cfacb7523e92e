"""Factories and fixtures of the evaluations tests."""

from __future__ import annotations

from collections.abc import Iterator

import factory
import pytest
from django.utils import timezone

from evaluations.models import Evaluation, Reason, State
from evaluations.outcomes import SourceOutcome
from evaluations.types import registry

OUTCOMES = {
    "opened": SourceOutcome(State.FAVORABLE, Reason.COMPANY_OPENED, "Acme SAS", "test: Actif"),
    "closed": SourceOutcome(State.UNFAVORABLE, Reason.COMPANY_CLOSED, "Acme SAS", "test: Fermé"),
    "unreachable": SourceOutcome(State.UNCONFIRMED, Reason.UNABLE_TO_REACH_API, "", "test: down"),
    "updating": SourceOutcome(State.UNCONFIRMED, Reason.ONGOING_DATABASE_UPDATE, "", "test: new"),
}


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    kind = "SIREN"
    value = factory.Sequence(lambda n: f"{n:09d}")
    state = State.FAVORABLE
    reason = Reason.COMPANY_OPENED
    score = 100
    last_evaluated_at = factory.LazyFunction(timezone.now)


class FakeSource:
    """Answers `outcome` (a key of OUTCOMES) and remembers what it was asked and whether a
    transaction was open at that moment."""

    name = "fake"

    def __init__(self, outcome: str = "opened") -> None:
        self.outcome = outcome
        self.calls: list[str] = []
        self.in_transaction: list[bool] = []

    def check(self, value: str) -> SourceOutcome:
        from django.db import connection

        self.calls.append(value)
        self.in_transaction.append(connection.in_atomic_block)
        return OUTCOMES[self.outcome]


@pytest.fixture
def fake_sources() -> Iterator[dict[str, FakeSource]]:
    """Every registered type answers through a FakeSource (by kind), never the network."""
    fakes = {t.kind: FakeSource() for t in registry}
    for t in registry:
        t._source = fakes[t.kind]
    yield fakes
    for t in registry:
        t.reset_source()


@pytest.fixture
def evaluation_factory(db):
    return EvaluationFactory


@pytest.fixture
def time_machine_now():
    return timezone.now()
