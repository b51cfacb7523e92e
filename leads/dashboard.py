from django.http import HttpRequest
from django.urls import reverse

from core import present
from core.access import can
from core.dashboard import Tile
from leads.selectors import stage_counts

DESCRIPTION = (
    "Qualify sales leads into prospects: national-registry match and "
    "judicial-records check in parallel, then a qualification score."
)


def tile(request: HttpRequest) -> Tile:
    counts = stage_counts(user=request.user)
    return Tile(
        app="leads",
        title="Leads",
        description=DESCRIPTION,
        url=reverse("leads:pipeline"),
        links=[
            ("Pipeline", reverse("leads:pipeline")),
            *([("New lead", reverse("leads:new"))] if can(request.user, "leads", "create") else []),
            ("API", "/api/leads/"),
        ],
        stats=[
            ("Leads", present.number_text(counts["lead"])),
            ("Needs review", present.number_text(counts["needs_review"])),
            ("Prospects", present.number_text(counts["prospect"])),
            ("Rejected", present.number_text(counts["rejected"])),
        ],
    )
