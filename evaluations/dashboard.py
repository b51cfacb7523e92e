from django.http import HttpRequest

from core.dashboard import Tile


def tile(request: HttpRequest) -> Tile:
    return Tile(
        app="evaluations",
        title="Supplier evaluations",
        description="Supplier company evaluations (SIREN, VAT) whose score decays every night.",
        links=[("API", "/api/evaluations/")],
        note="Not live yet.",
    )
