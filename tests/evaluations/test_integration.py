"""Through real processes: the register simulators (INSEE, VIES, HMRC) over a socket and a
real Celery worker; the production clients and sources, pointed at the simulators. Each answer
must land on the state / reason and the note of docs/evaluations.md's mapping table."""

import re

import pytest
from django.core.cache import cache

from core.roles import Role
from evaluations.clients import HMRC_TOKEN_CACHE_KEY
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
    cache.delete(HMRC_TOKEN_CACHE_KEY)  # a token of another test's simulators reset
    yield simulators
    cache.delete(HMRC_TOKEN_CACHE_KEY)
    for t in registry:
        t.reset_source()


@pytest.fixture
def api(token_client, user_factory):
    return token_client(user_factory(username="ana", roles=[Role.ANALYST]))


def evaluate(api, kind, value):
    """POST /api/evaluations/: the evaluation, with the note of its one audit event."""
    response = api.post("/api/evaluations/", {"kind": kind, "value": value})
    assert response.status_code == 201, response.content
    body = response.json()
    (event,) = body["history"]
    return {**body, "note": event["reason"]}


def outcome(evaluation):
    return (evaluation["state"], evaluation["reason"])


OPENED = ("favorable", "company_opened")
CLOSED = ("unfavorable", "company_closed")
UPDATING = ("unconfirmed", "ongoing_database_update")
UNREACHABLE = ("unconfirmed", "unable_to_reach_api")
VIES = "/taxation_customs/vies/rest-api"
#: requestDate / processingDate as the registers send them.
STAMP = r"\(\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)\)"


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


# --- VIES (EU VAT) --------------------------------------------------------------------------


def test_vies_valid_is_favorable_with_the_traders_name_and_address(register, api):
    valid = evaluate(api, "VAT", "IE6388047V")

    assert outcome(valid) == OPENED
    assert valid["company_name"] == "EXAMPLE SOFTWARE IRELAND LIMITED"
    assert valid["company_address"] == "1 GRAND CANAL SQUARE, DUBLIN 2"
    assert re.fullmatch(rf"VIES: valid VAT number in IE {STAMP}", valid["note"]), valid["note"]
    assert register.stats("vies")["checks"] == 1


def test_vies_not_valid_is_unfavorable_company_closed(register, api):
    closed = evaluate(api, "VAT", "LU26375245")

    assert outcome(closed) == CLOSED
    assert (closed["company_name"], closed["company_address"]) == ("", "")
    assert re.fullmatch(rf"VIES: not a valid VAT number in LU {STAMP}", closed["note"])


def test_vies_ms_unavailable_is_ongoing_database_update(register, api):
    register.configure("vies", unavailable_countries="FR")

    down = evaluate(api, "VAT", "FR40303265045")
    elsewhere = evaluate(api, "VAT", "NL004495445B01")

    assert outcome(down) == UPDATING
    assert down["note"] == "VIES: the FR register is unavailable"
    assert outcome(elsewhere) == OPENED
    assert register.stats("vies")["refused"] == {"MS_UNAVAILABLE": 1}


def test_vies_timeout_while_the_member_state_is_available_is_unable_to_reach_api(register, api):
    register.configure("vies", timeout_countries="IE")

    timed_out = evaluate(api, "VAT", "IE6388047V")

    assert outcome(timed_out) == UNREACHABLE
    assert timed_out["note"] == "the EU VIES service could not check the number (TIMEOUT)"
    assert register.stats("vies")["requests"][f"GET {VIES}/check-status"] == 1


def test_vies_an_outage_said_by_check_status_is_ongoing_database_update(register, api):
    register.configure("vies", outage=True)

    down = evaluate(api, "VAT", "IE6388047V")

    assert outcome(down) == UPDATING
    assert down["note"] == "VIES: the IE register is unavailable (check-status)"


# --- HMRC (GB VAT) --------------------------------------------------------------------------


def test_hmrc_a_token_then_lookups_found_and_not_found(register, api):
    found = evaluate(api, "VAT", "GB727255821")
    missing = evaluate(api, "VAT", "GB123456782")

    assert outcome(found) == OPENED
    assert found["company_name"] == "DEMO WIDGETS LTD"
    assert found["company_address"] == "1 HIGH STREET, LONDON, SW1A 1AA, GB"
    assert re.fullmatch(rf"HMRC: VAT registered {STAMP}", found["note"]), found["note"]
    assert outcome(missing) == CLOSED
    assert missing["note"] == "HMRC: no VAT registration for this number (NOT_FOUND)"
    # One client-credentials token, cached, for both lookups; VIES never asked about GB.
    stats = register.stats("hmrc")
    assert (stats["tokens_issued"], stats["lookups"]) == (1, 2)
    assert register.stats("vies")["checks"] == 0


def test_hmrc_a_maintenance_window_is_unable_to_reach_api(register, api):
    register.configure("hmrc", maintenance=True)

    down = evaluate(api, "VAT", "GB553557874")

    # HMRC publishes no status endpoint: a 503 is no proof of an ongoing update.
    assert outcome(down) == UNREACHABLE
    assert down["note"] == "HMRC's VAT number check did not answer (HTTP 503)"
