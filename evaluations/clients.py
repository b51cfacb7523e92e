"""The seam to the SIREN register: Opendatasoft's records search on the SIRENE v3 dataset.

`GET /api/records/1.0/search/?dataset=economicref-france-sirene-v3&q=<siren>
&sort=datederniertraitementetablissement&refine.etablissementsiege=oui`

answers `{"nhits": n, "records": [{"fields": {"siren", "etatadministratifetablissement",
...}}]}`. Head offices only, the most recently processed first (a company that moved its head
office has an old, closed one too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from core.http import HttpClient, UnexpectedResponse

DATASET = "economicref-france-sirene-v3"
SEARCH_PATH = "/api/records/1.0/search/"
ACTIVE = "Actif"


@dataclass(frozen=True)
class SireneRecord:
    siren: str
    administrative_state: str
    name: str

    @property
    def active(self) -> bool:
        return self.administrative_state == ACTIVE


class SireneClient(HttpClient):
    service_name = "sirene"
    system_label = "the SIRENE register"

    def __init__(self, *, base_url: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("timeout", settings.EVALUATIONS_SIREN_TIMEOUT)
        super().__init__(base_url=base_url or settings.SIREN_API_URL, **kwargs)

    def head_office(self, siren: str) -> SireneRecord | None:
        """The most recently processed head office of `siren`; None when the register does
        not know the number. Raises `core.http` errors when it could not find out."""
        response = self.request(
            "GET",
            SEARCH_PATH,
            params={
                "dataset": DATASET,
                "q": siren,
                "sort": "datederniertraitementetablissement",
                "refine.etablissementsiege": "oui",
            },
        )
        body = self.parse_json(response, expect=dict)
        records = body.get("records")
        if not isinstance(body.get("nhits"), int) or not isinstance(records, list):
            raise self._unexpected(response, "no nhits/records")
        for record in records:
            fields = record.get("fields") if isinstance(record, dict) else None
            if not isinstance(fields, dict):
                raise self._unexpected(response, "a record without fields")
            # `q` is a full-text search: keep only this very number.
            if str(fields.get("siren", "")) != siren:
                continue
            state = fields.get("etatadministratifetablissement")
            if not isinstance(state, str):
                raise self._unexpected(response, "a record without etatadministratifetablissement")
            return SireneRecord(siren=siren, administrative_state=state, name=_name(fields))
        return None

    def _unexpected(self, response: httpx.Response, what: str) -> UnexpectedResponse:
        return UnexpectedResponse(
            self.service_name,
            f"answered {response.status_code} with {what}",
            status_code=response.status_code,
            body=response.text[:500],
        )


def _name(fields: dict[str, Any]) -> str:
    for key in ("denominationunitelegale", "l1_adressage_unitelegale"):
        if isinstance(fields.get(key), str) and fields[key].strip():
            return fields[key].strip()[:255]
    person = " ".join(
        str(fields[key]).strip()
        for key in ("prenom1unitelegale", "nomunitelegale")
        if isinstance(fields.get(key), str)
    )
    return person.strip()[:255]
