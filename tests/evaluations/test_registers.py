"""The registers in the app: the runners answer due SIRENs with one batch call, the company
address is stored, audited and shown, and the type registry's sources are the registers."""

from __future__ import annotations

import time

import pytest

from core.roles import Role
from evaluations import services
from evaluations.models import Evaluation, Reason, State
from evaluations.outcomes import SourceOutcome
from evaluations.types import registry
from tests.evaluations.conftest import OUTCOMES, FakeSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst_client(client, user_factory):
    client.force_login(user_factory(username="ana", roles=[Role.ANALYST]))
    return client


class BatchSource(FakeSource):
    """A source that answers many numbers in one call (as INSEE's search)."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def check_many(self, values):
        self.batches.append(list(values))
        return {value: OUTCOMES["closed" if value.endswith("7") else "opened"] for value in values}


@pytest.fixture
def sources(fake_sources):
    batch = BatchSource()
    registry.get("SIREN")._source = batch
    return {"SIREN": batch, "VAT": fake_sources["VAT"]}


def test_the_runners_answer_the_due_sirens_in_batches_and_the_rest_one_by_one(
    sources, evaluation_factory, settings
):
    settings.EVALUATIONS_BATCH_SIZE = 3
    sirens = [evaluation_factory(kind="SIREN", value=f"10000000{i}", score=0) for i in range(7)]
    vats = [evaluation_factory(kind="VAT", value=f"IE{i}", score=0) for i in range(2)]
    Evaluation.objects.update(reevaluation_due=True)

    done, empty = services.reevaluate_due_until(deadline=time.monotonic() + 30)

    assert (done, empty) == (9, True)
    assert [len(batch) for batch in sources["SIREN"].batches] == [3, 3, 1]
    assert sources["SIREN"].calls == []  # never one SIREN at a time
    assert sorted(sources["VAT"].calls) == ["IE0", "IE1"]
    rows = {e.pk: e for e in Evaluation.objects.all()}
    assert not any(e.reevaluation_due for e in rows.values())
    assert rows[sirens[7 - 1].pk].state == State.FAVORABLE
    assert {rows[v.pk].score for v in vats} == {100}


def test_a_batch_leaves_final_rows_alone(sources, evaluation_factory):
    closed = evaluation_factory(
        kind="SIREN", value="100000007", state=State.UNFAVORABLE, reason=Reason.COMPANY_CLOSED
    )
    Evaluation.objects.filter(pk=closed.pk).update(reevaluation_due=True)

    assert services.reevaluate_next_batch() == 1
    assert sources["SIREN"].batches == []
    closed.refresh_from_db()
    assert (closed.reevaluation_due, closed.score) == (False, 100)


def test_the_company_address_is_stored_audited_and_shown(
    analyst_client, fake_sources, evaluation_factory
):
    row = evaluation_factory(kind="VAT", value="IE6388047V", score=10)
    fake_sources["VAT"].outcome = "opened"
    address = SourceOutcome(
        State.FAVORABLE, Reason.COMPANY_OPENED, "EXAMPLE LTD", "VIES: valid", "1 MAIN ST, DUBLIN"
    )
    fake_sources["VAT"].check = lambda value: address

    services.evaluation_reevaluate(evaluation_id=row.pk, actor="test")

    row.refresh_from_db()
    assert (row.company_name, row.company_address) == ("EXAMPLE LTD", "1 MAIN ST, DUBLIN")
    page = analyst_client.get(f"/evaluations/{row.pk}/").content.decode()
    assert "1 MAIN ST, DUBLIN" in page
    detail = analyst_client.get(f"/api/evaluations/{row.pk}/").json()
    assert detail["company_address"] == "1 MAIN ST, DUBLIN"
    (event, *_) = detail["history"]
    assert "company_address" in str(event["changes"])


def test_a_long_batch_keeps_its_rows_leased_until_each_is_recorded(
    sources, evaluation_factory, settings, monkeypatch
):
    from django.utils import timezone

    from evaluations.services import evaluation as service

    settings.EVALUATIONS_CLAIM_LEASE = 1.0
    for i in range(5):
        evaluation_factory(kind="SIREN", value=f"20000000{i}", score=0)
    Evaluation.objects.update(reevaluation_due=True)
    still_leased = []
    record = service._record_outcome

    def slow_record(evaluation_id, outcome, *, actor):
        time.sleep(0.3)  # 5 rows: 1.5 s of writes, longer than the 1 s lease
        until = Evaluation.objects.get(pk=evaluation_id).reevaluation_claimed_until
        still_leased.append(until > timezone.now())
        return record(evaluation_id, outcome, actor=actor)

    monkeypatch.setattr(service, "_record_outcome", slow_record)

    assert services.reevaluate_next_batch() == 5
    assert still_leased == [True] * 5
