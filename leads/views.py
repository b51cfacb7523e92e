"""Pages of the leads app: the pipeline, a lead with its "Qualify" button, a new lead."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import present
from core.access import requires
from core.errors import ApplicationError, NotFoundError
from core.forms import parsed_fields
from leads.access import can_change, can_qualify
from leads.api.serializers import RunSerializer
from leads.forms import LeadForm
from leads.models import CheckStatus, QualificationRun, RunSource, RunStatus, Stage
from leads.selectors import lead_get, lead_history, pipeline, run_get, run_list
from leads.services import lead_check, lead_create, lead_update, qualification_start

#: The pipeline's columns, left to right, with their titles.
PIPELINE_COLUMNS = [
    (Stage.LEAD, "Leads"),
    (Stage.NEEDS_REVIEW, "Needs review"),
    (Stage.PROSPECT, "Prospects"),
    (Stage.REJECTED, "Rejected"),
]
#: The latest run and the earlier ones on a lead's page.
RUNS_SHOWN = 20


def _lead_or_404(request: HttpRequest, lead_id: int):
    lead = lead_get(user=request.user, lead_id=lead_id)
    if lead is None:
        raise Http404("No such lead.")
    return lead


@requires("leads", "view")
@require_GET
def pipeline_page(request: HttpRequest) -> HttpResponse:
    columns = pipeline(user=request.user)
    return render(
        request,
        "leads/pipeline.html",
        {"columns": [(stage, title, columns[stage]) for stage, title in PIPELINE_COLUMNS]},
    )


@requires("leads", "view")
@require_GET
def lead_page(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead_or_404(request, lead_id)
    runs = list(run_list(user=request.user, lead_id=lead.pk)[:RUNS_SHOWN])
    latest = runs[0] if runs else None
    return render(
        request,
        "leads/lead_detail.html",
        {
            "lead": lead,
            "latest": latest,
            "runs": runs,
            "can_qualify": can_qualify(request.user, lead) and lead.stage != Stage.PROSPECT,
            "can_change": can_change(request.user, lead),
            "events": lead_history(lead=lead),
        },
    )


@requires("leads", "qualify")
@require_POST
def lead_qualify(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead_or_404(request, lead_id)
    try:
        started = qualification_start(
            lead_id=lead.pk, requested_by=request.user, source=RunSource.PAGE
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if started.created:
            messages.info(request, "Qualification started; the checks appear as they finish.")
        else:
            messages.info(request, "This lead is already being qualified.")
    return redirect("leads:lead", lead_id=lead.pk)


@requires("leads", "view")
@require_GET
def run_json(request: HttpRequest, run_id: int) -> JsonResponse:
    """What the lead page polls while a run is under way."""
    run = run_get(user=request.user, run_id=run_id)
    if run is None:
        raise Http404("No such run.")
    return JsonResponse(_run_payload(run))


def _run_payload(run: QualificationRun) -> dict:
    """The API's run, with what the page shows (labels, durations) in `shown`: the script
    fills in the table with the same text the template writes."""
    data = RunSerializer(run).data
    data["lead_stage"] = run.lead.stage
    data["active"] = run.is_active
    data["shown"] = {
        "status": present.choice_label(run.outcome, Stage)
        if run.outcome
        else present.choice_label(run.status, RunStatus),
        "checks": {
            check.system: {
                "status": present.choice_label(check.status, CheckStatus),
                "latency": present.duration(check.latency_ms, unit="ms"),
                "reason": capfirst(check.reason),
            }
            for check in run.check_list
        },
    }
    return data


@requires("leads", "create")
@require_http_methods(["GET", "POST"])
def lead_new(request: HttpRequest) -> HttpResponse:
    form = LeadForm(request.POST or None)
    if request.method == "POST":
        lead = _submit(form, lambda data: lead_create(actor=request.user, **data))
        if lead is not None:
            messages.success(request, f"Lead {lead.full_name} created.")
            return redirect("leads:lead", lead_id=lead.pk)
    return render(request, "leads/lead_form.html", {"form": form, "lead": None})


@requires("leads", "change")
@require_http_methods(["GET", "POST"])
def lead_edit(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead_or_404(request, lead_id)
    initial = {name: getattr(lead, name) for name in LeadForm.base_fields}
    initial["national_id"] = lead.national_id_display
    form = LeadForm(request.POST or None, initial=initial)
    if request.method == "POST":
        updated = _submit(
            form,
            lambda data: lead_update(lead_id=lead.pk, actor=request.user, **data),
            lead_id=lead.pk,
        )
        if updated is not None:
            messages.success(request, f"Lead {updated.full_name} saved.")
            return redirect("leads:lead", lead_id=lead.pk)
    return render(request, "leads/lead_form.html", {"form": form, "lead": lead})


def _submit(form: LeadForm, write, *, lead_id: int | None = None):
    """One pass over every check: the form parses, the service's rules run on whatever
    parsed (even when other fields did not), so one submit shows every field's message."""
    valid = form.is_valid()
    try:
        if valid:
            return write(form.cleaned_data)
        lead_check(lead_id=lead_id, **parsed_fields(form))
    except NotFoundError:
        raise Http404("No such lead.") from None
    except ApplicationError as error:
        form.add_application_error(error)
    return None
