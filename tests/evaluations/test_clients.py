"""The SIREN register client and source: recorded Opendatasoft shapes (respx), then the real
simulator over a socket."""

import httpx
import pytest
import respx

from core.http import ServiceTimeout, ServiceUnavailable, UnexpectedResponse
from evaluations.clients import DATASET, SEARCH_PATH, SireneClient
from evaluations.models import Reason, State
from evaluations.sources import SireneSource

BASE = "http://sirene.test"
URL = f"{BASE}{SEARCH_PATH}"


def record(siren="732829320", state="Actif", name="Boulangerie du Canal", siege="oui", **extra):
    fields = {
        "siren": siren,
        "siret": f"{siren}00012",
        "etablissementsiege": siege,
        "etatadministratifetablissement": state,
        "denominationunitelegale": name,
        "datederniertraitementetablissement": "2024-01-15T10:00:00+00:00",
        **extra,
    }
    return {"datasetid": DATASET, "recordid": "abc", "fields": fields, "record_timestamp": "x"}


def body(*records):
    return {"nhits": len(records), "parameters": {"dataset": DATASET}, "records": list(records)}


@pytest.fixture
def client():
    with SireneClient(base_url=BASE, timeout=1, connect_timeout=0.5) as c:
        yield c


@pytest.fixture
def source():
    return SireneSource(client_factory=lambda: SireneClient(base_url=BASE, timeout=1))


@respx.mock
def test_the_request_is_the_documented_one(client):
    route = respx.get(URL).respond(200, json=body(record()))

    client.head_office("732829320")

    params = dict(route.calls.last.request.url.params)
    assert params == {
        "dataset": "economicref-france-sirene-v3",
        "q": "732829320",
        "sort": "datederniertraitementetablissement",
        "refine.etablissementsiege": "oui",
    }


@respx.mock
def test_an_active_company_is_favorable(client, source):
    respx.get(URL).respond(200, json=body(record()))

    found = client.head_office("732829320")
    outcome = source.check("732829320")

    assert (found.active, found.name) == (True, "Boulangerie du Canal")
    assert (outcome.state, outcome.reason) == (State.FAVORABLE, Reason.COMPANY_OPENED)
    assert outcome.company_name == "Boulangerie du Canal"


@respx.mock
def test_a_closed_company_is_unfavorable(source):
    respx.get(URL).respond(200, json=body(record(state="Fermé")))

    outcome = source.check("732829320")

    assert (outcome.state, outcome.reason) == (State.UNFAVORABLE, Reason.COMPANY_CLOSED)


@respx.mock
def test_the_first_record_is_the_most_recent_head_office(client):
    respx.get(URL).respond(200, json=body(record(state="Actif"), record(state="Fermé")))

    assert client.head_office("732829320").active


@respx.mock
def test_records_of_other_numbers_found_by_the_full_text_search_are_ignored(client):
    respx.get(URL).respond(200, json=body(record(siren="552032534")))

    assert client.head_office("732829320") is None


@respx.mock
def test_a_sole_trader_is_named_after_the_person(client):
    fields = record(name="", prenom1unitelegale="Marie", nomunitelegale="Durand")
    fields["fields"].pop("denominationunitelegale")
    respx.get(URL).respond(200, json=body(fields))

    assert client.head_office("732829320").name == "Marie Durand"


@respx.mock
def test_an_unknown_number_is_none_and_unconfirmed_ongoing_update(client, source):
    respx.get(URL).respond(200, json={"nhits": 0, "parameters": {}, "records": []})

    assert client.head_office("123456782") is None
    outcome = source.check("123456782")
    assert (outcome.state, outcome.reason) == (State.UNCONFIRMED, Reason.ONGOING_DATABASE_UPDATE)


FAILURES = [
    pytest.param({"status_code": 503, "text": "down"}, ServiceUnavailable, id="5xx"),
    pytest.param({"status_code": 500, "json": {"error": "boom"}}, ServiceUnavailable, id="500"),
    pytest.param(
        {"status_code": 200, "text": "<html>maintenance</html>"}, UnexpectedResponse, id="html"
    ),
    pytest.param({"status_code": 200, "json": [1, 2]}, UnexpectedResponse, id="json-list"),
    pytest.param({"status_code": 200, "json": {"hits": 1}}, UnexpectedResponse, id="no-nhits"),
    pytest.param(
        {"status_code": 200, "json": {"nhits": 1, "records": [{"x": 1}]}},
        UnexpectedResponse,
        id="no-fields",
    ),
    pytest.param(
        {"status_code": 200, "json": {"nhits": 1, "records": [{"fields": {"siren": "732829320"}}]}},
        UnexpectedResponse,
        id="no-state",
    ),
]


@respx.mock
@pytest.mark.parametrize(("response", "error"), FAILURES)
def test_failures_are_typed_and_unconfirmed_unable_to_reach_api(client, source, response, error):
    respx.get(URL).mock(return_value=httpx.Response(**response))

    with pytest.raises(error) as caught:
        client.head_office("732829320")
    outcome = source.check("732829320")

    assert caught.value.retryable
    assert (outcome.state, outcome.reason) == (State.UNCONFIRMED, Reason.UNABLE_TO_REACH_API)
    assert outcome.note == caught.value.public_message
    assert outcome.note.startswith("the SIRENE register ")
    assert "http" not in outcome.note


@respx.mock
@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")], ids=["timeout", "refused"]
)
def test_network_failures_are_unconfirmed_unable_to_reach_api(source, exc):
    respx.get(URL).mock(side_effect=exc)

    outcome = source.check("732829320")

    assert (outcome.state, outcome.reason) == (State.UNCONFIRMED, Reason.UNABLE_TO_REACH_API)


@respx.mock
def test_a_timeout_is_a_typed_retryable_error(client):
    respx.get(URL).mock(side_effect=httpx.ReadTimeout("slow"))

    with pytest.raises(ServiceTimeout):
        client.head_office("732829320")


def test_the_base_url_and_timeout_come_from_settings(settings):
    settings.SIREN_API_URL = "http://register.example/"
    settings.EVALUATIONS_SIREN_TIMEOUT = 4.0

    with SireneClient() as c:
        assert c.base_url == "http://register.example"
        assert c.timeout.read == 4.0


# --- against the real simulator -------------------------------------------------------------


@pytest.fixture
def sim_source(simulators):
    return SireneSource(
        client_factory=lambda: SireneClient(base_url=simulators.url, timeout=2, connect_timeout=1)
    )


@pytest.mark.integration
class TestAgainstTheSimulator:
    def test_active(self, sim_source):
        outcome = sim_source.check("732829320")
        assert (outcome.state, outcome.company_name) == (State.FAVORABLE, "Boulangerie du Canal")

    def test_closed(self, sim_source):
        outcome = sim_source.check("404483737")
        assert (outcome.state, outcome.reason) == (State.UNFAVORABLE, Reason.COMPANY_CLOSED)

    def test_moved_head_office_is_judged_on_the_newest(self, sim_source):
        assert sim_source.check("301265088").state == State.FAVORABLE

    def test_a_closed_branch_does_not_close_the_company(self, sim_source):
        assert sim_source.check("552032534").state == State.FAVORABLE

    def test_unknown_number(self, sim_source, simulators):
        with SireneClient(base_url=simulators.url) as client:
            assert client.head_office("123456782") is None
        assert sim_source.check("123456782").reason == Reason.ONGOING_DATABASE_UPDATE

    def test_5xx(self, sim_source, simulators):
        simulators.configure("siren", error_rate=1)
        with SireneClient(base_url=simulators.url) as client, pytest.raises(ServiceUnavailable):
            client.head_office("732829320")
        assert sim_source.check("732829320").reason == Reason.UNABLE_TO_REACH_API

    def test_timeout(self, simulators):
        simulators.configure("siren", timeout_rate=1, hang_seconds=5)
        source = SireneSource(
            client_factory=lambda: SireneClient(base_url=simulators.url, timeout=0.3)
        )
        outcome = source.check("732829320")
        assert outcome.reason == Reason.UNABLE_TO_REACH_API
        assert outcome.note == "the SIRENE register did not answer within 0.3 seconds"

    def test_non_json(self, sim_source, simulators):
        simulators.configure("siren", maintenance_rate=1)
        with SireneClient(base_url=simulators.url) as client, pytest.raises(UnexpectedResponse):
            client.head_office("732829320")
        assert sim_source.check("732829320").reason == Reason.UNABLE_TO_REACH_API
