"""The one seam to the bank partner (contract in ../shared/DESIGN.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

from core.http import AiohttpTransport, AsyncHttpClient, RequestRejected, UnexpectedResponse

SERVICE = "bank"
ALREADY_USED = "the application ID is already used"
PAYLOAD_INVALID = "the request payload is not valid."


class BankJobStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    REJECTED = "rejected"


@dataclass(frozen=True)
class SubmitResult:
    #: False when the bank already had this id: a previous attempt arrived (retry after a
    #: timeout), which is a success too.
    created: bool


@dataclass(frozen=True)
class BankJob:
    job_id: uuid.UUID
    status: BankJobStatus


class BankPayloadRejected(RequestRejected):
    """The bank refuses the application's data for good (400 payload not valid)."""

    def describe(self) -> str:
        return "the bank refused the application's data as not valid (HTTP 400)"


class ApplicationUnknownAtBank(RequestRejected):
    """404: the bank has no application with this id."""

    def describe(self) -> str:
        return "the bank does not know this application (HTTP 404)"


def _error_message(client: AsyncHttpClient, response) -> str:
    body = client.parse_json(response)
    return str(body.get("error", ""))


def _bank_kwargs(timeout: float | None) -> dict:
    return {
        "base_url": settings.BANK_API_URL,
        "timeout": timeout if timeout is not None else settings.LOANS_BANK_TIMEOUT,
    }


def _submission(application_id: uuid.UUID, first_name: str, last_name: str) -> dict:
    return {"id": str(application_id), "first_name": first_name, "last_name": last_name}


def _submit_result(client: AsyncHttpClient, response, application_id: uuid.UUID) -> SubmitResult:
    """What the answer to POST /api/applications means: created, already there (a previous
    attempt arrived), or refused for good."""
    if response.status_code == 400:
        message = _error_message(client, response)
        if message == ALREADY_USED:
            return SubmitResult(created=False)
        raise BankPayloadRejected(
            SERVICE, f"refused the application: {message}", status_code=400, body=message
        )
    body = client.parse_json(response)
    if body.get("status") != "pending" or body.get("id") != str(application_id):
        raise UnexpectedResponse(SERVICE, "201 body not in the contract", body=response.text)
    return SubmitResult(created=True)


def _job_from(client: AsyncHttpClient, response, application_id: uuid.UUID) -> BankJob:
    body = client.parse_json(response)
    try:
        job = BankJob(job_id=uuid.UUID(str(body["id"])), status=BankJobStatus(body["status"]))
        returned_id = uuid.UUID(str(body["application_id"]))
    except (KeyError, ValueError) as exc:
        raise UnexpectedResponse(
            SERVICE, f"job body not in the contract: {exc!r}", body=response.text[:500]
        ) from None
    if returned_id != application_id:
        raise UnexpectedResponse(SERVICE, f"asked for {application_id}, got {returned_id}")
    return job


class AsyncBankClient(AsyncHttpClient):
    """Asynchronous: one client per batch sends many submissions, or polls many applications,
    concurrently (the submission and poll batches)."""

    service_name = SERVICE
    system_label = "the bank"

    def __init__(self, *, timeout: float | None = None, **kwargs) -> None:
        if "transport" not in kwargs and settings.LOANS_BANK_TRANSPORT == "aiohttp":
            kwargs["transport"] = AiohttpTransport()
        super().__init__(**{**_bank_kwargs(timeout), **kwargs})

    async def submit(
        self, *, application_id: uuid.UUID, first_name: str, last_name: str
    ) -> SubmitResult:
        response = await self.request(
            "POST",
            "/api/applications",
            accept=(400,),
            json=_submission(application_id, first_name, last_name),
        )
        return _submit_result(self, response, application_id)

    async def get_job(self, application_id: uuid.UUID) -> BankJob:
        response = await self.request(
            "GET", "/api/jobs", params={"application_id": str(application_id)}, accept=(404,)
        )
        if response.status_code == 404:
            raise ApplicationUnknownAtBank(
                SERVICE, _error_message(self, response), status_code=404, body=response.text
            )
        return _job_from(self, response, application_id)
