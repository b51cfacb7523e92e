from django.http import HttpRequest

from core import present
from core.dashboard import Stat, Tile
from workflows.models import RunStatus
from workflows.selectors import workflow_run_status_counts


def tile(request: HttpRequest) -> Tile:
    description = (
        "Schema-defined workflows driven by forms and Excel uploads, "
        "such as customer income and expenditure over 12 months."
    )
    counts = workflow_run_status_counts(user=request.user)
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
        stats=[
            Stat(
                present.choice_label(status, RunStatus),
                present.number_text(count),
                f"/workflows/?status={status}",
            )
            for status, count in counts.items()
        ],
    )
