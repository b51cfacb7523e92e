"""The register simulators speak each register's contract: INSEE Sirene 3.11, VIES, HMRC
(shapes, headers, error bodies, 429, concurrency codes, maintenance, tokens)."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.harness.simulators import SimulatorsError
from tests.simulators.helpers import assert_json

pytestmark = pytest.mark.integration

INSEE = "/api-sirene/3.11"
KEY = {"X-INSEE-Api-Key-Integration": "k"}
VIES = "/taxation_customs/vies/rest-api"
HMRC_JSON = "application/vnd.hmrc.2.0+json"


@pytest.fixture
def http(simulators):
    with httpx.Client(base_url=simulators.url, timeout=5) as client:
        yield client


# --- INSEE ----------------------------------------------------------------------------------


def test_insee_a_legal_unit_has_the_sirene_shape(http):
    response = http.get(f"{INSEE}/siren/404483737", headers=KEY)

    assert response.status_code == 200
    body = response.json()
    assert body["header"] == {"statut": 200, "message": "OK"}
    unit = body["uniteLegale"]
    assert unit["siren"] == "404483737"
    current, older = unit["periodesUniteLegale"]
    assert (current["dateFin"], current["etatAdministratifUniteLegale"]) == (None, "C")
    assert (older["etatAdministratifUniteLegale"], current["denominationUniteLegale"]) == (
        "A",
        "Transports Vercors",
    )


def test_insee_unknown_is_404_and_a_missing_key_401(http):
    missing = http.get(f"{INSEE}/siren/123456782", headers=KEY)
    no_key = http.get(f"{INSEE}/siren/732829320")

    assert missing.status_code == 404
    assert missing.json()["header"]["statut"] == 404
    assert no_key.status_code == 401


def test_insee_the_multi_criteria_search_pages_with_a_cursor(http):
    q = "siren:732829320 OR siren:404483737 OR siren:123456782"
    first = http.post(f"{INSEE}/siren", data={"q": q, "nombre": "1", "curseur": "*"}, headers=KEY)
    header = first.json()["header"]
    second = http.post(
        f"{INSEE}/siren",
        data={"q": q, "nombre": "1", "curseur": header["curseurSuivant"]},
        headers=KEY,
    )

    assert (header["total"], header["nombre"]) == (2, 1)
    assert [u["siren"] for u in first.json()["unitesLegales"]] == ["732829320"]
    last = second.json()["header"]
    assert [u["siren"] for u in second.json()["unitesLegales"]] == ["404483737"]
    assert last["curseurSuivant"] == last["curseur"]
    nothing = http.get(f"{INSEE}/siren", params={"q": "siren:123456782"}, headers=KEY)
    assert nothing.status_code == 404


def test_insee_answers_429_beyond_its_rate_with_retry_after(http, simulators):
    simulators.configure("insee", per_minute=2)

    statuses = [http.get(f"{INSEE}/siren/732829320", headers=KEY).status_code for _ in range(3)]
    limited = http.get(f"{INSEE}/siren/732829320", headers=KEY)

    assert statuses == [200, 200, 429]
    assert int(limited.headers["Retry-After"]) >= 1
    log = simulators._call("GET", "/_control/insee/log")["calls"]
    assert (log["accepted"], log["rejected"], log["max_in_any_window"]) == (2, 2, 2)


def test_insee_maintenance_is_503_html_and_informations_says_down(http, simulators):
    up = http.get(f"{INSEE}/informations", headers=KEY).json()
    simulators.configure("insee", maintenance=True)
    down = http.get(f"{INSEE}/informations", headers=KEY).json()
    unit = http.get(f"{INSEE}/siren/732829320", headers=KEY)

    assert up["etatService"] == "UP"
    assert {s["etatCollection"] for s in up["etatsDesServices"]} == {"UP"}
    assert down["etatService"] == "DOWN"
    assert (unit.status_code, unit.headers["content-type"].split(";")[0]) == (503, "text/html")


# --- VIES -----------------------------------------------------------------------------------


def check(http, country, number):
    return http.post(f"{VIES}/check-vat-number", json={"countryCode": country, "vatNumber": number})


def test_vies_valid_invalid_and_withheld(http):
    valid = check(http, "IE", "6388047V").json()
    invalid = check(http, "LU", "26375245").json()
    withheld = check(http, "DE", "136695976").json()

    assert (valid["valid"], valid["name"]) == (True, "EXAMPLE SOFTWARE IRELAND LIMITED")
    assert {"countryCode", "vatNumber", "requestDate", "valid", "name", "address"} <= set(valid)
    assert invalid["valid"] is False
    assert (withheld["valid"], withheld["name"], withheld["address"]) == (True, "---", "---")


def test_vies_gb_and_bad_input_are_invalid_input(http):
    for response in (
        check(http, "GB", "727255821"),
        http.post(f"{VIES}/check-vat-number", content=b"x"),
    ):
        assert_json(
            response,
            400,
            {
                "actionSucceed": False,
                "errorWrappers": [{"error": "INVALID_INPUT", "message": None}],
            },
        )


def test_vies_an_unavailable_member_state_and_check_status(http, simulators):
    simulators.configure("vies", unavailable_countries="IE")

    response = check(http, "IE", "6388047V")
    status = http.get(f"{VIES}/check-status").json()

    assert response.json()["errorWrappers"][0]["error"] == "MS_UNAVAILABLE"
    availability = {c["countryCode"]: c["availability"] for c in status["countries"]}
    assert (availability["IE"], availability["FR"]) == ("Unavailable", "Available")
    assert "GB" not in availability


def test_vies_a_member_state_that_times_out_answers_timeout_and_stays_available(http, simulators):
    config = simulators.configure("vies", timeout_countries="ie, fr")

    response = check(http, "IE", "6388047V")
    other = check(http, "NL", "004495445B01")
    status = http.get(f"{VIES}/check-status").json()

    assert config["timeout_countries"] == ["FR", "IE"]
    assert_json(
        response,
        500,
        {"actionSucceed": False, "errorWrappers": [{"error": "TIMEOUT", "message": None}]},
    )
    assert other.json()["valid"] is True
    # The member state is not known to be down: check-status still says Available.
    assert {c["availability"] for c in status["countries"]} == {"Available"}
    assert simulators.stats("vies")["refused"] == {"TIMEOUT": 1}


def test_vies_an_outage_is_503_service_unavailable_and_check_status_says_all_down(http, simulators):
    simulators.configure("vies", outage=True)

    responses = [check(http, "IE", "6388047V"), check(http, "LU", "26375245")]
    status = http.get(f"{VIES}/check-status").json()

    for response in responses:
        assert_json(
            response,
            503,
            {
                "actionSucceed": False,
                "errorWrappers": [{"error": "SERVICE_UNAVAILABLE", "message": None}],
            },
        )
    assert status["vow"] == {"available": False}
    assert {c["availability"] for c in status["countries"]} == {"Unavailable"}
    assert len(status["countries"]) == 28
    assert simulators.stats("vies")["checks"] == 0

    simulators.configure("vies", outage=False)  # the window ends
    assert check(http, "IE", "6388047V").json()["valid"] is True
    assert http.get(f"{VIES}/check-status").json()["vow"] == {"available": True}


def test_vies_bad_control_values_are_refused(simulators):
    for fields in ({"timeout_countries": "IRL"}, {"outage": "sometimes"}):
        with pytest.raises(SimulatorsError, match="400"):
            simulators.configure("vies", **fields)
    assert simulators.config("vies")["outage"] is False


def test_vies_refuses_beyond_its_concurrency_with_the_codes(simulators):
    # Long enough that the five requests, sent together, are all in flight at once even on a
    # loaded machine (an answer before the last one arrives would free a slot).
    simulators.configure("vies", max_concurrent=2, max_concurrent_per_country=1, processing_ms=2000)
    codes: list[str] = []
    together = threading.Barrier(5)

    def one(country: str) -> None:
        with httpx.Client(base_url=simulators.url, timeout=10) as client:
            together.wait(timeout=10)
            body = check(client, country, "6388047V" if country == "IE" else "40303265045").json()
            codes.append("ok" if "valid" in body else body["errorWrappers"][0]["error"])

    threads = [threading.Thread(target=one, args=(c,)) for c in ("IE", "IE", "FR", "FR", "FR")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert codes.count("ok") == 2
    assert set(codes) - {"ok"} <= {"MS_MAX_CONCURRENT_REQ", "GLOBAL_MAX_CONCURRENT_REQ"}
    assert simulators.stats("vies")["max_in_flight"] == 2


# --- HMRC -----------------------------------------------------------------------------------


def token(http, **overrides):
    form = {
        "grant_type": "client_credentials",
        "client_id": "simulated-client",
        "client_secret": "simulated-secret",
        "scope": "read:vat",
        **overrides,
    }
    return http.post("/oauth/token", data=form)


def lookup(http, vrn, bearer, accept=HMRC_JSON):
    headers = {"Accept": accept, "Authorization": f"Bearer {bearer}"}
    return http.get(f"/organisations/vat/check-vat-number/lookup/{vrn}", headers=headers)


def test_hmrc_token_then_lookup(http):
    issued = token(http).json()
    found = lookup(http, "727255821", issued["access_token"])
    missing = lookup(http, "123456782", issued["access_token"])
    bad = lookup(http, "12", issued["access_token"])

    assert (issued["token_type"], issued["scope"], issued["expires_in"]) == (
        "bearer",
        "read:vat",
        14400,
    )
    assert found.status_code == 200
    assert found.json()["target"]["name"] == "DEMO WIDGETS LTD"
    assert set(found.json()["target"]["address"]) >= {"line1", "postcode", "countryCode"}
    assert_json(
        missing,
        404,
        {"code": "NOT_FOUND", "message": "targetVrn does not match a registered company"},
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "INVALID_REQUEST"


def test_hmrc_credentials_accept_header_and_expired_tokens(http, simulators):
    assert token(http, client_secret="wrong").status_code == 401
    assert token(http, scope="write:vat").status_code == 400
    bearer = token(http).json()["access_token"]
    assert lookup(http, "727255821", bearer, accept="application/json").status_code == 406
    simulators._call("POST", "/_control/hmrc/expire-tokens")
    expired = lookup(http, "727255821", bearer)
    assert (expired.status_code, expired.json()["code"]) == (401, "INVALID_CREDENTIALS")


def test_hmrc_throttles_beyond_its_rate(http, simulators):
    simulators.configure("hmrc", per_second=1)
    bearer = token(http).json()["access_token"]

    statuses = [lookup(http, "727255821", bearer).status_code for _ in range(3)]

    assert statuses[0] == 200
    assert 429 in statuses


def test_hmrc_a_maintenance_window_is_503_for_the_token_and_the_lookup(http, simulators):
    bearer = token(http).json()["access_token"]
    simulators.configure("hmrc", maintenance=True)

    refused_token = token(http)
    refused_lookup = lookup(http, "727255821", bearer)

    body = {
        "code": "SERVICE_UNAVAILABLE",
        "message": "The service is unavailable: planned maintenance",
    }
    assert_json(refused_token, 503, body)
    assert_json(refused_lookup, 503, body)
    stats = simulators.stats("hmrc")
    assert (stats["lookups"], stats["maintenance_refused"]) == (0, 2)

    simulators.configure("hmrc", maintenance=False)  # the window ends; the token still holds
    assert lookup(http, "727255821", bearer).status_code == 200
