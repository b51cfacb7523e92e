"""INSEE API Sirene 3.11: legal units (unités légales) by SIREN.

Contract (the shapes of the real API, base `/api-sirene/3.11`):

- every call needs the header ``X-INSEE-Api-Key-Integration`` (missing: 401
  ``{"header": {"statut": 401, "message": ...}}``);
- ``GET /siren/{siren}`` -> 200 ``{"header": {"statut": 200, "message": "OK"},
  "uniteLegale": {"siren", "statutDiffusionUniteLegale", "prenom1UniteLegale", ...,
  "periodesUniteLegale": [{"dateFin": null, "dateDebut", "etatAdministratifUniteLegale":
  "A" | "C", "denominationUniteLegale", "nomUniteLegale", ...}, ...older periods]}}``;
  404 ``{"header": {"statut": 404, "message": "Aucun élément trouvé pour le siren ..."}}``;
  a malformed number 400;
- ``GET|POST /siren?q=siren:A OR siren:B&nombre=N&curseur=*`` (POST: the same as a form) ->
  ``{"header": {"statut", "message", "total", "debut", "nombre", "curseur", "curseurSuivant"},
  "unitesLegales": [...]}``, at most 1,000 a page; no unit found -> 404; the last page has
  ``curseurSuivant == curseur``;
- ``GET /informations`` -> ``{"etatService": "UP", "versionService", "etatsDesServices":
  [{"Collection": "Unités Légales", "etatCollection": "UP"}, ...],
  "datesDernieresMisesAJourDesDonnees": [{"collection", "dateDerniereMiseADisposition"}]}``;
- more than ``per_minute`` calls in any 60 s -> 429 with ``Retry-After`` (seconds);
- ``maintenance``: every call but ``/informations`` answers 503 with an HTML page, and
  ``/informations`` says ``etatService`` ``DOWN``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from simulators.config import FaultConfig, parse_probability, spec
from simulators.core import Endpoint, System, json_response
from simulators.registers import (
    SlidingWindow,
    draw,
    generated_name,
    log_route,
    parse_bool,
    parse_count,
)

BASE = "/api-sirene/3.11"
KEY_HEADER = "X-INSEE-Api-Key-Integration"
MAX_PAGE = 1000
UPDATED = "2026-01-15T03:12:45.000"


@dataclass(frozen=True)
class Unit:
    siren: str
    name: str
    state: str  # "A" or "C"
    since: str = "2018-01-01"
    created: str = "2001-05-02"
    first_name: str = ""
    last_name: str = ""
    public: bool = True

    def body(self) -> dict[str, Any]:
        current = {
            "dateFin": None,
            "dateDebut": self.since,
            "etatAdministratifUniteLegale": self.state,
            "changementEtatAdministratifUniteLegale": self.state == "C",
            "nomUniteLegale": self.last_name or None,
            "nomUsageUniteLegale": None,
            "denominationUniteLegale": self.name or None,
            "denominationUsuelle1UniteLegale": None,
            "categorieJuridiqueUniteLegale": "1000" if self.last_name else "5710",
            "activitePrincipaleUniteLegale": "62.01Z",
            "nicSiegeUniteLegale": "00012",
        }
        periods = [current]
        if self.state == "C":
            periods.append({**current, "dateFin": self.since, "dateDebut": self.created,
                            "etatAdministratifUniteLegale": "A",
                            "changementEtatAdministratifUniteLegale": False})  # fmt: skip
        if not self.public:
            for period in periods:
                period["denominationUniteLegale"] = "[ND]"
                period["nomUniteLegale"] = "[ND]" if self.last_name else None
        return {
            "siren": self.siren,
            "statutDiffusionUniteLegale": "O" if self.public else "P",
            "dateCreationUniteLegale": self.created,
            "prenom1UniteLegale": (self.first_name or None) if self.public else None,
            "prenomUsuelUniteLegale": (self.first_name or None) if self.public else None,
            "categorieEntreprise": "PME",
            "dateDernierTraitementUniteLegale": "2025-11-03T10:15:00.000",
            "nombrePeriodesUniteLegale": len(periods),
            "periodesUniteLegale": periods,
        }


#: Fictional names on numbers with valid check digits. 123456782 and 900000019 are valid
#: numbers INSEE does not know (404).
DEMO_UNITS: tuple[Unit, ...] = (
    Unit("732829320", "Boulangerie du Canal", "A"),
    Unit("356000000", "La Poste (démo)", "A"),
    Unit("552032534", "Ateliers Mécaniques de Lyon", "A"),
    Unit("443061841", "Conseil Numérique", "A"),
    Unit("301265088", "Laiterie des Alpes", "A", since="2023-06-12"),
    Unit("404483737", "Transports Vercors", "C", since="2022-09-30"),
    Unit("812345676", "Papeterie Nouvelle", "C", since="2021-03-31"),
    Unit("383474814", "Imprimerie Gutenberg", "C", since="2020-12-31"),
    Unit("512345679", "", "A", first_name="Marie", last_name="Durand"),
    Unit("130025265", "Société Discrète", "A", public=False),
)


@dataclass(frozen=True)
class InseeConfig(FaultConfig):
    per_minute: int = field(
        default=30,
        metadata=spec(parse_count, "calls accepted in any 60 s (0: no limit); beyond: 429"),
    )
    maintenance: bool = field(
        default=False,
        metadata=spec(parse_bool, "maintenance window: 503 HTML, /informations etatService DOWN"),
    )
    generate: float = field(
        default=0.0,
        metadata=spec(
            parse_probability,
            "share of unknown valid numbers answered as generated units (benchmarks)",
        ),
    )
    ceased_rate: float = field(
        default=0.1,
        metadata=spec(parse_probability, "share of generated units that have ceased"),
    )


MAINTENANCE_PAGE = "<html><body><h1>Service en maintenance</h1></body></html>"


def _header(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"header": {"statut": status, "message": message, **extra}}


def _valid_siren(siren: str) -> bool:
    if len(siren) != 9 or not siren.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(siren)):
        digit = int(char) * (2 if i % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


class Insee(System):
    name = "insee"
    config_class = InseeConfig
    config: InseeConfig

    def reset_state(self) -> None:
        self.units: dict[str, Unit] = {unit.siren: unit for unit in DEMO_UNITS}
        self.window = SlidingWindow(60.0)
        self.lookups = 0
        self.searches = 0
        self.units_answered = 0

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("GET", f"{BASE}/siren/{{siren}}", self.get_unit),
            Endpoint("GET", f"{BASE}/siren", self.search),
            Endpoint("POST", f"{BASE}/siren", self.search),
            Endpoint("GET", f"{BASE}/informations", self.informations),
        ]

    def control_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_control/insee/units", self.list_units),
            web.put("/_control/insee/units/{siren}", self.put_unit),
            log_route("insee", lambda: {"calls": self.window}),
        ]

    def extra_stats(self) -> dict[str, Any]:
        return {
            "lookups": self.lookups,
            "searches": self.searches,
            "units_answered": self.units_answered,
            "rate_limited": self.window.rejected,
            "max_in_any_60s": self.window.max_in_any_window(),
        }

    # --- the gate every call goes through ---------------------------------------------

    def _gate(self, request: web.Request, *, informations: bool = False) -> web.Response | None:
        if not request.headers.get(KEY_HEADER, "").strip():
            return json_response(_header(401, "Clé d'API absente ou invalide"), status=401)
        wait = self.window.admit(self.config.per_minute)
        if wait is not None:
            response = json_response(_header(429, "Trop de requêtes"), status=429)
            response.headers["Retry-After"] = str(max(1, round(wait)))
            return response
        if self.config.maintenance and not informations:
            return web.Response(text=MAINTENANCE_PAGE, content_type="text/html", status=503)
        return None

    def _find(self, siren: str) -> Unit | None:
        unit = self.units.get(siren)
        generate = self.config.generate
        if unit is None and _valid_siren(siren) and draw(siren, "insee-exists") < generate:
            ceased = draw(siren, "insee-ceased") < self.config.ceased_rate
            unit = Unit(siren, generated_name(siren), "C" if ceased else "A")
        return unit

    # --- public API -------------------------------------------------------------------

    async def get_unit(self, request: web.Request) -> web.Response:
        refused = self._gate(request)
        if refused is not None:
            return refused
        self.lookups += 1
        siren = request.match_info["siren"]
        if not (siren.isdigit() and len(siren) == 9):
            return json_response(_header(400, f"Numéro Siren invalide {siren}"), status=400)
        unit = self._find(siren)
        if unit is None:
            return json_response(
                _header(404, f"Aucun élément trouvé pour le siren {siren}"), status=404
            )
        self.units_answered += 1
        return json_response({**_header(200, "OK"), "uniteLegale": unit.body()})

    async def search(self, request: web.Request) -> web.Response:
        refused = self._gate(request)
        if refused is not None:
            return refused
        self.searches += 1
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.post()).items()})
        q = params.get("q", "").strip()
        sirens = _sirens_of(q)
        if sirens is None:
            return json_response(
                _header(400, f"Erreur de syntaxe dans le paramètre q={q[:80]}"), status=400
            )
        try:
            size = int(params.get("nombre", "20"))
        except ValueError:
            size = -1
        if not 0 <= size <= MAX_PAGE:
            return json_response(
                _header(400, "nombre doit être compris entre 0 et 1000"), status=400
            )
        cursor = params.get("curseur", "*")
        start = _offset(cursor)
        if start is None:
            return json_response(_header(400, "Curseur invalide"), status=400)
        found = [unit for siren in sirens if (unit := self._find(siren)) is not None]
        if not found:
            return json_response(_header(404, "Aucun élément trouvé pour q=" + q[:80]), status=404)
        page = found[start : start + size]
        following = _cursor(start + len(page)) if start + len(page) < len(found) else cursor
        self.units_answered += len(page)
        return json_response({
            **_header(200, "OK", total=len(found), debut=start, nombre=len(page),
                      curseur=cursor, curseurSuivant=following),
            "unitesLegales": [unit.body() for unit in page],
        })  # fmt: skip

    async def informations(self, request: web.Request) -> web.Response:
        refused = self._gate(request, informations=True)
        if refused is not None:
            return refused
        state = "DOWN" if self.config.maintenance else "UP"
        collections = ("Unités Légales", "Établissements", "Liens de succession")
        return json_response({
            "etatService": state,
            "versionService": "3.11.25",
            "journalDesModifications": "https://www.sirene.fr/static-resources/documentation/",
            "etatsDesServices": [{"Collection": c, "etatCollection": state} for c in collections],
            "datesDernieresMisesAJourDesDonnees": [
                {"collection": c, "dateDerniereMiseADisposition": UPDATED,
                 "dateDernierTraitementMaximum": UPDATED} for c in collections
            ],
        })  # fmt: skip

    # --- control API ------------------------------------------------------------------

    async def list_units(self, request: web.Request) -> web.Response:
        return json_response([unit.body() for unit in self.units.values()])

    async def put_unit(self, request: web.Request) -> web.Response:
        """Add or replace a unit: ``{"name": str, "state": "A" | "C"}``."""
        siren = request.match_info["siren"]
        try:
            body = await request.json()
        except ValueError:
            body = None
        if (
            not (siren.isdigit() and len(siren) == 9)
            or not isinstance(body, dict)
            or (body.get("state") not in ("A", "C") or not isinstance(body.get("name", ""), str))
        ):
            return json_response(
                {"error": 'expected a 9-digit SIREN and {"name": str, "state": "A"|"C"}'},
                status=400,
            )
        self.units[siren] = Unit(siren, body.get("name", ""), body["state"])
        return json_response(self.units[siren].body())


def _sirens_of(q: str) -> list[str] | None:
    """`siren:A OR siren:B ...` -> [A, B, ...]; None for any other query (not simulated)."""
    terms = [term.strip() for term in q.replace("(", " ").replace(")", " ").split(" OR ")]
    sirens = []
    for term in terms:
        name, _, value = term.partition(":")
        if name.strip() != "siren" or not value.strip().isdigit():
            return None
        sirens.append(value.strip())
    return list(dict.fromkeys(sirens))


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode()


def _offset(cursor: str) -> int | None:
    if cursor == "*":
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        return int(text[1:]) if text.startswith("o") else None
    except (ValueError, UnicodeDecodeError):
        return None
