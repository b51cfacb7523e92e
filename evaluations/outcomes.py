"""What a source can say about a company: the states, the reasons, the (state, reason) pairs
that go together, and the answer a source returns.

A leaf module: it imports nothing of the app, so the models, the types, the sources and the
rules all read it without importing one another in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.db import models


class State(models.TextChoices):
    FAVORABLE = "favorable", "Favorable"
    UNFAVORABLE = "unfavorable", "Unfavorable"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"


class Reason(models.TextChoices):
    COMPANY_OPENED = "company_opened", "Company opened"
    COMPANY_CLOSED = "company_closed", "Company closed"
    UNABLE_TO_REACH_API = "unable_to_reach_api", "Unable to reach the API"
    ONGOING_DATABASE_UPDATE = "ongoing_database_update", "Ongoing database update"


#: The (state, reason) pairs a source can answer: the database refuses any other pair (a
#: CHECK constraint), and the VAT fake draws from exactly these.
VALID_OUTCOMES = (
    (State.FAVORABLE, Reason.COMPANY_OPENED),
    (State.UNFAVORABLE, Reason.COMPANY_CLOSED),
    (State.UNCONFIRMED, Reason.UNABLE_TO_REACH_API),
    (State.UNCONFIRMED, Reason.ONGOING_DATABASE_UPDATE),
)


@dataclass(frozen=True)
class SourceOutcome:
    """What a source answered about a company."""

    state: State
    reason: Reason
    company_name: str = ""
    #: A sentence for the audit trail (e.g. why the source could not be reached).
    note: str = ""
    company_address: str = ""


class Source(Protocol):
    """Tells the state of one company. Never raises for a failure of the external system:
    "could not find out" is the outcome unconfirmed / unable_to_reach_api."""

    name: str

    def check(self, value: str) -> SourceOutcome: ...
