from django.http import HttpRequest
from django.urls import reverse

from core import present
from core.access import can
from core.dashboard import Stat, Tile
from leads.selectors import stage_counts

DESCRIPTION = (
    "Qualify sales leads into prospects: national-registry match and "
    "judicial-records check in parallel, then a qualification score."
)


def tile(request: HttpRequest) -> Tile:
    counts = stage_counts(user=request.user)
    pipeline = reverse("leads:pipeline")
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
            Stat(label, present.number_text(counts[stage]), f"{pipeline}?stage={stage}")
            for label, stage in (
                ("Leads", "lead"),
                ("Needs review", "needs_review"),
                ("Prospects", "prospect"),
                ("Rejected", "rejected"),
            )
        ],
    )
