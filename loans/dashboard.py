from django.http import HttpRequest

from core.dashboard import Tile
from loans.permissions import can_manage_loans, can_view_loans
from loans.selectors import loan_application_status_counts


def tile(request: HttpRequest) -> Tile:
    description = (
        "Customer loan applications sent to the bank partner, polled until the bank decides."
    )
    if not can_view_loans(request.user):
        return Tile(
            app="loans",
            title="Loans",
            description=description,
            note="For loan officers and analysts.",
        )
    counts = loan_application_status_counts()
    links = [("All", "/loans/"), ("Pending", "/loans/?status=pending")]
    if can_manage_loans(request.user):
        links.insert(0, ("New application", "/loans/new/"))
    return Tile(
        app="loans",
        title="Loans",
        description=description,
        url="/loans/",
        links=links,
        stats=[(status, count) for status, count in counts.items()],
    )
