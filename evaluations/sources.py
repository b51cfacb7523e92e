"""Where the state of a company comes from: the SIREN register, and the VAT fake."""

from __future__ import annotations

import random
import threading

from core.http import ExternalServiceError
from evaluations.clients import SireneClient
from evaluations.outcomes import VALID_OUTCOMES, Reason, SourceOutcome, State


class SireneSource:
    """Actif -> favorable / company_opened; any other state -> unfavorable / company_closed;
    a failure (network, timeout, 5xx, 4xx, a body that is not the expected JSON) ->
    unconfirmed / unable_to_reach_api; a number the register does not know (nhits 0) ->
    unconfirmed / ongoing_database_update (re-checked at every pass: a new company appears in
    the register's dataset later, and an unknown number is no proof that a company closed)."""

    name = "SIRENE register (Opendatasoft)"

    def __init__(self, client_factory=SireneClient) -> None:
        self.client_factory = client_factory

    def check(self, value: str) -> SourceOutcome:
        try:
            with self.client_factory() as client:
                record = client.head_office(value)
        except ExternalServiceError as error:
            # The note (the audit reason people read) is a sentence; the detail is logged
            # under the request's or task's id, which the audit event keeps.
            note = error.report(context=f"{self.name}: checking {value}")
            return SourceOutcome(State.UNCONFIRMED, Reason.UNABLE_TO_REACH_API, note=note)
        if record is None:
            return SourceOutcome(
                State.UNCONFIRMED,
                Reason.ONGOING_DATABASE_UPDATE,
                note=f"{self.name}: number not (yet) in the register",
            )
        if record.active:
            return SourceOutcome(
                State.FAVORABLE, Reason.COMPANY_OPENED, record.name, f"{self.name}: Actif"
            )
        return SourceOutcome(
            State.UNFAVORABLE,
            Reason.COMPANY_CLOSED,
            record.name,
            f"{self.name}: {record.administrative_state}",
        )


class RandomVatSource:
    """The VAT fake: one of the valid outcomes (`VALID_OUTCOMES`), drawn uniformly. A seed
    makes the sequence of answers of one process reproducible
    (settings.EVALUATIONS_VAT_FAKE_SEED)."""

    name = "VAT fake (random)"

    def __init__(self, seed: int | None = None) -> None:
        self.random = random.Random(seed)  # noqa: S311 (a fake, not security)
        self._lock = threading.Lock()

    def check(self, value: str) -> SourceOutcome:
        with self._lock:
            state, reason = self.random.choice(VALID_OUTCOMES)
        return SourceOutcome(state, reason, note=f"{self.name}: {reason.value}")
