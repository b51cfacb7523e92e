"""Through real processes: the register simulators (INSEE, VIES, HMRC) over a socket and a
real Celery worker; the production clients and sources, pointed at the simulators."""

import pytest

from core.roles import Role
from evaluations.models import DecayPass, Evaluation, Reason, State
from evaluations.tasks import decay_pass
from evaluations.types import registry
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def register(simulators, settings):
    settings.SIMULATORS_URL = simulators.url
    for t in registry:
        t.reset_source()
    yield simulators
    for t in registry:
        t.reset_source()


def test_the_api_evaluates_against_the_register(register, token_client, user_factory):
    # Staff rather than a role: transactional tests flush the groups the roles migration made.
    api = token_client(user_factory(username="ana", roles=[Role.ANALYST]))

    opened = api.post("/api/evaluations/", {"kind": "SIREN", "value": "732829320"}).json()
    closed = api.post("/api/evaluations/", {"kind": "SIREN", "value": "404 483 737"}).json()
    unknown = api.post("/api/evaluations/", {"kind": "SIREN", "value": "123456782"}).json()
    register.configure("insee", error_rate=1)
    down = api.post("/api/evaluations/", {"kind": "SIREN", "value": "552032534"}).json()

    assert (opened["state"], opened["company_name"]) == ("favorable", "Boulangerie du Canal")
    assert (closed["state"], closed["reason"]) == ("unfavorable", "company_closed")
    assert (unknown["state"], unknown["reason"]) == ("unconfirmed", "ongoing_database_update")
    assert (down["state"], down["reason"]) == ("unconfirmed", "unable_to_reach_api")
    assert {opened["score"], closed["score"], unknown["score"], down["score"]} == {100}


def test_the_nightly_pass_runs_on_the_worker_and_reevaluates_the_due_ones(
    register, live_worker, evaluation_factory
):
    def make(value, score, state=State.FAVORABLE, reason=Reason.COMPANY_OPENED):
        return evaluation_factory(value=value, score=score, state=state, reason=reason)

    still_open = make("732829320", 0)
    now_closed = make("404483737", 0)
    unknown = make("123456782", 40, State.UNCONFIRMED, Reason.ONGOING_DATABASE_UPDATE)
    decaying = make("552032534", 50)
    reaching_zero = make("443061841", 1)
    final = make("812345676", 0, State.UNFAVORABLE, Reason.COMPANY_CLOSED)

    decay_pass.delay("2026-05-01")

    wait_until(
        lambda: (
            DecayPass.objects.filter(date="2026-05-01", finished_at__isnull=False).exists()
            and not Evaluation.objects.filter(reevaluation_due=True).exists()
        ),
        timeout=60,
        message="the worker ran the pass and re-evaluated the due evaluations",
    )
    rows = {e.pk: e for e in Evaluation.objects.all()}
    assert (rows[still_open.pk].state, rows[still_open.pk].score) == (State.FAVORABLE, 100)
    assert (rows[now_closed.pk].state, rows[now_closed.pk].score) == (State.UNFAVORABLE, 100)
    assert (rows[unknown.pk].reason, rows[unknown.pk].score) == (
        Reason.ONGOING_DATABASE_UPDATE,
        100,
    )
    assert rows[decaying.pk].score == 49
    assert rows[reaching_zero.pk].score == 0  # re-evaluated by the next pass, not this one
    assert (rows[final.pk].state, rows[final.pk].score) == (State.UNFAVORABLE, 0)
    # The three due SIRENs in one multi-criteria search.
    assert register.stats("insee")["searches"] == 1
