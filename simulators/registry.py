"""The national registry: answers who a person is, by national identification number.

Contract (ours to design; see README.md):

- ``GET /api/registry/persons/{national_id}`` -> 200
  ``{"national_id", "first_name", "last_name", "birth_date": "YYYY-MM-DD"}``;
  404 ``{"error": "person not found"}`` when nobody has that number. Spaces in the number
  are ignored.

The demo population (:data:`DEMO_PERSONS`) covers every case the leads app meets: a
match, a first name, last name or birth date that differs from the lead's, and numbers
nobody has. The demo numbers are valid French NIRs (key = 97 - number mod 97).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from simulators.core import Endpoint, System, error_response, json_response

PERSON_NOT_FOUND = "person not found"
INVALID_PERSON = "a person needs national_id, first_name, last_name and birth_date strings"


def nir(sex: int, birth: str, place: str, order: str) -> str:
    """A valid French NIR for a birth date ``YYYY-MM-DD``, a 5-digit place and 3-digit order."""
    body = f"{sex}{birth[2:4]}{birth[5:7]}{place}{order}"
    return f"{body}{97 - int(body) % 97:02d}"


@dataclass(frozen=True)
class Person:
    national_id: str
    first_name: str
    last_name: str
    birth_date: str


# The registry's spelling: upper case without accents, as registries often store names.
DEMO_PERSONS: tuple[Person, ...] = (
    Person(nir(2, "1984-05-12", "75116", "045"), "ALICE", "MARTIN", "1984-05-12"),
    Person(nir(1, "1979-11-03", "69123", "210"), "BRUNO", "PETIT", "1979-11-03"),
    Person(nir(2, "1991-07-21", "33063", "118"), "CAMILLE", "DURAND", "1991-07-21"),
    Person(nir(1, "1986-01-30", "13055", "077"), "DENIS", "MOREAU", "1986-01-30"),
    Person(nir(1, "1990-02-14", "59350", "301"), "ETIENNE", "LEFEBVRE", "1990-02-14"),
    Person(nir(2, "1975-09-09", "31555", "012"), "FANNY", "GARNIER", "1975-09-09"),
    Person(nir(1, "1982-03-17", "67482", "099"), "GILLES", "ROUX", "1982-03-17"),
    Person(nir(2, "1993-12-01", "44109", "256"), "HELENE", "FOURNIER", "1993-12-01"),
    Person(nir(1, "1969-06-25", "06088", "140"), "IVAN", "BONNET", "1969-06-25"),
    Person(nir(2, "1988-10-05", "35238", "033"), "JULIE", "LAMBERT", "1988-10-05"),
)


def compact(national_id: str) -> str:
    return "".join(national_id.split())


def parse_person(raw: object) -> Person | None:
    if not isinstance(raw, dict):
        return None
    values = {
        name: raw.get(name) for name in ("national_id", "first_name", "last_name", "birth_date")
    }
    if not all(isinstance(value, str) and value.strip() for value in values.values()):
        return None
    values["national_id"] = compact(values["national_id"])
    return Person(**values)


class Registry(System):
    name = "registry"

    def reset_state(self) -> None:
        self.persons: dict[str, Person] = {person.national_id: person for person in DEMO_PERSONS}
        self.lookups = 0
        self.not_found = 0

    def endpoints(self) -> list[Endpoint]:
        return [Endpoint("GET", "/api/registry/persons/{national_id}", self.get_person)]

    def control_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_control/registry/persons", self.list_persons),
            web.post("/_control/registry/persons", self.add_persons),
            web.delete("/_control/registry/persons/{national_id}", self.forget_person),
        ]

    def extra_stats(self) -> dict[str, Any]:
        return {"persons": len(self.persons), "lookups": self.lookups, "not_found": self.not_found}

    # --- public API -------------------------------------------------------------------

    async def get_person(self, request: web.Request) -> web.Response:
        self.lookups += 1
        person = self.persons.get(compact(request.match_info["national_id"]))
        if person is None:
            self.not_found += 1
            return error_response(PERSON_NOT_FOUND, status=404)
        return json_response(asdict(person))

    # --- control API ------------------------------------------------------------------

    async def list_persons(self, request: web.Request) -> web.Response:
        return json_response([asdict(person) for person in self.persons.values()])

    async def add_persons(self, request: web.Request) -> web.Response:
        """Add or replace one person (an object) or many (a list), all-or-nothing."""
        try:
            payload = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            payload = None
        items = payload if isinstance(payload, list) else [payload]
        persons = [parse_person(item) for item in items]
        if not items or any(person is None for person in persons):
            return error_response(INVALID_PERSON)
        for person in persons:
            self.persons[person.national_id] = person  # type: ignore[union-attr]
        return json_response({"added": len(persons), "persons": len(self.persons)}, status=201)

    async def forget_person(self, request: web.Request) -> web.Response:
        national_id = compact(request.match_info["national_id"])
        if self.persons.pop(national_id, None) is None:
            return error_response(PERSON_NOT_FOUND, status=404)
        return json_response({"deleted": national_id})
