"""The bank client (the submission and poll batches' one) against recorded shapes of the
contract (respx)."""

import uuid

import httpx
import pytest
import respx

from core.http import RequestRejected, ServiceTimeout, ServiceUnavailable, UnexpectedResponse
from loans.clients import (
    ApplicationUnknownAtBank,
    AsyncBankClient,
    BankJobStatus,
    BankPayloadRejected,
)
from tests.loans.conftest import BANK

APP_ID = uuid.UUID("3fa85f64-5717-4562-b3fc-2c963f66afa6")
JOB_ID = uuid.UUID("11111111-2222-4333-8444-555555555555")


async def submit():
    async with AsyncBankClient() as bank:
        return await bank.submit(application_id=APP_ID, first_name="Ada", last_name="Lovelace")


@pytest.mark.anyio
@respx.mock
async def test_submit_created():
    route = respx.post(f"{BANK}/api/applications").respond(
        201,
        json={
            "id": str(APP_ID),
            "first_name": "Ada",
            "last_name": "Lovelace",
            "status": "pending",
        },
    )

    assert (await submit()).created is True
    assert route.calls.last.request.read() == (
        b'{"id":"3fa85f64-5717-4562-b3fc-2c963f66afa6","first_name":"Ada","last_name":"Lovelace"}'
    )


@pytest.mark.anyio
@respx.mock
async def test_submit_already_used_means_the_bank_has_it():
    respx.post(f"{BANK}/api/applications").respond(
        400, json={"error": "the application ID is already used"}
    )

    assert (await submit()).created is False


@pytest.mark.anyio
@respx.mock
async def test_submit_invalid_payload_is_permanent():
    respx.post(f"{BANK}/api/applications").respond(
        400, json={"error": "the request payload is not valid."}
    )

    with pytest.raises(BankPayloadRejected) as caught:
        await submit()
    assert caught.value.retryable is False
    assert caught.value.body == "the request payload is not valid."


@pytest.mark.anyio
@respx.mock
@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(503, json={"error": "simulated failure"}), ServiceUnavailable),
        (httpx.Response(201, json={"status": "weird"}), UnexpectedResponse),
        (httpx.Response(201, text="<html>"), UnexpectedResponse),
    ],
)
async def test_submit_transient_problems_are_retryable(response, error):
    respx.post(f"{BANK}/api/applications").mock(return_value=response)

    with pytest.raises(error) as caught:
        await submit()
    assert caught.value.retryable is True


@pytest.mark.anyio
@respx.mock
async def test_submit_timeout_is_retryable():
    respx.post(f"{BANK}/api/applications").mock(side_effect=httpx.ReadTimeout("slow"))

    with pytest.raises(ServiceTimeout):
        await submit()


@pytest.mark.anyio
@respx.mock
@pytest.mark.parametrize("status", ["pending", "completed", "rejected"])
async def test_get_job_reads_every_status(status):
    respx.get(f"{BANK}/api/jobs", params={"application_id": str(APP_ID)}).respond(
        200, json={"id": str(JOB_ID), "application_id": str(APP_ID), "status": status}
    )

    async with AsyncBankClient() as bank:
        job = await bank.get_job(APP_ID)

    assert job.status == BankJobStatus(status)
    assert job.job_id == JOB_ID


@pytest.mark.anyio
@respx.mock
async def test_get_job_404_says_the_bank_does_not_know_it():
    respx.get(f"{BANK}/api/jobs").respond(
        404, json={"error": "failed to get job, the application_id doesn't exist."}
    )

    async with AsyncBankClient() as bank:
        with pytest.raises(ApplicationUnknownAtBank) as caught:
            await bank.get_job(APP_ID)
    assert caught.value.retryable is False


@pytest.mark.anyio
@respx.mock
@pytest.mark.parametrize(
    "body",
    [
        {"id": str(JOB_ID), "application_id": str(APP_ID), "status": "maybe"},
        {"id": str(JOB_ID), "application_id": str(uuid.uuid4()), "status": "pending"},
        {"id": "not-a-uuid", "application_id": str(APP_ID), "status": "pending"},
        {"status": "pending"},
    ],
)
async def test_get_job_body_outside_the_contract_is_unexpected(body):
    respx.get(f"{BANK}/api/jobs").respond(200, json=body)

    async with AsyncBankClient() as bank:
        with pytest.raises(UnexpectedResponse):
            await bank.get_job(APP_ID)


@pytest.mark.anyio
@respx.mock
async def test_get_job_400_is_a_bug_on_our_side_not_retryable():
    respx.get(f"{BANK}/api/jobs").respond(400, json={"error": "application_id is missing"})

    async with AsyncBankClient() as bank:
        with pytest.raises(RequestRejected) as caught:
            await bank.get_job(APP_ID)
    assert caught.value.retryable is False
