"""The evaluations tile of the dashboard."""

from django.http import HttpRequest
from django.urls import reverse

from core import present
from core.dashboard import Stat, Tile
from evaluations import selectors
from evaluations.models import State


def tile(request: HttpRequest) -> Tile:
    counts = selectors.evaluation_counts_by_state()
    latest = selectors.decay_pass_latest()
    listing = reverse("evaluations:list")
    return Tile(
        app="evaluations",
        title="Supplier evaluations",
        description="Supplier company evaluations (SIREN, VAT) whose score decays every night.",
        url=reverse("evaluations:list"),
        links=[("Evaluations", reverse("evaluations:list")), ("API", "/api/evaluations/")],
        stats=[
            *(
                Stat(
                    state.label,
                    present.number_text(counts[state.value]),
                    f"{listing}?state={state.value}",
                )
                for state in State
            ),
            Stat(
                "Due", present.number_text(selectors.evaluations_due_count()), f"{listing}?due=true"
            ),
        ],
        note=f"Last decay pass: {present.day(latest.date)}" if latest else "No decay pass yet.",
    )
