"""The national judicial archives: the judicial records of a person.

Contract (ours to design; see README.md):

- ``GET /api/archives/records?national_id=<id>`` -> 200 ``{"national_id", "records": [...]}``
  where each record is ``{"reference", "court", "date", "offence"}``; an empty list means a
  clean record (the archives know nobody else: a number they never saw has no records).
  400 ``{"error": "national_id is missing"}`` without the parameter.
- A number listed in ``unavailable`` answers 503 ``{"error": "records temporarily
  unavailable"}`` (a file being migrated): the demo's deterministic "could not find out".
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from simulators.core import Endpoint, System, error_response, json_response
from simulators.registry import DEMO_PERSONS, compact

NATIONAL_ID_MISSING = "national_id is missing"
RECORDS_UNAVAILABLE = "records temporarily unavailable"
INVALID_RECORDS = 'the body must be {"national_id": str, "records": [object, ...]}'

_BY_NAME = {person.first_name: person.national_id for person in DEMO_PERSONS}

DEMO_RECORDS: dict[str, list[dict[str, str]]] = {
    _BY_NAME["ETIENNE"]: [
        {
            "reference": "TJ-LIL-2015-00412",
            "court": "Tribunal judiciaire de Lille",
            "date": "2015-04-09",
            "offence": "fraud",
        },
        {
            "reference": "CA-DOU-2017-01877",
            "court": "Cour d'appel de Douai",
            "date": "2017-11-23",
            "offence": "breach of trust",
        },
    ],
}
DEMO_UNAVAILABLE: frozenset[str] = frozenset({_BY_NAME["JULIE"]})


class Archives(System):
    name = "archives"

    def reset_state(self) -> None:
        self.records: dict[str, list[dict[str, Any]]] = {
            national_id: list(records) for national_id, records in DEMO_RECORDS.items()
        }
        self.unavailable: set[str] = set(DEMO_UNAVAILABLE)
        self.searches = 0
        self.hits = 0

    def endpoints(self) -> list[Endpoint]:
        return [Endpoint("GET", "/api/archives/records", self.get_records)]

    def control_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_control/archives/records", self.list_records),
            web.post("/_control/archives/records", self.set_records),
        ]

    def extra_stats(self) -> dict[str, Any]:
        return {
            "persons_with_records": len(self.records),
            "searches": self.searches,
            "hits": self.hits,
        }

    # --- public API -------------------------------------------------------------------

    async def get_records(self, request: web.Request) -> web.Response:
        national_id = compact(request.query.get("national_id", ""))
        if not national_id:
            return error_response(NATIONAL_ID_MISSING)
        if national_id in self.unavailable:
            return error_response(RECORDS_UNAVAILABLE, status=503)
        self.searches += 1
        records = self.records.get(national_id, [])
        self.hits += bool(records)
        return json_response({"national_id": national_id, "records": records})

    # --- control API ------------------------------------------------------------------

    async def list_records(self, request: web.Request) -> web.Response:
        return json_response({"records": self.records, "unavailable": sorted(self.unavailable)})

    async def set_records(self, request: web.Request) -> web.Response:
        """Replace a person's records (``[]`` clears them); ``"unavailable": true`` makes the
        number answer 503 until reset or set again with ``false``."""
        try:
            payload = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            payload = None
        if not isinstance(payload, dict):
            return error_response(INVALID_RECORDS)
        national_id = payload.get("national_id")
        records = payload.get("records", [])
        if not (isinstance(national_id, str) and national_id.strip()) or not (
            isinstance(records, list) and all(isinstance(r, dict) for r in records)
        ):
            return error_response(INVALID_RECORDS)
        national_id = compact(national_id)
        if records:
            self.records[national_id] = records
        else:
            self.records.pop(national_id, None)
        if payload.get("unavailable") is True:
            self.unavailable.add(national_id)
        elif payload.get("unavailable") is False:
            self.unavailable.discard(national_id)
        return json_response(
            {
                "national_id": national_id,
                "records": records,
                "unavailable": national_id in self.unavailable,
            }
        )
