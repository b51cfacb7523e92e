from django.http import HttpRequest

from core.dashboard import Tile
from workflows.permissions import can_use_workflows
from workflows.selectors import workflow_run_status_counts


def tile(request: HttpRequest) -> Tile:
    description = (
        "Schema-defined workflows driven by forms and Excel uploads, "
        "such as customer income and expenditure over 12 months."
    )
    if not can_use_workflows(request.user):
        return Tile(
            app="workflows",
            title="Workflows",
            description=description,
            note="For staff, loan officers, analysts and risk analysts.",
        )
    counts = workflow_run_status_counts()
    return Tile(
        app="workflows",
        title="Workflows",
        description=description,
        url="/workflows/",
        links=[
            ("Income and expenditure", "/workflows/start/customer_income_expenditure/"),
            ("All runs", "/workflows/"),
            ("API", "/api/workflows/"),
        ],
        stats=[(status, count) for status, count in counts.items()],
    )
