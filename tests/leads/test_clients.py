"""The three clients against recorded shapes of the systems' answers (respx)."""

import datetime

import httpx
import pytest
import respx

from core.http import RequestRejected, ServiceTimeout, ServiceUnavailable, UnexpectedResponse
from leads.clients import ArchivesClient, JudicialRecord, RegistryClient, ScoringClient

BASE = "http://systems.test"
NIR = "284057511604566"
PERSON = {
    "national_id": NIR,
    "first_name": "ALICE",
    "last_name": "MARTIN",
    "birth_date": "1984-05-12",
}

pytestmark = pytest.mark.anyio


@pytest.fixture
async def registry():
    async with RegistryClient(base_url=BASE, timeout=2) as client:
        yield client


@pytest.fixture
async def archives():
    async with ArchivesClient(base_url=BASE, timeout=2) as client:
        yield client


@pytest.fixture
async def scoring():
    async with ScoringClient(base_url=BASE, timeout=2) as client:
        yield client


@respx.mock
async def test_registry_finds_a_person(registry):
    respx.get(f"{BASE}/api/registry/persons/{NIR}").respond(200, json=PERSON)

    person = await registry.find_person(NIR)

    assert (person.first_name, person.last_name) == ("ALICE", "MARTIN")
    assert person.birth_date == datetime.date(1984, 5, 12)
    assert person.raw == PERSON


@respx.mock
async def test_registry_not_found_is_an_answer(registry):
    respx.get(f"{BASE}/api/registry/persons/{NIR}").respond(404, json={"error": "person not found"})

    assert await registry.find_person(NIR) is None


@respx.mock
async def test_a_404_outside_the_contract_is_not_a_not_found(registry):
    respx.get(f"{BASE}/api/registry/persons/{NIR}").respond(404, json={"detail": "no route"})

    with pytest.raises(UnexpectedResponse) as caught:
        await registry.find_person(NIR)
    assert caught.value.retryable


@respx.mock
@pytest.mark.parametrize(
    "body",
    [{**PERSON, "birth_date": "12/05/1984"}, {k: v for k, v in PERSON.items() if k != "last_name"}],
)
async def test_registry_answers_we_cannot_use_are_unexpected(registry, body):
    respx.get(f"{BASE}/api/registry/persons/{NIR}").respond(200, json=body)

    with pytest.raises(UnexpectedResponse):
        await registry.find_person(NIR)


@respx.mock
async def test_registry_outage_and_timeout_are_retryable(registry):
    route = respx.get(f"{BASE}/api/registry/persons/{NIR}")
    route.respond(503, json={"error": "simulated failure"})
    with pytest.raises(ServiceUnavailable):
        await registry.find_person(NIR)

    route.mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ServiceTimeout):
        await registry.find_person(NIR)


@respx.mock
async def test_archives_records(archives):
    record = {"reference": "TJ-1", "court": "TJ Lille", "date": "2015-04-09", "offence": "fraud"}
    route = respx.get(f"{BASE}/api/archives/records", params={"national_id": NIR})
    route.respond(200, json={"national_id": NIR, "records": [record]})

    assert await archives.judicial_records(NIR) == [JudicialRecord(**record)]

    route.respond(200, json={"national_id": NIR, "records": []})
    assert await archives.judicial_records(NIR) == []


@respx.mock
@pytest.mark.parametrize("body", [{"national_id": NIR}, {"records": "none"}, {"records": [1]}])
async def test_archives_without_a_record_list_is_unexpected(archives, body):
    respx.get(f"{BASE}/api/archives/records").respond(200, json=body)

    with pytest.raises(UnexpectedResponse):
        await archives.judicial_records(NIR)


@respx.mock
async def test_archives_unexpected_400_is_not_retryable(archives):
    respx.get(f"{BASE}/api/archives/records").respond(400, json={"error": "national_id is missing"})

    with pytest.raises(RequestRejected):
        await archives.judicial_records(NIR)


@respx.mock
async def test_scoring_sends_both_outputs(scoring):
    route = respx.post(f"{BASE}/api/scoring/scores").respond(
        200, json={"national_id": NIR, "score": 72}
    )

    score = await scoring.score(national_id=NIR, registry={"found": True}, archives={"records": []})

    assert score == 72
    assert route.calls.last.request.read() == (
        b'{"national_id":"284057511604566","registry":{"found":true},"archives":{"records":[]}}'
    )


@respx.mock
@pytest.mark.parametrize("score", [101, -1, "72", None, True, 7.5])
async def test_scoring_outside_0_100_is_unexpected(scoring, score):
    respx.post(f"{BASE}/api/scoring/scores").respond(200, json={"score": score})

    with pytest.raises(UnexpectedResponse):
        await scoring.score(national_id=NIR, registry={}, archives={})


async def test_base_urls_and_timeouts_come_from_settings(settings):
    settings.REGISTRY_API_URL = "http://registry.test/"
    settings.EXTERNAL_HTTP_TIMEOUT = 4.0

    async with RegistryClient() as client:
        assert client.base_url == "http://registry.test"
        assert client.timeout.read == 4.0
