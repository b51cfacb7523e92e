from django.http import HttpRequest

from core.dashboard import Tile


def tile(request: HttpRequest) -> Tile:
    return Tile(
        app="kam",
        title="Key accounts",
        description=(
            "Restaurant key accounts: contacts, calls, orders, call plans and account performance."
        ),
        links=[("API", "/api/kam/")],
        note="Not live yet.",
    )
