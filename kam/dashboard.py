from django.http import HttpRequest
from django.urls import reverse

from core import present
from core.dashboard import Tile
from kam.selectors import band_counts, calls_due

DESCRIPTION = (
    "Restaurant key accounts: contacts, calls, orders, call plans and account performance."
)


def tile(request: HttpRequest) -> Tile:
    due = calls_due(kam=request.user)
    bands = band_counts(user=request.user)
    return Tile(
        app="kam",
        title="Key accounts",
        description=DESCRIPTION,
        url=reverse("kam:today"),
        links=[
            ("Today's calls", reverse("kam:today")),
            ("Performance", reverse("kam:performance")),
            ("New account", reverse("kam:account-new")),
            ("API", "/api/kam/accounts/"),
        ],
        stats=[
            ("Overdue calls", present.number_text(len(due.overdue))),
            ("Calls today", present.number_text(len(due.today))),
            ("Underperforming", present.number_text(bands["underperforming"])),
            ("At risk", present.number_text(bands["at_risk"])),
        ],
    )
