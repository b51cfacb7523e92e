"""The one seam to each external system of the leads app (async, for `asyncio.gather`).

Each method returns a typed result for every answer in the contract, including the
business "no" (`None` for "no such person", a list of judicial records), and raises a
`core.http.ExternalServiceError` subclass for everything else: an answer we cannot use is
"could not find out", never a "no".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings

from core.http import AsyncHttpClient, UnexpectedResponse

PERSON_NOT_FOUND = "person not found"


class _LeadsClient(AsyncHttpClient):
    """A client whose base URL is the setting `setting` names. The SSL context is core's one
    per process (`core.http.shared_ssl_context`): building one costs more than a call."""

    setting: str

    def __init__(self, *, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(base_url=base_url or getattr(settings, self.setting), **kwargs)


@dataclass(frozen=True)
class RegistryPerson:
    national_id: str
    first_name: str
    last_name: str
    birth_date: date
    raw: dict[str, Any]


@dataclass(frozen=True)
class JudicialRecord:
    reference: str
    court: str
    date: str
    offence: str


def _require_str(client: AsyncHttpClient, data: dict, name: str, response: httpx.Response) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise UnexpectedResponse(
            client.service_name,
            f"answer has no string {name!r}",
            status_code=response.status_code,
            body=response.text[:500],
        )
    return value


class RegistryClient(_LeadsClient):
    """The national registry: `GET /api/registry/persons/{national_id}`."""

    service_name = "registry"
    system_label = "the national registry"
    setting = "REGISTRY_API_URL"

    async def find_person(self, national_id: str) -> RegistryPerson | None:
        """The person with this number, or None when the registry says nobody has it."""
        response = await self.request(
            "GET", f"/api/registry/persons/{quote(national_id, safe='')}", accept=(404,)
        )
        data = self.parse_json(response)
        if response.status_code == 404:
            # Only the contract's own 404 means "not found"; a proxy's 404 page is not an answer.
            if data.get("error") == PERSON_NOT_FOUND:
                return None
            raise UnexpectedResponse(
                self.service_name,
                "answered 404 without the 'person not found' body",
                status_code=404,
                body=response.text[:500],
            )
        raw_birth_date = _require_str(self, data, "birth_date", response)
        try:
            birth_date = date.fromisoformat(raw_birth_date)
        except ValueError:
            raise UnexpectedResponse(
                self.service_name, f"birth_date {raw_birth_date!r} is not a date"
            ) from None
        return RegistryPerson(
            national_id=_require_str(self, data, "national_id", response),
            first_name=_require_str(self, data, "first_name", response),
            last_name=_require_str(self, data, "last_name", response),
            birth_date=birth_date,
            raw=data,
        )


class ArchivesClient(_LeadsClient):
    """The judicial archives: `GET /api/archives/records?national_id=`."""

    service_name = "archives"
    system_label = "the judicial archives"
    setting = "ARCHIVES_API_URL"

    async def judicial_records(self, national_id: str) -> list[JudicialRecord]:
        """The person's judicial records; an empty list is a clean record."""
        response = await self.request(
            "GET", "/api/archives/records", params={"national_id": national_id}
        )
        data = self.parse_json(response)
        records = data.get("records")
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise UnexpectedResponse(
                self.service_name,
                "answer has no list of 'records'",
                status_code=response.status_code,
                body=response.text[:500],
            )
        return [
            JudicialRecord(
                reference=str(record.get("reference", "")),
                court=str(record.get("court", "")),
                date=str(record.get("date", "")),
                offence=str(record.get("offence", "")),
            )
            for record in records
        ]


class ScoringClient(_LeadsClient):
    """The prospect-qualification system: `POST /api/scoring/scores`."""

    service_name = "scoring"
    system_label = "the qualification scoring service"
    setting = "SCORING_API_URL"

    async def score(self, *, national_id: str, registry: dict, archives: dict) -> int:
        """A score from 0 to 100 computed from both checks' outputs."""
        response = await self.request(
            "POST",
            "/api/scoring/scores",
            json={"national_id": national_id, "registry": registry, "archives": archives},
        )
        data = self.parse_json(response)
        score = data.get("score")
        if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 100:
            raise UnexpectedResponse(
                self.service_name,
                f"score {score!r} is not an integer from 0 to 100",
                status_code=response.status_code,
                body=response.text[:500],
            )
        return score
