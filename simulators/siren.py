"""The SIREN register: Opendatasoft's records search over the SIRENE v3 dataset.

Contract (the shape of the real public API, v1 records search):

- ``GET /api/records/1.0/search/?dataset=economicref-france-sirene-v3&q=<siren>
  &sort=datederniertraitementetablissement&refine.etablissementsiege=oui``
  -> 200 ``{"nhits": n, "parameters": {...}, "records": [{"datasetid", "recordid",
  "fields": {"siren", "siret", "etablissementsiege", "etatadministratifetablissement",
  "denominationunitelegale", "datederniertraitementetablissement", ...},
  "record_timestamp"}]}``; an unknown number -> ``nhits`` 0 and no records.
- ``sort=<field>`` sorts descending, ``sort=-<field>`` ascending; ``refine.<field>=<value>``
  keeps records whose field equals the value; ``rows`` (default 10) and ``start`` page.
- Setting ``maintenance_rate`` answers 200 with an HTML page (a proxy's maintenance page).
- Another dataset -> 404 ``{"errorcode": 10002, "error": "Unknown dataset: <name>"}``.

The demo company set has open and closed companies, one that moved its head office (its old
head office is closed, the newest open) and a sole trader with no company name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from simulators.config import FaultConfig, parse_probability, spec
from simulators.core import Endpoint, System, error_response, json_response

DATASET = "economicref-france-sirene-v3"
ACTIVE = "Actif"
CLOSED = "Fermé"


@dataclass(frozen=True)
class Establishment:
    siren: str
    nic: str
    name: str
    state: str
    head_office: bool = True
    processed_at: str = "2024-01-15T10:00:00+00:00"
    city: str = "PARIS"
    postcode: str = "75001"
    first_name: str = ""
    last_name: str = ""

    @property
    def siret(self) -> str:
        return self.siren + self.nic

    def fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "siren": self.siren,
            "nic": self.nic,
            "siret": self.siret,
            "etablissementsiege": "oui" if self.head_office else "non",
            "etatadministratifetablissement": self.state,
            "etatadministratifunitelegale": "Active" if self.state == ACTIVE else "Cessée",
            "datederniertraitementetablissement": self.processed_at,
            "datecreationetablissement": "2001-05-02",
            "codepostaletablissement": self.postcode,
            "libellecommuneetablissement": self.city,
            "categorieentreprise": "PME",
        }
        if self.name:
            fields["denominationunitelegale"] = self.name
            fields["l1_adressage_unitelegale"] = self.name.upper()
        else:
            fields["prenom1unitelegale"] = self.first_name
            fields["nomunitelegale"] = self.last_name
            fields["l1_adressage_unitelegale"] = f"{self.first_name} {self.last_name}".upper()
        return fields

    def record(self) -> dict[str, Any]:
        return {
            "datasetid": DATASET,
            "recordid": hashlib.sha1(self.siret.encode()).hexdigest(),  # noqa: S324 (an id)
            "fields": self.fields(),
            "record_timestamp": self.processed_at,
        }


#: Numbers with a valid check digit; names are fictional. 123456782 and 900000019 are valid
#: numbers the register does not know (nhits 0).
DEMO_COMPANIES: tuple[Establishment, ...] = (
    Establishment("732829320", "00012", "Boulangerie du Canal", ACTIVE),
    Establishment("552032534", "00015", "Ateliers Mécaniques de Lyon", ACTIVE, city="LYON"),
    Establishment("552032534", "00031", "Ateliers Mécaniques de Lyon", CLOSED, head_office=False),
    Establishment("404483737", "00020", "Transports Vercors", CLOSED, city="GRENOBLE"),
    Establishment("812345676", "00011", "Papeterie Nouvelle", CLOSED),
    # Moved its head office: the old one is closed, the newest (processed last) is open.
    Establishment(
        "301265088", "00017", "Laiterie des Alpes", CLOSED, processed_at="2019-03-01T08:00:00+00:00"
    ),
    Establishment(
        "301265088", "00033", "Laiterie des Alpes", ACTIVE, processed_at="2023-06-12T08:00:00+00:00"
    ),
    Establishment("443061841", "00019", "Conseil Numérique", ACTIVE),
    Establishment("383474814", "00014", "Imprimerie Gutenberg", CLOSED, city="STRASBOURG"),
    Establishment("512345679", "00010", "", ACTIVE, first_name="Marie", last_name="Durand"),
)


@dataclass(frozen=True)
class SirenConfig(FaultConfig):
    maintenance_rate: float = field(
        default=0.0,
        metadata=spec(
            parse_probability, "0..1: answer 200 with an HTML maintenance page instead of JSON"
        ),
    )


MAINTENANCE_PAGE = "<html><body><h1>Maintenance in progress</h1></body></html>"


class Siren(System):
    name = "siren"
    config_class = SirenConfig
    config: SirenConfig

    def reset_state(self) -> None:
        self.establishments: list[Establishment] = list(DEMO_COMPANIES)
        self.searches = 0

    def endpoints(self) -> list[Endpoint]:
        return [Endpoint("GET", "/api/records/1.0/search/", self.search)]

    def control_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_control/siren/companies", self.list_companies),
            web.put("/_control/siren/companies/{siren}", self.put_company),
        ]

    def extra_stats(self) -> dict[str, Any]:
        return {"searches": self.searches, "establishments": len(self.establishments)}

    # --- public API -------------------------------------------------------------------

    async def search(self, request: web.Request) -> web.Response:
        query = request.query
        dataset = query.get("dataset", "")
        if dataset != DATASET:
            return error_response(f"Unknown dataset: {dataset}", status=404, errorcode=10002)
        self.searches += 1
        rate = self.config.maintenance_rate
        if rate > 0 and self.random.random() < rate:
            return web.Response(text=MAINTENANCE_PAGE, content_type="text/html")
        try:
            rows = max(0, min(int(query.get("rows", "10")), 10000))
            start = max(0, int(query.get("start", "0")))
        except ValueError:
            return error_response("rows and start must be integers", errorcode=10003)
        q = query.get("q", "").strip()
        refine = {
            key[len("refine.") :]: value
            for key, value in query.items()
            if key.startswith("refine.")
        }
        matches = [e.fields() | {"_e": e} for e in self.establishments if _matches(e, q)]
        matches = [f for f in matches if all(str(f.get(k)) == v for k, v in refine.items())]
        sort = query.get("sort", "")
        if sort:
            name = sort.lstrip("-")
            matches.sort(key=lambda f: str(f.get(name, "")), reverse=not sort.startswith("-"))
        page = matches[start : start + rows]
        parameters: dict[str, Any] = {
            "dataset": dataset,
            "rows": rows,
            "start": start,
            "format": "json",
            "timezone": "UTC",
        }
        if q:
            parameters["q"] = q
        if sort:
            parameters["sort"] = [sort]
        if refine:
            parameters["refine"] = refine
        return json_response(
            {
                "nhits": len(matches),
                "parameters": parameters,
                "records": [f["_e"].record() for f in page],
            }
        )

    # --- control API ------------------------------------------------------------------

    async def list_companies(self, request: web.Request) -> web.Response:
        return json_response([e.fields() for e in self.establishments])

    async def put_company(self, request: web.Request) -> web.Response:
        """Replace a company's establishments by one head office: ``{"name", "state"}``."""
        siren = request.match_info["siren"]
        try:
            body = await request.json()
        except ValueError:
            body = None
        if (
            not (siren.isdigit() and len(siren) == 9)
            or not isinstance(body, dict)
            or body.get("state") not in (ACTIVE, CLOSED)
            or not isinstance(body.get("name", ""), str)
        ):
            return error_response(
                'expected a 9-digit SIREN and {"name": str, "state": "Actif"|"Fermé"}'
            )
        self.establishments = [e for e in self.establishments if e.siren != siren]
        company = Establishment(siren, "00010", body.get("name", ""), body["state"])
        self.establishments.append(company)
        return json_response(company.fields())


def _matches(establishment: Establishment, q: str) -> bool:
    """Full-text-ish: the number (SIREN or SIRET) exactly, or a part of the name."""
    if not q:
        return True
    if q.isdigit():
        return q in (establishment.siren, establishment.siret)
    return q.lower() in establishment.name.lower()
