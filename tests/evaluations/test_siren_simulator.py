"""The SIREN register simulator serves Opendatasoft's records search shape."""

import httpx
import pytest

pytestmark = pytest.mark.integration

PATH = "/api/records/1.0/search/"
DATASET = "economicref-france-sirene-v3"


@pytest.fixture
def register(simulators):
    with httpx.Client(base_url=simulators.url, timeout=5) as client:
        yield client


def search(register, **params):
    response = register.get(PATH, params={"dataset": DATASET, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def test_a_known_number_answers_the_opendatasoft_shape(register):
    body = search(
        register,
        q="732829320",
        sort="datederniertraitementetablissement",
        **{"refine.etablissementsiege": "oui"},
    )

    assert body["nhits"] == 1
    assert body["parameters"]["refine"] == {"etablissementsiege": "oui"}
    (record,) = body["records"]
    assert set(record) == {"datasetid", "recordid", "fields", "record_timestamp"}
    assert record["fields"]["siren"] == "732829320"
    assert record["fields"]["etatadministratifetablissement"] == "Actif"


def test_an_unknown_number_has_no_hits(register):
    assert search(register, q="123456782") == {
        "nhits": 0,
        "parameters": {"dataset": DATASET, "rows": 10, "start": 0, "format": "json",
                       "timezone": "UTC", "q": "123456782"},
        "records": [],
    }  # fmt: skip


def test_sort_is_descending_by_default_and_ascending_with_a_minus(register):
    newest = search(register, q="301265088", sort="datederniertraitementetablissement")
    oldest = search(register, q="301265088", sort="-datederniertraitementetablissement")

    assert newest["records"][0]["fields"]["etatadministratifetablissement"] == "Actif"
    assert oldest["records"][0]["fields"]["etatadministratifetablissement"] == "Fermé"


def test_refine_keeps_head_offices(register):
    everything = search(register, q="552032534")
    head_offices = search(register, q="552032534", **{"refine.etablissementsiege": "oui"})

    assert (everything["nhits"], head_offices["nhits"]) == (2, 1)


def test_an_unknown_dataset_is_404(register):
    response = register.get(PATH, params={"dataset": "nope", "q": "1"})

    assert response.status_code == 404
    assert response.json()["error"] == "Unknown dataset: nope"


def test_tests_can_add_or_close_a_company(register, simulators):
    simulators._call(
        "PUT", "/_control/siren/companies/123456782", json={"name": "New", "state": "Fermé"}
    )

    record = search(register, q="123456782")["records"][0]["fields"]

    assert (record["denominationunitelegale"], record["etatadministratifetablissement"]) == (
        "New",
        "Fermé",
    )
    assert simulators.stats("siren")["searches"] == 1
