from django.http import HttpRequest
from django.urls import reverse

from core.dashboard import Tile
from leads.access import works_on_leads
from leads.selectors import stage_counts

DESCRIPTION = (
    "Qualify sales leads into prospects: national-registry match and "
    "judicial-records check in parallel, then a qualification score."
)


def tile(request: HttpRequest) -> Tile:
    if not works_on_leads(request.user):
        return Tile(
            app="leads", title="Leads", description=DESCRIPTION, note="For sales agents and staff."
        )
    counts = stage_counts(user=request.user)
    return Tile(
        app="leads",
        title="Leads",
        description=DESCRIPTION,
        url=reverse("leads:pipeline"),
        links=[
            ("Pipeline", reverse("leads:pipeline")),
            ("New lead", reverse("leads:new")),
            ("API", "/api/leads/"),
        ],
        stats=[
            ("Leads", counts["lead"]),
            ("Needs review", counts["needs_review"]),
            ("Prospects", counts["prospect"]),
            ("Rejected", counts["rejected"]),
        ],
    )
