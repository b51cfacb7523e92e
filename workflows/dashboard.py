from django.http import HttpRequest

from core.dashboard import Tile


def tile(request: HttpRequest) -> Tile:
    return Tile(
        app="workflows",
        title="Workflows",
        description=(
            "Schema-defined workflows driven by forms and Excel uploads, "
            "such as customer income and expenditure over 12 months."
        ),
        links=[("API", "/api/workflows/")],
        note="Not live yet.",
    )
