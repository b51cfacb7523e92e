from django.http import HttpRequest
from django.urls import reverse

from core.dashboard import Tile
from evaluations import selectors


def tile(request: HttpRequest) -> Tile:
    counts = selectors.evaluation_counts_by_state()
    latest = selectors.decay_pass_latest()
    return Tile(
        app="evaluations",
        title="Supplier evaluations",
        description="Supplier company evaluations (SIREN, VAT) whose score decays every night.",
        url=reverse("evaluations:list"),
        links=[("Evaluations", reverse("evaluations:list")), ("API", "/api/evaluations/")],
        stats=[
            ("favorable", counts["favorable"]),
            ("unfavorable", counts["unfavorable"]),
            ("unconfirmed", counts["unconfirmed"]),
            ("due", selectors.evaluations_due_count()),
        ],
        note=f"Last decay pass: {latest.date}" if latest else "No decay pass yet.",
    )
