from django.http import HttpRequest

from core.dashboard import Tile


def tile(request: HttpRequest) -> Tile:
    return Tile(
        app="leads",
        title="Leads",
        description=(
            "Qualify sales leads into prospects: national-registry match and "
            "judicial-records check in parallel, then a qualification score."
        ),
        links=[("API", "/api/leads/")],
        note="Not live yet.",
    )
