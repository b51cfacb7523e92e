"""The registry, archives and scoring simulators: their contracts and demo population."""

import httpx
import pytest

from simulators.registry import DEMO_PERSONS

pytestmark = pytest.mark.integration

ALICE = DEMO_PERSONS[0]


@pytest.fixture
def http(simulators):
    with httpx.Client(base_url=simulators.url, timeout=5) as client:
        yield client


def test_registry_answers_a_person_or_not_found(http):
    response = http.get(f"/api/registry/persons/{ALICE.national_id}")
    assert response.json() == {
        "national_id": "284057511604514",
        "first_name": "ALICE",
        "last_name": "MARTIN",
        "birth_date": "1984-05-12",
    }

    response = http.get("/api/registry/persons/2%2084%2005%2075%20116%20045%2014")
    assert response.json()["first_name"] == "ALICE", "spaces are ignored"

    response = http.get("/api/registry/persons/100000000000000")
    assert (response.status_code, response.json()) == (404, {"error": "person not found"})


def test_registry_control_adds_and_forgets_persons(http, simulators):
    person = {
        "national_id": "180017500000123",
        "first_name": "ZOE",
        "last_name": "ZED",
        "birth_date": "1980-01-01",
    }
    assert http.post("/_control/registry/persons", json=[person]).status_code == 201
    assert http.get("/api/registry/persons/180017500000123").json() == person
    assert http.post("/_control/registry/persons", json=[{"national_id": 1}]).status_code == 400
    assert http.delete("/_control/registry/persons/180017500000123").status_code == 200

    simulators.reset("registry")
    assert http.get("/api/registry/persons/180017500000123").status_code == 404


def test_every_demo_number_is_a_valid_nir():
    from stdnum.fr import nir

    assert all(nir.is_valid(person.national_id) for person in DEMO_PERSONS)


def test_archives_records_clean_and_unavailable(http):
    etienne = next(p for p in DEMO_PERSONS if p.first_name == "ETIENNE")
    julie = next(p for p in DEMO_PERSONS if p.first_name == "JULIE")

    records = http.get("/api/archives/records", params={"national_id": etienne.national_id})
    assert len(records.json()["records"]) == 2
    clean = http.get("/api/archives/records", params={"national_id": ALICE.national_id})
    assert clean.json() == {"national_id": ALICE.national_id, "records": []}
    down = http.get("/api/archives/records", params={"national_id": julie.national_id})
    assert (down.status_code, down.json()) == (503, {"error": "records temporarily unavailable"})
    missing = http.get("/api/archives/records")
    assert (missing.status_code, missing.json()) == (400, {"error": "national_id is missing"})


def test_scoring_is_seeded_random_except_demo_overrides(http, simulators):
    body = {"national_id": "180017500000123", "registry": {}, "archives": {}}

    simulators.configure("scoring", seed=7)
    first = [http.post("/api/scoring/scores", json=body).json()["score"] for _ in range(5)]
    simulators.configure("scoring", seed=7)
    again = [http.post("/api/scoring/scores", json=body).json()["score"] for _ in range(5)]

    assert first == again
    assert all(0 <= score <= 100 for score in first)
    alice = {**body, "national_id": ALICE.national_id}
    assert http.post("/api/scoring/scores", json=alice).json()["score"] == 85
    simulators.configure("scoring", score_range=42)
    assert http.post("/api/scoring/scores", json=body).json()["score"] == 42
    bad = http.post("/api/scoring/scores", json={"national_id": "x"})
    assert (bad.status_code, bad.json()) == (400, {"error": "the request payload is not valid."})


def test_the_usual_faults_apply(http, simulators):
    simulators.configure("registry", error_rate=1)

    response = http.get(f"/api/registry/persons/{ALICE.national_id}")

    assert (response.status_code, response.json()) == (503, {"error": "simulated failure"})
    assert simulators.stats("registry")["faults"]["errors"] == 1
