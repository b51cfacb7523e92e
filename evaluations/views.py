"""Pages: the list with filters, the create form, the detail with the score chart."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import present
from core.access import requires
from core.errors import ApplicationError, NotFoundError
from core.forms import submit
from core.lists import Column, Table
from core.staticfiles import PLOTLY_JS_URL_PATH
from evaluations import selectors, services
from evaluations.access import can_evaluate
from evaluations.api.filters import EvaluationFilter
from evaluations.forms import EvaluationCreateForm
from evaluations.models import State

#: The list's columns: what sorts, what the CSV export writes.
COLUMNS = [
    Column("kind", "Type", ("kind",)),
    Column("value", "Number", ("value",)),
    Column("company", "Company", ("company_name",), value=lambda e: e.company_name),
    Column("state", "State", ("state",), value=lambda e: present.choice_label(e.state, State)),
    Column("reason", "Reason", ("reason",), value=lambda e: e.get_reason_display()),
    Column("score", "Score", ("score",), numeric=True),
    Column("evaluated", "Last evaluated", ("last_evaluated_at",),
           value=lambda e: e.last_evaluated_at),
]  # fmt: skip


@requires("evaluations", "view")
@require_GET
def evaluation_list(request: HttpRequest) -> HttpResponse:
    # The API's FilterSet parses the parameters (one definition); the selector filters.
    form = EvaluationFilter(request.GET).form
    rows = (
        selectors.evaluation_list(user=request.user, **form.cleaned_data)
        if form.is_valid()
        else selectors.evaluation_list(user=request.user).none()
    )
    table = Table(request, rows, COLUMNS, default_sort="-evaluated")
    if table.wants_export:
        return table.export("evaluations")
    counts = selectors.evaluation_counts_by_state()
    return render(
        request,
        "evaluations/list.html",
        {
            "form": form,
            "table": table,
            "page": table.page,
            "states": [(value, label, counts[value]) for value, label in State.choices],
            "current_state": request.GET.get("state", ""),
            "can_evaluate": can_evaluate(request.user),
        },
    )


@requires("evaluations", "evaluate")
@require_http_methods(["GET", "POST"])
def evaluation_create(request: HttpRequest) -> HttpResponse:
    form = EvaluationCreateForm(request.POST or None)
    existing = None

    def create(number: dict):
        nonlocal existing
        try:
            return services.evaluation_create(**number, actor=request.user)
        except ApplicationError as error:
            if error.code == "already_exists":
                existing = selectors.evaluation_by_number(user=request.user, **number)
            raise

    if request.method == "POST":
        evaluation = submit(form, create, lambda number: services.evaluation_check(**number))
        if evaluation is not None:
            state = present.choice_label(evaluation.state, State)
            messages.success(request, f"{evaluation} evaluated: {state}.")
            return redirect("evaluations:detail", evaluation_id=evaluation.pk)
    return render(request, "evaluations/create.html", {"form": form, "existing": existing})


@requires("evaluations", "view")
@require_GET
def evaluation_detail(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    if evaluation is None:
        raise Http404
    return render(
        request,
        "evaluations/detail.html",
        {
            "evaluation": evaluation,
            "events": selectors.evaluation_history(evaluation),
            "chart": _score_chart(selectors.evaluation_score_series(evaluation)),
            "plotly_js": PLOTLY_JS_URL_PATH,
            "can_evaluate": can_evaluate(request.user) and not evaluation.is_final,
        },
    )


@requires("evaluations", "evaluate")
@require_POST
def evaluation_reevaluate(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    try:
        evaluation = services.evaluation_reevaluate(evaluation_id=evaluation_id, actor=request.user)
    except NotFoundError:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        state = present.choice_label(evaluation.state, State)
        score = present.number_text(evaluation.score)
        messages.success(request, f"Re-evaluated: {state}, score {score}.")
    return redirect("evaluations:detail", evaluation_id=evaluation_id)


#: The chart's time axis spans at least this long, so that it reads in days (a new
#: evaluation's points are seconds apart: plotly would count milliseconds).
CHART_MIN_SPAN = timedelta(days=7)


def _score_chart(points: list[selectors.ScorePoint]) -> dict:
    """The score chart's data: wall-clock times in the person's zone (plotly ignores UTC
    offsets, so the zone is named on the axis), a date axis at least a week wide, and a
    hover text for each point made by core.present."""
    local = [timezone.localtime(point.at) for point in points]
    start = local[0].replace(hour=0, minute=0, second=0, microsecond=0)
    end = max(local[-1] + timedelta(days=1), start + CHART_MIN_SPAN)
    end = end.replace(hour=0, minute=0, second=0, microsecond=0)

    def wall_clock(moment: datetime) -> str:
        return moment.replace(tzinfo=None).isoformat(timespec="seconds")

    return {
        "x": [wall_clock(moment) for moment in local],
        "y": [point.score for point in points],
        "text": [f"{present.moment(point.at)}: {point.what}" for point in points],
        "range": [wall_clock(start), wall_clock(end)],
        "zone": present.zone_name(local[-1]),
    }
