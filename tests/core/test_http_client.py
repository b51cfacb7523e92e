"""The base HTTP client: timeouts everywhere, typed errors that say whether to retry."""

import httpx
import pytest
import respx

from core.http import (
    AsyncHttpClient,
    ExternalServiceError,
    HttpClient,
    RequestRejected,
    ServiceTimeout,
    ServiceUnavailable,
    UnexpectedResponse,
    shared_ssl_context,
)

BASE = "http://partner.test"


class PartnerClient(HttpClient):
    service_name = "partner"


class AsyncPartnerClient(AsyncHttpClient):
    service_name = "partner"


@pytest.fixture
def client():
    with PartnerClient(base_url=BASE, timeout=2.5, connect_timeout=0.5) as c:
        yield c


def test_every_call_has_a_timeout(client):
    assert client.timeout.read == 2.5
    assert client.timeout.connect == 0.5
    assert client._client.timeout == client.timeout


def test_default_timeouts_come_from_settings(settings):
    settings.EXTERNAL_HTTP_TIMEOUT = 7.0
    settings.EXTERNAL_HTTP_CONNECT_TIMEOUT = 1.5

    with PartnerClient(base_url=BASE) as c:
        assert (c.timeout.read, c.timeout.connect) == (7.0, 1.5)


@respx.mock
def test_success_returns_the_response(client):
    respx.get(f"{BASE}/things/1").respond(200, json={"id": 1})

    response = client.request("GET", "/things/1")

    assert client.parse_json(response) == {"id": 1}


@respx.mock
@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_server_errors_are_retryable(client, status):
    respx.get(f"{BASE}/x").respond(status, text="oops")

    with pytest.raises(ServiceUnavailable) as caught:
        client.request("GET", "/x")

    assert caught.value.retryable is True
    assert caught.value.status_code == status
    assert caught.value.service == "partner"


@respx.mock
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_unexpected_client_errors_are_not_retryable(client, status):
    respx.post(f"{BASE}/x").respond(status, json={"error": "bad"})

    with pytest.raises(RequestRejected) as caught:
        client.request("POST", "/x", json={})

    assert caught.value.retryable is False
    assert caught.value.status_code == status
    assert '"error"' in caught.value.body


@respx.mock
def test_statuses_in_the_contract_are_returned_for_the_client_to_interpret(client):
    respx.get(f"{BASE}/x").respond(404, json={"error": "unknown"})

    response = client.request("GET", "/x", accept=(404,))

    assert response.status_code == 404


@respx.mock
def test_a_timeout_is_retryable(client):
    respx.get(f"{BASE}/slow").mock(side_effect=httpx.ReadTimeout("read timed out"))

    with pytest.raises(ServiceTimeout) as caught:
        client.request("GET", "/slow")

    assert caught.value.retryable is True


@respx.mock
def test_a_refused_connection_is_retryable(client):
    respx.get(f"{BASE}/x").mock(side_effect=httpx.ConnectError("connection refused"))

    with pytest.raises(ServiceUnavailable) as caught:
        client.request("GET", "/x")

    assert caught.value.retryable is True


@respx.mock
@pytest.mark.parametrize(
    ("body", "expect"), [("<html>proxy error</html>", dict), ('["a list"]', dict), ("{}", list)]
)
def test_a_body_that_is_not_the_expected_json_is_unexpected(client, body, expect):
    respx.get(f"{BASE}/x").respond(200, text=body)

    with pytest.raises(UnexpectedResponse) as caught:
        client.parse_json(client.request("GET", "/x"), expect=expect)

    assert caught.value.retryable is True


@pytest.mark.anyio
@respx.mock
async def test_async_client_maps_errors_the_same_way():
    respx.get(f"{BASE}/ok").respond(200, json={"ok": True})
    respx.get(f"{BASE}/down").respond(503)
    respx.get(f"{BASE}/slow").mock(side_effect=httpx.ReadTimeout("slow"))
    respx.get(f"{BASE}/bad").respond(400, json={"error": "bad"})

    async with AsyncPartnerClient(base_url=BASE, timeout=1) as client:
        assert client.parse_json(await client.request("GET", "/ok")) == {"ok": True}
        with pytest.raises(ServiceUnavailable):
            await client.request("GET", "/down")
        with pytest.raises(ServiceTimeout):
            await client.request("GET", "/slow")
        with pytest.raises(RequestRejected):
            await client.request("GET", "/bad")
        assert client._client.timeout.read == 1


def test_clients_share_one_ssl_context_per_process():
    # Building an SSL context costs ~20 ms of CPU; a client per task must not pay it.
    first = PartnerClient(base_url=BASE)
    second = AsyncPartnerClient(base_url=BASE)

    assert shared_ssl_context() is shared_ssl_context()
    assert first._client._transport._pool._ssl_context is shared_ssl_context()
    assert second._client._transport._pool._ssl_context is shared_ssl_context()
    first.close()


# --- what people read, what the log keeps ------------------------------------------------------


class LabelledClient(HttpClient):
    service_name = "labelled"
    system_label = "the partner register"


@respx.mock
@pytest.mark.parametrize(
    ("mock", "sentence"),
    [
        ({"status_code": 503, "text": "down"}, "the partner register did not answer (HTTP 503)"),
        ({"status_code": 500, "text": "oops"}, "the partner register did not answer (HTTP 500)"),
        (
            {"status_code": 429, "text": "slow"},
            "the partner register asked us to slow down (HTTP 429)",
        ),
        (
            {"status_code": 409, "json": {"id": "x"}},
            "the partner register refused the request (HTTP 409)",
        ),
        (
            {"side_effect": httpx.ConnectError("refused")},
            "the partner register could not be reached",
        ),
        (
            {"side_effect": httpx.ReadTimeout("slow")},
            "the partner register did not answer within 2.5 seconds",
        ),
        (
            {"side_effect": httpx.ConnectTimeout("slow")},
            "the partner register did not answer within 1 second",
        ),
        (
            {"status_code": 200, "text": "<html>"},
            "the partner register gave an answer we could not read",
        ),
    ],
)
def test_every_failure_has_a_sentence_without_url_host_or_exception(mock, sentence):
    side_effect = mock.pop("side_effect", None)
    route = respx.get(f"{BASE}/persons/185077512345678")
    route.mock(side_effect=side_effect) if side_effect else route.respond(**mock)

    with (
        LabelledClient(base_url=BASE, timeout=2.5, connect_timeout=1) as client,
        pytest.raises(ExternalServiceError) as caught,
    ):
        client.parse_json(client.request("GET", "/persons/185077512345678"))

    error = caught.value
    assert error.public_message == sentence
    # The technical detail stays on the error, for the log: the full URL with its data.
    assert f"{BASE}/persons/185077512345678" in error.message
    for leak in ("185077512345678", "partner.test", "http", "Error", "Timeout", "/persons"):
        assert leak not in error.public_message


def test_an_unlabelled_system_is_still_named_and_an_explicit_sentence_wins():
    assert ServiceUnavailable("ftp", "x", status_code=502).public_message == (
        "the ftp service did not answer (HTTP 502)"
    )
    assert (
        RequestRejected("labelled", "x", public_message="the register refused it").public_message
        == "the register refused it"
    )


def test_report_logs_the_detail_under_the_request_id_and_returns_the_sentence(caplog):
    from core.request_id import request_id_scope

    error = ServiceUnavailable(
        "labelled",
        f"GET {BASE}/persons/185077512345678 answered 503",
        status_code=503,
        body='{"error": "maintenance"}',
    )

    with request_id_scope("ref-0123456789"), caplog.at_level("WARNING", logger="core.http"):
        sentence = error.report(context="checking person 7")

    assert sentence == "the partner register did not answer (HTTP 503)"
    [record] = caplog.records
    assert record.request_id == "ref-0123456789"
    assert "checking person 7" in record.getMessage()
    assert f"{BASE}/persons/185077512345678 answered 503" in record.getMessage()
    assert "maintenance" in record.getMessage()
