from django.http import HttpRequest

from core.dashboard import Tile


def tile(request: HttpRequest) -> Tile:
    return Tile(
        app="loans",
        title="Loans",
        description=(
            "Customer loan applications sent to the bank partner, polled until the bank decides."
        ),
        links=[("API", "/api/loans/")],
        note="Not live yet.",
    )
