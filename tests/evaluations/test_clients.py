"""The register clients and sources against recorded shapes (respx): one test per row of the
mapping table in docs/evaluations.md (INSEE Sirene 3.11, VIES, HMRC), then the routing of
types and countries to sources."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from django.core.cache import cache

from core.http import RequestRejected, ServiceTimeout, ServiceUnavailable, UnexpectedResponse
from evaluations.clients import HmrcClient, InseeClient, ViesClient, ViesError, register_url
from evaluations.models import Reason, State
from evaluations.sources import (
    ByCountry,
    HmrcSource,
    InseeSource,
    RandomVatSource,
    ViesSource,
    build_source,
)
from evaluations.types import registry

INSEE = "http://insee.test/api-sirene/3.11"
VIES = "http://vies.test/taxation_customs/vies/rest-api"
HMRC = "http://hmrc.test"

OPENED = (State.FAVORABLE, Reason.COMPANY_OPENED)
CLOSED = (State.UNFAVORABLE, Reason.COMPANY_CLOSED)
UNREACHABLE = (State.UNCONFIRMED, Reason.UNABLE_TO_REACH_API)
UPDATING = (State.UNCONFIRMED, Reason.ONGOING_DATABASE_UPDATE)


@pytest.fixture(autouse=True)
def registers(settings):
    """No shared limiter (no database needed), quick backoff, the test URLs."""
    settings.EVALUATIONS_LIMITER = "off"
    settings.EVALUATIONS_REGISTER_BACKOFF = 0.001
    settings.EVALUATIONS_REGISTERS = {
        "insee": {"url": INSEE, "simulated_path": "", "key": "k-123", "per_minute": 30},
        "vies": {"url": VIES, "simulated_path": "", "concurrency": 2},
        "hmrc": {"url": HMRC, "simulated_path": "", "client_id": "id", "client_secret": "s"},
    }
    cache.clear()
    yield
    cache.clear()


def pair(outcome):
    return (outcome.state, outcome.reason)


# --- INSEE Sirene 3.11 ----------------------------------------------------------------------


def unit(siren="732829320", state="A", name="Boulangerie du Canal", **unit_fields):
    period = {
        "dateFin": None,
        "dateDebut": "2018-01-01",
        "etatAdministratifUniteLegale": state,
        "denominationUniteLegale": name or None,
        "nomUniteLegale": unit_fields.pop("nomUniteLegale", None),
        "nicSiegeUniteLegale": "00012",
    }
    older = {**period, "dateFin": "2018-01-01", "etatAdministratifUniteLegale": "A"}
    return {
        "siren": siren,
        "statutDiffusionUniteLegale": "O",
        "prenom1UniteLegale": None,
        "periodesUniteLegale": [period, older],
        **unit_fields,
    }


def one(u):
    return {"header": {"statut": 200, "message": "OK"}, "uniteLegale": u}


INFORMATIONS_UP = {
    "etatService": "UP",
    "etatsDesServices": [{"Collection": "Unités Légales", "etatCollection": "UP"}],
    "datesDernieresMisesAJourDesDonnees": [
        {"collection": "Unités Légales", "dateDerniereMiseADisposition": "2026-01-15T03:12:45"}
    ],
}
INFORMATIONS_DOWN = {
    "etatService": "UP",
    "etatsDesServices": [{"Collection": "Unités Légales", "etatCollection": "DOWN"}],
}


@respx.mock
def test_insee_the_request_is_the_documented_one():
    route = respx.get(f"{INSEE}/siren/732829320").respond(200, json=one(unit()))

    InseeSource().check("732829320")

    request = route.calls.last.request
    assert request.headers["X-INSEE-Api-Key-Integration"] == "k-123"
    assert request.headers["Accept"] == "application/json"


@respx.mock
def test_insee_active_is_favorable_company_opened_with_the_name():
    respx.get(f"{INSEE}/siren/732829320").respond(200, json=one(unit()))

    outcome = InseeSource().check("732829320")

    assert pair(outcome) == OPENED
    assert outcome.company_name == "Boulangerie du Canal"
    assert outcome.note == "INSEE Sirene: active (A) since 2018-01-01"


@respx.mock
def test_insee_ceased_is_unfavorable_company_closed_saying_what_insee_said():
    respx.get(f"{INSEE}/siren/404483737").respond(
        200, json=one(unit("404483737", "C", "Transports Vercors"))
    )

    outcome = InseeSource().check("404483737")

    assert pair(outcome) == CLOSED
    assert outcome.note == "INSEE Sirene: ceased (C) since 2018-01-01"


@respx.mock
def test_insee_a_sole_trader_is_named_after_the_person_and_nd_is_no_name():
    respx.get(f"{INSEE}/siren/512345679").respond(
        200,
        json=one(unit("512345679", name="", nomUniteLegale="Durand", prenom1UniteLegale="Marie")),
    )
    respx.get(f"{INSEE}/siren/130025265").respond(200, json=one(unit("130025265", name="[ND]")))

    assert InseeSource().check("512345679").company_name == "Marie Durand"
    assert InseeSource().check("130025265").company_name == ""


@respx.mock
@pytest.mark.parametrize("status", [404, 403])
def test_insee_not_found_or_not_public_is_unconfirmed_ongoing_database_update(status):
    respx.get(f"{INSEE}/siren/123456782").respond(
        status, json={"header": {"statut": status, "message": "Aucun élément trouvé"}}
    )

    outcome = InseeSource().check("123456782")

    assert pair(outcome) == UPDATING
    assert "not (yet) in the register" in outcome.note


@respx.mock
@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(503, text="<html>Service en maintenance</html>"),
        httpx.Response(500, json={"header": {"statut": 500}}),
    ],
    ids=["503-html", "500"],
)
def test_insee_a_failure_while_informations_is_not_up_is_ongoing_database_update(answer):
    respx.get(f"{INSEE}/siren/732829320").mock(return_value=answer)
    respx.get(f"{INSEE}/informations").respond(200, json=INFORMATIONS_DOWN)

    outcome = InseeSource().check("732829320")

    assert pair(outcome) == UPDATING
    assert outcome.note == "INSEE Sirene under maintenance (service UP, legal units DOWN)"


@respx.mock
def test_insee_a_5xx_while_informations_is_up_is_unable_to_reach_api():
    respx.get(f"{INSEE}/siren/732829320").respond(502, text="bad gateway")
    respx.get(f"{INSEE}/informations").respond(200, json=INFORMATIONS_UP)

    outcome = InseeSource().check("732829320")

    assert pair(outcome) == UNREACHABLE
    assert outcome.note == "the INSEE Sirene register did not answer (HTTP 502)"


@respx.mock
def test_insee_informations_unreachable_too_is_unable_to_reach_api():
    respx.get(f"{INSEE}/siren/732829320").respond(503)
    respx.get(f"{INSEE}/informations").mock(side_effect=httpx.ConnectError("refused"))

    assert pair(InseeSource().check("732829320")) == UNREACHABLE


@respx.mock
def test_insee_429_is_retried_with_backoff_then_answered():
    route = respx.get(f"{INSEE}/siren/732829320")
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "0"}, json={"header": {"statut": 429}}),
        httpx.Response(200, json=one(unit())),
    ]

    assert pair(InseeSource().check("732829320")) == OPENED
    assert route.call_count == 2


@respx.mock
def test_insee_429_that_lasts_is_unable_to_reach_api_without_asking_informations(settings):
    settings.EVALUATIONS_REGISTER_RETRIES = 2
    route = respx.get(f"{INSEE}/siren/732829320").respond(429, headers={"Retry-After": "0"})
    informations = respx.get(f"{INSEE}/informations").respond(200, json=INFORMATIONS_UP)

    outcome = InseeSource().check("732829320")

    assert pair(outcome) == UNREACHABLE
    assert outcome.note == "the INSEE Sirene register asked us to slow down (HTTP 429)"
    assert (route.call_count, informations.call_count) == (3, 0)


@respx.mock
@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json={"header": {}}),
        httpx.Response(200, json=one(unit(state="X"))),
        httpx.Response(401, json={"header": {"statut": 401}}),
    ],
    ids=["timeout", "refused", "html-200", "no-unit", "unknown-state", "401-bad-key"],
)
def test_insee_other_failures_are_unable_to_reach_api(failure):
    route = respx.get(f"{INSEE}/siren/732829320")
    if isinstance(failure, Exception):
        route.mock(side_effect=failure)
    else:
        route.mock(return_value=failure)
    respx.get(f"{INSEE}/informations").respond(200, json=INFORMATIONS_UP)

    outcome = InseeSource().check("732829320")

    assert pair(outcome) == UNREACHABLE
    assert outcome.note.startswith("the INSEE Sirene register ")
    assert "http" not in outcome.note


@respx.mock
def test_insee_many_numbers_use_the_multi_criteria_search_with_its_cursor():
    pages = [
        {
            "header": {"statut": 200, "total": 2, "curseur": "*", "curseurSuivant": "AoE"},
            "unitesLegales": [unit("732829320")],
        },
        {
            "header": {"statut": 200, "total": 2, "curseur": "AoE", "curseurSuivant": "AoE"},
            "unitesLegales": [unit("404483737", "C", "Transports Vercors")],
        },
    ]
    route = respx.post(f"{INSEE}/siren")
    route.side_effect = [httpx.Response(200, json=page) for page in pages]

    outcomes = InseeSource().check_many(["732829320", "404483737", "123456782"])

    assert {k: pair(v) for k, v in outcomes.items()} == {
        "732829320": OPENED,
        "404483737": CLOSED,
        "123456782": UPDATING,  # not returned by the search: not found
    }
    first, second = (parse_qs(call.request.content.decode()) for call in route.calls)
    assert first["q"] == ["siren:732829320 OR siren:404483737 OR siren:123456782"]
    assert (first["nombre"], first["curseur"], second["curseur"]) == (["1000"], ["*"], ["AoE"])


@respx.mock
def test_insee_a_search_that_finds_nothing_is_404_and_every_number_not_found():
    respx.post(f"{INSEE}/siren").respond(404, json={"header": {"statut": 404}})

    outcomes = InseeSource().check_many(["123456782", "900000019"])

    assert {pair(o) for o in outcomes.values()} == {UPDATING}


@respx.mock
def test_insee_a_failed_search_answers_the_failure_for_each_number():
    respx.post(f"{INSEE}/siren").respond(503)
    respx.get(f"{INSEE}/informations").respond(200, json=INFORMATIONS_UP)

    outcomes = InseeSource().check_many(["732829320", "404483737"])

    assert {pair(o) for o in outcomes.values()} == {UNREACHABLE}


@respx.mock
def test_insee_informations_is_read():
    respx.get(f"{INSEE}/informations").respond(200, json=INFORMATIONS_UP)

    with InseeClient() as client:
        status = client.status()

    assert status.up
    assert status.updated == {"Unités Légales": "2026-01-15T03:12:45"}


# --- VIES -----------------------------------------------------------------------------------


def vies_ok(valid=True, name="EXAMPLE LTD", address="1 MAIN ST\nDUBLIN 2", country="IE"):
    return {
        "countryCode": country,
        "vatNumber": "6388047V",
        "requestDate": "2026-05-01T10:00:00.000Z",
        "valid": valid,
        "requestIdentifier": "",
        "name": name,
        "address": address,
        "traderName": "---",
    }


def vies_error(code, status=500):
    return httpx.Response(
        status,
        json={"actionSucceed": False, "errorWrappers": [{"error": code, "message": None}]},
    )


STATUS_IE_DOWN = {
    "vow": {"available": True},
    "countries": [
        {"countryCode": "IE", "availability": "Unavailable"},
        {"countryCode": "FR", "availability": "Available"},
    ],
}
STATUS_ALL_UP = {
    "vow": {"available": True},
    "countries": [{"countryCode": "IE", "availability": "Available"}],
}


@respx.mock
def test_vies_the_request_is_the_documented_one():
    route = respx.post(f"{VIES}/check-vat-number").respond(200, json=vies_ok())

    ViesSource().check("IE6388047V")

    assert json.loads(route.calls.last.request.content) == {
        "countryCode": "IE",
        "vatNumber": "6388047V",
    }


@respx.mock
def test_vies_valid_is_favorable_with_name_and_address():
    respx.post(f"{VIES}/check-vat-number").respond(200, json=vies_ok())

    outcome = ViesSource().check("IE6388047V")

    assert pair(outcome) == OPENED
    assert (outcome.company_name, outcome.company_address) == ("EXAMPLE LTD", "1 MAIN ST, DUBLIN 2")
    assert outcome.note == "VIES: valid VAT number in IE (2026-05-01T10:00:00.000Z)"


@respx.mock
def test_vies_a_withheld_name_and_address_are_stored_empty():
    respx.post(f"{VIES}/check-vat-number").respond(200, json=vies_ok(name="---", address="---"))

    outcome = ViesSource().check("DE136695976")

    assert pair(outcome) == OPENED
    assert (outcome.company_name, outcome.company_address) == ("", "")


@respx.mock
def test_vies_not_valid_is_unfavorable_company_closed():
    respx.post(f"{VIES}/check-vat-number").respond(200, json=vies_ok(valid=False, name="---"))

    outcome = ViesSource().check("LU26375245")

    assert pair(outcome) == CLOSED
    assert outcome.note.startswith("VIES: not a valid VAT number in LU")


@respx.mock
@pytest.mark.parametrize("status", [200, 500])
def test_vies_ms_unavailable_is_ongoing_database_update(status):
    respx.post(f"{VIES}/check-vat-number").mock(return_value=vies_error("MS_UNAVAILABLE", status))

    outcome = ViesSource().check("IE6388047V")

    assert pair(outcome) == UPDATING
    assert outcome.note == "VIES: the IE register is unavailable"


@respx.mock
@pytest.mark.parametrize(
    "failure",
    [vies_error("SERVICE_UNAVAILABLE"), vies_error("TIMEOUT"), httpx.Response(503, text="down")],
    ids=["SERVICE_UNAVAILABLE", "TIMEOUT", "503"],
)
def test_vies_a_failure_while_check_status_says_the_country_is_down_is_ongoing_update(failure):
    respx.post(f"{VIES}/check-vat-number").mock(return_value=failure)
    respx.get(f"{VIES}/check-status").respond(200, json=STATUS_IE_DOWN)

    outcome = ViesSource().check("IE6388047V")

    assert pair(outcome) == UPDATING
    assert outcome.note == "VIES: the IE register is unavailable (check-status)"


@respx.mock
@pytest.mark.parametrize("code", ["SERVICE_UNAVAILABLE", "TIMEOUT"])
def test_vies_a_failure_while_the_country_is_available_is_unable_to_reach_api(code):
    respx.post(f"{VIES}/check-vat-number").mock(return_value=vies_error(code))
    respx.get(f"{VIES}/check-status").respond(200, json=STATUS_ALL_UP)

    outcome = ViesSource().check("IE6388047V")

    assert pair(outcome) == UNREACHABLE
    assert outcome.note == f"the EU VIES service could not check the number ({code})"


@respx.mock
@pytest.mark.parametrize("code", ["MS_MAX_CONCURRENT_REQ", "GLOBAL_MAX_CONCURRENT_REQ"])
def test_vies_the_concurrency_codes_are_retried_with_backoff(code):
    route = respx.post(f"{VIES}/check-vat-number")
    route.side_effect = [vies_error(code), vies_error(code), httpx.Response(200, json=vies_ok())]

    assert pair(ViesSource().check("IE6388047V")) == OPENED
    assert route.call_count == 3


@respx.mock
def test_vies_the_concurrency_codes_that_last_are_unable_to_reach_api(settings):
    settings.EVALUATIONS_REGISTER_RETRIES = 1
    route = respx.post(f"{VIES}/check-vat-number").mock(
        return_value=vies_error("GLOBAL_MAX_CONCURRENT_REQ")
    )

    outcome = ViesSource().check("IE6388047V")

    assert pair(outcome) == UNREACHABLE
    assert outcome.note == "the EU VIES service is busy (too many requests at once)"
    assert route.call_count == 2


@respx.mock
@pytest.mark.parametrize(
    "failure",
    [
        vies_error("INVALID_INPUT", 400),
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.Response(429, text="slow down"),
        httpx.Response(200, json={"countryCode": "IE"}),
    ],
    ids=["INVALID_INPUT", "timeout", "refused", "429", "no-valid-flag"],
)
def test_vies_other_failures_are_unable_to_reach_api(failure, settings):
    settings.EVALUATIONS_REGISTER_RETRIES = 0
    route = respx.post(f"{VIES}/check-vat-number")
    if isinstance(failure, Exception):
        route.mock(side_effect=failure)
    else:
        route.mock(return_value=failure)
    respx.get(f"{VIES}/check-status").respond(200, json=STATUS_ALL_UP)

    outcome = ViesSource().check("IE6388047V")

    assert pair(outcome) == UNREACHABLE
    assert "http" not in outcome.note


@respx.mock
def test_vies_errors_are_typed():
    respx.post(f"{VIES}/check-vat-number").mock(return_value=vies_error("MS_MAX_CONCURRENT_REQ"))

    with ViesClient() as client, pytest.raises(ViesError) as caught:
        client.check("IE", "6388047V")

    assert (caught.value.code, caught.value.busy, caught.value.retryable) == (
        "MS_MAX_CONCURRENT_REQ",
        True,
        True,
    )


# --- HMRC -----------------------------------------------------------------------------------

LOOKUP = f"{HMRC}/organisations/vat/check-vat-number/lookup/727255821"
TOKEN = {"access_token": "t-1", "scope": "read:vat", "expires_in": 14400, "token_type": "bearer"}
FOUND = {
    "target": {
        "name": "DEMO WIDGETS LTD",
        "vatNumber": "727255821",
        "address": {
            "line1": "1 HIGH STREET",
            "line2": "LONDON",
            "postcode": "SW1A 1AA",
            "countryCode": "GB",
        },
    },
    "processingDate": "2026-05-01T10:00:00+01:00",
}


@respx.mock
def test_hmrc_found_is_favorable_with_name_and_address_and_the_documented_request():
    token = respx.post(f"{HMRC}/oauth/token").respond(200, json=TOKEN)
    lookup = respx.get(LOOKUP).respond(200, json=FOUND)

    outcome = HmrcSource().check("GB727255821")

    assert pair(outcome) == OPENED
    assert outcome.company_name == "DEMO WIDGETS LTD"
    assert outcome.company_address == "1 HIGH STREET, LONDON, SW1A 1AA, GB"
    request = lookup.calls.last.request
    assert request.headers["Accept"] == "application/vnd.hmrc.2.0+json"
    assert request.headers["Authorization"] == "Bearer t-1"
    assert parse_qs(token.calls.last.request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": ["id"],
        "client_secret": ["s"],
        "scope": ["read:vat"],
    }


@respx.mock
def test_hmrc_the_token_is_cached_until_it_expires():
    token = respx.post(f"{HMRC}/oauth/token").respond(200, json=TOKEN)
    respx.get(LOOKUP).respond(200, json=FOUND)

    HmrcSource().check("GB727255821")
    HmrcSource().check("GB727255821")

    assert token.call_count == 1


@respx.mock
def test_hmrc_a_refused_token_is_fetched_again_once():
    token = respx.post(f"{HMRC}/oauth/token")
    token.side_effect = [
        httpx.Response(200, json=TOKEN),
        httpx.Response(200, json={**TOKEN, "access_token": "t-2"}),
    ]
    lookup = respx.get(LOOKUP)
    lookup.side_effect = [
        httpx.Response(401, json={"code": "INVALID_CREDENTIALS", "message": "x"}),
        httpx.Response(200, json=FOUND),
    ]

    assert pair(HmrcSource().check("GB727255821")) == OPENED
    assert lookup.calls.last.request.headers["Authorization"] == "Bearer t-2"


@respx.mock
def test_hmrc_not_found_is_unfavorable_company_closed():
    respx.post(f"{HMRC}/oauth/token").respond(200, json=TOKEN)
    respx.get(f"{HMRC}/organisations/vat/check-vat-number/lookup/123456782").respond(
        404, json={"code": "NOT_FOUND", "message": "targetVrn does not match a registered company"}
    )

    outcome = HmrcSource().check("GB123456782")

    assert pair(outcome) == CLOSED
    assert outcome.note == "HMRC: no VAT registration for this number (NOT_FOUND)"


@respx.mock
@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(400, json={"code": "INVALID_REQUEST", "message": "Invalid targetVrn"}),
        httpx.Response(401, json={"code": "INVALID_CREDENTIALS", "message": "x"}),
        httpx.Response(404, json={"code": "MATCHING_RESOURCE_NOT_FOUND", "message": "x"}),
        httpx.Response(429, json={"code": "MESSAGE_THROTTLED_OUT", "message": "x"}),
        httpx.Response(503, text="down"),
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.Response(200, json={"processingDate": "x"}),
    ],
    ids=["400", "401-twice", "404-other", "429", "503", "timeout", "refused", "no-target"],
)
def test_hmrc_failures_are_unable_to_reach_api(failure, settings):
    settings.EVALUATIONS_REGISTER_RETRIES = 1
    respx.post(f"{HMRC}/oauth/token").respond(200, json=TOKEN)
    route = respx.get(LOOKUP)
    if isinstance(failure, Exception):
        route.mock(side_effect=failure)
    else:
        route.mock(return_value=failure)

    outcome = HmrcSource().check("GB727255821")

    assert pair(outcome) == UNREACHABLE
    assert outcome.note.startswith("HMRC's VAT number check ")


@respx.mock
def test_hmrc_a_token_endpoint_that_refuses_is_unable_to_reach_api():
    respx.post(f"{HMRC}/oauth/token").respond(401, json={"error": "invalid_client"})

    assert pair(HmrcSource().check("GB727255821")) == UNREACHABLE


# --- errors, settings, routing ----------------------------------------------------------------


@respx.mock
def test_clients_raise_typed_errors():
    respx.get(f"{INSEE}/siren/732829320").mock(side_effect=httpx.ReadTimeout("slow"))
    respx.get(f"{INSEE}/siren/404483737").respond(200, text="<html/>")
    respx.post(f"{VIES}/check-vat-number").respond(502)
    respx.post(f"{HMRC}/oauth/token").respond(200, json=TOKEN)
    respx.get(LOOKUP).respond(400, json={"code": "INVALID_REQUEST", "message": "x"})

    with InseeClient() as insee, ViesClient() as vies, HmrcClient() as hmrc:
        with pytest.raises(ServiceTimeout):
            insee.legal_unit("732829320")
        with pytest.raises(UnexpectedResponse):
            insee.legal_unit("404483737")
        with pytest.raises(ServiceUnavailable):
            vies.check("IE", "6388047V")
        with pytest.raises(RequestRejected):
            hmrc.lookup("727255821")


def test_base_urls_come_from_settings_or_the_simulators(settings):
    settings.SIMULATORS_URL = "http://sim.local:8100/"
    settings.EVALUATIONS_REGISTERS = {
        "insee": {"url": "", "simulated_path": "/api-sirene/3.11", "key": "k"},
        "vies": {
            "url": "https://ec.europa.eu/taxation_customs/vies/rest-api",
            "simulated_path": "/x",
        },
        "hmrc": {"url": "", "simulated_path": "", "client_id": "i", "client_secret": "s"},
    }
    settings.EVALUATIONS_REGISTER_TIMEOUT = 4.0

    assert register_url("insee") == "http://sim.local:8100/api-sirene/3.11"
    assert register_url("vies") == "https://ec.europa.eu/taxation_customs/vies/rest-api"
    assert register_url("hmrc") == "http://sim.local:8100"
    with InseeClient() as client:
        assert client.timeout.read == 4.0


@pytest.fixture
def fresh_types():
    for t in registry:
        t.reset_source()
    yield
    for t in registry:
        t.reset_source()


def test_the_type_registry_picks_insee_for_siren_and_vies_or_hmrc_by_country(fresh_types):
    siren, vat = registry.get("SIREN").source(), registry.get("VAT").source()

    assert isinstance(siren, InseeSource)
    assert isinstance(vat, ByCountry)
    assert isinstance(vat.source_for("GB727255821"), HmrcSource)
    assert isinstance(vat.source_for("IE6388047V"), ViesSource)
    assert isinstance(vat.source_for("XI727255821"), ViesSource)  # Northern Ireland: VIES


def test_the_random_vat_fake_stays_a_named_source(settings, fresh_types):
    settings.EVALUATIONS_VAT_SOURCE = "random"
    settings.EVALUATIONS_VAT_GB_SOURCE = "random"
    settings.EVALUATIONS_VAT_FAKE_SEED = 7

    vat = registry.get("VAT").source()

    assert isinstance(vat.source_for("IE6388047V"), RandomVatSource)
    assert isinstance(vat.source_for("GB727255821"), RandomVatSource)
    with pytest.raises(ValueError, match="unknown evaluation source 'nope'"):
        build_source("nope")
