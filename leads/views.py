"""Pages of the leads app: the pipeline, a lead with its "Qualify" button, a new lead."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import present
from core.access import requires
from core.errors import ApplicationError, NotFoundError
from core.forms import submit
from core.lists import Column, Table
from leads.access import can_assign, can_change, can_qualify, can_qualify_any
from leads.forms import LeadForm, ManagedLeadForm
from leads.models import (
    ACTIVE_RUN_STATUSES,
    RunSource,
    RunStatus,
    Stage,
)
from leads.selectors import (
    lead_get,
    lead_history,
    lead_table,
    run_list,
    runs_progress,
    stage_counts,
)
from leads.services import (
    lead_check,
    lead_create,
    lead_delete,
    lead_update,
    qualification_start,
)

#: The pipeline's stages, in the order a lead moves through them.
STAGES = [Stage.LEAD, Stage.NEEDS_REVIEW, Stage.PROSPECT, Stage.REJECTED]
#: At most this many leads are qualified from one submit of the pipeline's checkboxes.
MAX_BULK_QUALIFY = 200


def _latest_result(lead) -> str:
    if lead.run_status in ACTIVE_RUN_STATUSES:
        return "Being qualified"
    if lead.run_outcome:
        return present.choice_label(lead.run_outcome, Stage)
    return present.choice_label(lead.run_status, RunStatus) if lead.run_status else ""


def _first_reason(lead) -> str:
    reasons = lead.run_reasons or []
    return capfirst(str(reasons[0])) if reasons else ""


#: The pipeline's columns: what sorts, what the CSV export writes.
COLUMNS = [
    Column("name", "Name", ("last_name", "first_name"), value=lambda lead: lead.full_name),
    Column("stage", "Stage", ("stage",), value=lambda lead: lead.get_stage_display()),
    Column("score", "Score", numeric=True, value=lambda lead: lead.run_score),
    Column("result", "Latest qualification", value=_latest_result),
    Column("reason", "Reason", value=_first_reason),
    Column("run_at", "Qualified", value=lambda lead: lead.run_at),
    Column("owner", "Sales agent", ("owner__username",),
           value=lambda lead: lead.owner.get_username()),
    Column("created", "Created", ("created_at",), value=lambda lead: lead.created_at),
]  # fmt: skip

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
    """Every lead the user sees: stage counts that filter, a search, sortable columns with the
    latest qualification's result, score and reason; ticked leads are qualified together."""
    stage = request.GET.get("stage", "")
    stage = stage if stage in Stage.values else ""
    query = request.GET.get("q", "").strip()
    table = Table(
        request,
        lead_table(user=request.user, stage=stage or None, search=query),
        COLUMNS,
        default_sort="-created",
    )
    if table.wants_export:
        return table.export("leads")
    counts = stage_counts(user=request.user)
    return render(
        request,
        "leads/pipeline.html",
        {
            "table": table,
            "rows": [
                {"lead": lead, "result": _latest_result(lead), "reason": _first_reason(lead)}
                for lead in table.page.object_list
            ],
            "stages": [(s, s.label, counts[s.value]) for s in STAGES],
            "total": sum(counts.values()),
            "stage": stage,
            "q": query,
            "can_qualify": can_qualify_any(request.user),
        },
    )


@requires("leads", "qualify")
@require_POST
def qualify_many(request: HttpRequest) -> HttpResponse:
    """Qualify the ticked leads (each as from its own page), then follow them on one page."""
    ids = [v for v in request.POST.getlist("leads") if v.isascii() and v.isdigit() and len(v) < 12]
    ids = list(dict.fromkeys(int(v) for v in ids))
    if not ids:
        messages.error(request, "Tick the leads to qualify first.")
        return redirect("leads:pipeline")
    if len(ids) > MAX_BULK_QUALIFY:
        messages.error(request, f"Qualify at most {MAX_BULK_QUALIFY} leads at once.")
        return redirect("leads:pipeline")
    run_ids, refused = [], []
    for lead_id in ids:
        try:
            started = qualification_start(
                lead_id=lead_id, requested_by=request.user, source=RunSource.PAGE
            )
        except NotFoundError:
            continue  # not theirs: as if it did not exist
        except ApplicationError as error:
            refused.append(error.message)
        else:
            run_ids.append(started.run.pk)
    for message in refused[:5]:
        messages.warning(request, message)
    if len(refused) > 5:
        messages.warning(request, f"… and {len(refused) - 5} more leads were not qualified.")
    if not run_ids:
        return redirect("leads:pipeline")
    query = "&".join(f"runs={pk}" for pk in run_ids)
    return redirect(f"{reverse('leads:progress')}?{query}")


@requires("leads", "view")
@require_GET
def qualify_progress(request: HttpRequest) -> HttpResponse:
    """Several runs at once: how many are done, each one's result; the fragment asks for
    itself again (htmx) until every run is finished."""
    ids = [
        int(v) for v in request.GET.getlist("runs") if v.isascii() and v.isdigit() and len(v) < 12
    ]
    runs = runs_progress(user=request.user, run_ids=ids[:MAX_BULK_QUALIFY])
    done = sum(not run.is_active for run in runs)
    context = {
        "runs": runs,
        "done": done,
        "active": done < len(runs),
        "outcomes": {stage: sum(run.outcome == stage for run in runs) for stage in Stage.values},
    }
    if request.headers.get("HX-Request"):
        return render(request, "leads/_progress.html", context)
    return render(request, "leads/progress.html", context)


@requires("leads", "view")
@require_GET
def lead_page(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead_or_404(request, lead_id)
    runs = list(run_list(user=request.user, lead_id=lead.pk)[:RUNS_SHOWN])
    latest = runs[0] if runs else None
    template = "leads/_lead_live.html" if request.headers.get("HX-Request") else None
    return render(
        request,
        template or "leads/lead_detail.html",
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


@requires("leads", "create")
@require_http_methods(["GET", "POST"])
def lead_new(request: HttpRequest) -> HttpResponse:
    form = _form_class(request)(request.POST or None)
    if request.method == "POST":
        lead = submit(
            form,
            lambda data: lead_create(actor=request.user, **data),
            lambda data: lead_check(**data),
        )
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
    initial["owner"] = lead.owner
    form = _form_class(request)(request.POST or None, initial=initial)
    if request.method == "POST":
        updated = submit(
            form,
            lambda data: lead_update(lead_id=lead.pk, actor=request.user, **data),
            lambda data: lead_check(lead_id=lead.pk, **data),
        )
        if updated is not None:
            messages.success(request, f"Lead {updated.full_name} saved.")
            return redirect("leads:lead", lead_id=lead.pk)
    return render(request, "leads/lead_form.html", {"form": form, "lead": lead})


@requires("leads", "change")
@require_http_methods(["GET", "POST"])
def lead_delete_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A confirmation page that says what goes with the lead, then the API's delete service."""
    lead = _lead_or_404(request, lead_id)
    if request.method == "POST":
        try:
            lead_delete(lead_id=lead.pk, actor=request.user)
        except NotFoundError:
            raise Http404("No such lead.") from None
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("leads:lead", lead_id=lead.pk)
        messages.success(request, f"Lead {lead.full_name} deleted.")
        return redirect("leads:pipeline")
    return render(
        request,
        "leads/lead_delete.html",
        {"lead": lead, "runs": run_list(user=request.user, lead_id=lead.pk).count()},
    )


def _form_class(request: HttpRequest) -> type[LeadForm]:
    """Sales managers also choose the agent in charge of the lead."""
    return ManagedLeadForm if can_assign(request.user) else LeadForm
