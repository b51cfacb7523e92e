"""The batches' async bank client over aiohttp (`core.http.AiohttpTransport`), against the bank
simulator over a real socket: the same answers and the same typed errors as httpx's own
transport."""

from __future__ import annotations

import asyncio
import socket
import uuid

import pytest

from core.http import AiohttpTransport, ServiceTimeout, ServiceUnavailable
from loans.clients import ApplicationUnknownAtBank, AsyncBankClient, BankJobStatus

pytestmark = pytest.mark.integration


@pytest.fixture
def bank(simulators, settings):
    settings.BANK_API_URL = simulators.url
    settings.LOANS_BANK_TRANSPORT = "aiohttp"
    return simulators


def run(coroutine):
    return asyncio.run(coroutine)


def test_the_client_sends_through_aiohttp_by_default(bank):
    client = AsyncBankClient()
    assert isinstance(client._client._transport, AiohttpTransport)
    run(client.aclose())


def test_submit_then_read_the_job_then_already_used(bank):
    application_id = uuid.uuid4()

    async def scenario():
        async with AsyncBankClient() as client:
            created = await client.submit(
                application_id=application_id, first_name="Ada", last_name="Lovelace"
            )
            job = await client.get_job(application_id)
            again = await client.submit(
                application_id=application_id, first_name="Ada", last_name="Lovelace"
            )
            return created, job, again

    created, job, again = run(scenario())

    assert created.created is True
    assert job.status == BankJobStatus.PENDING
    assert again.created is False
    assert bank.stats("bank")["applications_created"] == 1


def test_many_concurrent_calls_share_one_session(bank):
    ids = [uuid.uuid4() for _ in range(40)]

    async def scenario():
        async with AsyncBankClient() as client:
            return await asyncio.gather(
                *(client.submit(application_id=i, first_name="A", last_name="B") for i in ids)
            )

    assert all(result.created for result in run(scenario()))
    assert {row["id"] for row in bank.applications()} == {str(i) for i in ids}


def test_unknown_application_is_a_404_error(bank):
    async def scenario():
        async with AsyncBankClient() as client:
            await client.get_job(uuid.uuid4())

    with pytest.raises(ApplicationUnknownAtBank):
        run(scenario())


def test_a_bank_that_does_not_answer_in_time_is_a_timeout(bank):
    bank.configure("bank", timeout_rate=1, hang_seconds=3)

    async def scenario():
        async with AsyncBankClient(timeout=0.5) as client:
            await client.get_job(uuid.uuid4())

    with pytest.raises(ServiceTimeout) as caught:
        run(scenario())
    assert caught.value.retryable


def test_a_5xx_is_retryable(bank):
    bank.configure("bank", error_rate=1)

    async def scenario():
        async with AsyncBankClient() as client:
            await client.get_job(uuid.uuid4())

    with pytest.raises(ServiceUnavailable) as caught:
        run(scenario())
    assert caught.value.retryable


def test_a_refused_connection_is_unavailable(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.BANK_API_URL = f"http://127.0.0.1:{port}"
    settings.LOANS_BANK_TRANSPORT = "aiohttp"

    async def scenario():
        async with AsyncBankClient() as client:
            await client.get_job(uuid.uuid4())

    with pytest.raises(ServiceUnavailable) as caught:
        run(scenario())
    assert caught.value.retryable
