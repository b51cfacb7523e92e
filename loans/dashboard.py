from django.http import HttpRequest

from core import present
from core.dashboard import Stat, Tile
from loans.access import can_create_loans
from loans.models import Status
from loans.selectors import loan_application_status_counts


def tile(request: HttpRequest) -> Tile:
    description = (
        "Customer loan applications sent to the bank partner, polled until the bank decides."
    )
    counts = loan_application_status_counts(user=request.user)
    links = [("All", "/loans/"), ("Pending", "/loans/?status=pending")]
    if can_create_loans(request.user):
        links.insert(0, ("New application", "/loans/new/"))
    return Tile(
        app="loans",
        title="Loans",
        description=description,
        url="/loans/",
        links=links,
        stats=[
            Stat(
                present.choice_label(status, Status),
                present.number_text(count),
                f"/loans/?status={status}",
            )
            for status, count in counts.items()
        ],
    )
