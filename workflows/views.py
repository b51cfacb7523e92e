"""Pages: runs list, start form (with the Excel template), run progress, result chart."""

from __future__ import annotations

import io
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core import present
from core.access import requires
from core.audit import audit_timeline
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.lists import Column, Table
from core.staticfiles import PLOTLY_JS_URL_PATH
from workflows import excel, selectors, services, staging
from workflows.access import can_start
from workflows.forms import RunFilterForm, step_form_class, step_form_refused
from workflows.loader import DefinitionError, definition_of
from workflows.models import RunStatus
from workflows.steps.chart import series_inputs

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _current(request: HttpRequest, key: str):
    row = selectors.workflow_definition_get(user=request.user, key=key)
    if row is None:
        raise Http404(f"No workflow '{key}'.")
    return row, definition_of(row)


def _customer_name(run) -> str:
    return f"{run.customer.first_name} {run.customer.last_name}" if run.customer else ""


#: The runs list's columns: what sorts, what the CSV export writes.
RUN_COLUMNS = [
    Column("started", "Started", ("created_at",), value=lambda run: run.created_at),
    Column("workflow", "Workflow", ("definition__title",),
           value=lambda run: run.definition.title),
    Column("customer", "Customer", ("customer__last_name", "customer__first_name"),
           value=_customer_name),
    Column("status", "Status", ("status",),
           value=lambda run: present.choice_label(run.status, RunStatus)),
    Column("step", "Step", ("current_step",), value=lambda run: _run_step_title(run)),
    Column("by", "By", ("created_by__username",),
           value=lambda run: run.created_by.get_username() if run.created_by else ""),
]  # fmt: skip


@requires("workflows", "view")
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    form = RunFilterForm(request.GET)
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    runs = selectors.workflow_run_list(user=request.user, **filters)
    table = Table(request, runs, RUN_COLUMNS, default_sort="-started")
    if table.wants_export:
        return table.export("workflow-runs")
    counts = selectors.workflow_run_status_counts(user=request.user)
    definitions = selectors.workflow_definition_list(user=request.user, startable=True)
    return render(
        request,
        "workflows/run_list.html",
        {
            # Each workflow with its steps by title; its version and checksum are for the
            # run's Details, the admin and the API, not for the person choosing.
            "definitions": [(row, _step_titles(row)) for row in definitions],
            "table": table,
            "page": table.page,
            "rows": [(run, _run_step_title(run)) for run in table.page.object_list],
            "statuses": [(value, label, counts[value]) for value, label in RunStatus.choices],
            "wanted": filters.get("status", ""),
            "search": filters.get("search", ""),
            "broken": selectors.definition_problem_list(user=request.user),
        },
    )


def _step_titles(row) -> list[str]:
    try:
        return [step.title for step in definition_of(row).ordered_steps()]
    except DefinitionError:  # a stored row the code no longer accepts: its steps unsaid
        return []


def _run_step_title(run) -> str:
    """The title of the step a run is at (waiting for, running, failed on); '' once done."""
    if not run.current_step:
        return ""
    try:
        return _step_title(definition_of(run.definition), run.current_step)
    except DefinitionError:
        return run.current_step.replace("_", " ").capitalize()


def _excel_context(definition) -> dict:
    step = definition.find_step_by_type("excel_upload")
    if step is None:
        return {}
    spec = excel.TableSpec.from_config(step.config)
    max_mib = settings.WORKFLOWS_UPLOAD_MAX_BYTES / (1024 * 1024)
    from babel import Locale

    languages = [Locale.parse(code).get_display_name("en") for code in spec.month_languages]
    return {"excel_step": step, "excel_spec": spec, "max_upload_mib": max_mib,
            "month_languages": languages}  # fmt: skip


@requires("workflows", "start")
@require_http_methods(["GET", "POST"])
def run_start(request: HttpRequest, key: str) -> HttpResponse:
    row, definition = _current(request, key)
    if not can_start(request.user, definition.roles):
        raise PermissionDenied(f"You may not start '{definition.title}'.")

    def submit(data, files):
        run = services.workflow_run_start(key=key, actor=request.user, data=data, files=files)
        messages.success(request, f"{definition.title}: started.")
        return run

    return _person_step(request, definition, row, definition.first_step, submit)


@requires("workflows", "start")
@require_http_methods(["GET", "POST"])
def step_submit(request: HttpRequest, run_id, step_id: str) -> HttpResponse:
    """The input of a person step for a run that waits for it (e.g. started from the API)."""
    run = selectors.workflow_run_get(user=request.user, run_id=run_id)
    if run is None:
        raise Http404
    definition = definition_of(run.definition)
    step = definition.steps.get(step_id)
    if step is None or not step.waits_for_person:
        raise Http404
    if run.status != RunStatus.WAITING or run.current_step != step_id:
        messages.info(request, "This run is not waiting for that step any more.")
        return redirect("workflows:run", run_id=run.id)

    def submit(data, files):
        services.workflow_run_submit(
            run_id=run.id, step_id=step_id, actor=request.user, data=data, files=files
        )
        return run

    return _person_step(request, definition, run.definition, step, submit, run=run)


STAGED = "{}__staged"  # the hidden input naming a file kept from an earlier submission


def _person_step(request, definition, row, step, submit, *, run=None) -> HttpResponse:
    """A person step's form, in three moves: fill in (a refused file keeps the other answers,
    and a good file is kept while other fields are corrected); see what was understood (the
    preview: the months and figures, the sheet, the layout, rows skipped); confirm, or go
    back to the form with everything kept."""
    form_class = step_form_class(definition, step)
    names = [n for n, f in form_class.base_fields.items() if isinstance(f, forms.FileField)]
    context = {"definition": definition, "row": row, "step": step, "run": run,
               **_excel_context(definition)}  # fmt: skip
    if request.method == "GET":
        return _render_form(request, form_class(), context, {})
    action = request.POST.get("action", "preview")
    files, kept = _files_and_kept(request, names)
    if action == "back":
        initial = {k: v for k, v in request.POST.items() if k in form_class.base_fields}
        return _render_form(request, form_class(initial=initial), context, kept)
    if action == "confirm":
        missing = [
            name for name in names if name not in kept and form_class.base_fields[name].required
        ]
        if missing:
            form = form_class(request.POST)
            form.cleaned_data = {}
            for name in missing:
                form.add_error(
                    name, "The file was not kept (it expired after an hour); choose it again."
                )
            return _render_form(request, form, context, kept, status=400)
        try:
            done = submit(request.POST, files)
        except (ConflictError, NotFoundError, PermissionDeniedError) as error:
            messages.error(request, error.message)  # the run moved on, or is not theirs
            return redirect("workflows:run", run_id=run.id) if run else redirect("workflows:list")
        except ApplicationError as error:
            form = step_form_refused(form_class, request.POST, files, error, kept=set(kept))
            return _render_form(request, form, context, kept, status=400)
        staging.discard(request.session, list(kept.values()))
        return redirect("workflows:run", run_id=done.id)
    form = form_class(request.POST, files)
    valid = form.is_valid()
    for name in names:
        if name in request.FILES and name not in form.errors:
            kept[name] = staging.keep(request.session, files[name])
        elif name in form.errors:
            kept.pop(name, None)  # refused: offer the upload again
    if not valid:
        return _render_form(request, form, context, kept, status=400)
    preview = _preview(definition, step, form, kept)
    hidden = [(k, v) for k, v in request.POST.items()
              if k in form_class.base_fields and k not in names]  # fmt: skip
    hidden += [(STAGED.format(name), staged.id) for name, staged in kept.items()]
    return render(request, "workflows/preview.html",
                  {**context, "preview": preview, "hidden": hidden})  # fmt: skip


def _files_and_kept(request, names: list[str]) -> tuple[dict, dict]:
    """The files sent now, else the ones kept from an earlier submission of this form."""
    files: dict = {}
    kept: dict = {}
    for name in names:
        token = request.POST.get(STAGED.format(name))
        staged = staging.get(request.session, token) if token else None
        if name in request.FILES:
            files[name] = request.FILES[name]
        elif staged is not None:
            files[name] = staged.as_file()
            kept[name] = staged
    return files, kept


def _render_form(request, form, context, kept, *, status=None) -> HttpResponse:
    fields = [(field, kept.get(field.name)) for field in form.visible_fields()]
    return render(
        request,
        "workflows/start.html",
        {**context, "form": form, "fields": fields, "kept": kept},
        status=status or (400 if form.is_bound and form.errors else 200),
    )


def _preview(definition, step, form, kept) -> dict:
    """What the person is about to confirm: their answers, and for each statement file, the
    months and figures as read, where they were found and what was skipped."""
    output = step.step_type.output_from_form(
        step, form.cleaned_data, {name: str(staged.id) for name, staged in kept.items()}
    )
    currency = next((value for spec, value in _typed(step, output) if spec == "currency"), None)
    statements = []
    for spec in step.config["fields"]:
        target = definition.steps.get(spec.get("excel_step", ""))
        staged = kept.get(spec["name"])
        if target is None or staged is None:
            continue
        file = io.BytesIO(staged.content)
        table = target.step_type.read(
            target, name=staged.original_name, size=staged.size, file=file
        )
        statements.append(_statement_for_people(target, table, staged, currency))
    return {"values": _form_values(step, output), "statements": statements}


def _typed(step, output: dict) -> list[tuple[str, object]]:
    types = {spec["name"]: spec["type"] for spec in step.config.get("fields", [])}
    return [(types.get(name, ""), value) for name, value in output.items()]


def _statement_for_people(target, table, staged, currency) -> dict:
    spec = excel.TableSpec.from_config(target.config)
    month = spec.month_column
    amounts = [c for c in spec.columns if c.type in ("amount", "number")]
    rows = []
    for record in table.rows:
        rows.append(
            {
                "month": present.month(record.get(month.name)) if month else "",
                "where": record["_cells"].get(month.name, "") if month else "",
                "values": [_amount(record.get(c.name), c, currency) for c in amounts],
            }
        )
    first = table.rows[0].get(month.name) if month and table.rows else None
    last = table.rows[-1].get(month.name) if month and table.rows else None
    return {
        "file": staged.original_name,
        "size": staged.size,
        "where": (f"sheet '{table.sheet}'" if table.sheet else "CSV file"),
        "layout": table.layout,
        "notes": table.notes,
        "skipped": table.skipped,
        "columns": [c.header.capitalize() for c in amounts],
        "rows": rows,
        "totals": [
            _amount(
                sum((r[c.name] for r in table.rows if r.get(c.name) is not None), Decimal(0)),
                c,
                currency,
            )
            for c in amounts
        ],
        "count": len(table.rows),
        "span": f"{present.month(first)} to {present.month(last)}" if first and last else "",
        "currency": currency,
    }


def _amount(value, column, currency) -> str:
    if column.type == "amount":
        return present.money(value, currency)
    return present.number_text(value)


def _progress(run, definition) -> list[dict]:
    done = {r.step_id: r for r in run.step_results.all()}
    steps = []
    for step in definition.ordered_steps():
        result = done.get(step.id)
        if result is not None:
            state = result.status
        elif run.is_open and step.id == run.current_step:
            state = "waiting" if step.waits_for_person else "running"
        else:
            state = "skipped" if not run.is_open else "pending"
        steps.append(
            {"step": step, "state": state, "result": result, "words": STATE_WORDS.get(state, state)}
        )
    return steps


@requires("workflows", "view")
@require_GET
def run_detail(request: HttpRequest, run_id) -> HttpResponse:
    run = selectors.workflow_run_get(user=request.user, run_id=run_id)
    if run is None:
        raise Http404
    definition = definition_of(run.definition)
    progress = _progress(run, definition)
    has_chart = selectors.workflow_run_chart(run) is not None
    if request.headers.get("HX-Request") and run.status == RunStatus.COMPLETED and has_chart:
        # Followed live to the end: the browser goes to the result, as a link would.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("workflows:result", args=[run.id])
        return response
    history = [_told(definition, result) for result in run.step_results.all()]
    return render(
        request,
        "workflows/_run_live.html"
        if request.headers.get("HX-Request")
        else "workflows/run_detail.html",
        {
            "run": run,
            "definition": definition,
            "progress": progress,
            "history": history,
            "events": audit_timeline(run),
            "has_chart": has_chart,
            "current_title": _step_title(definition, run.current_step),
        },
    )


def _step_title(definition, step_id: str) -> str:
    step = definition.steps.get(step_id)
    return (step.title if step is not None else "") or step_id.replace("_", " ").capitalize()


STATE_WORDS = {
    "completed": "Done",
    "failed": "Failed",
    "running": "In progress",
    "waiting": "Waiting for a person",
    "pending": "To come",
    "skipped": "Not reached",
}


def _told(definition, result) -> dict:
    """A step done, told to people: what happened in words ("Statement read: 12 months, Nov
    2025 to Oct 2026"), its values or totals, rows skipped; the technical part (step id and
    type, duration) goes to the details."""
    step = definition.steps.get(result.step_id)
    title = (step.title if step is not None else "") or result.step_id.replace(
        "_", " "
    ).capitalize()
    output = result.output or {}
    told = {"result": result, "title": title, "summary": "", "values": [], "lines": []}
    if result.status == "failed":
        told["summary"] = f"{title}: failed."
        return told
    if result.step_type == "form" and step is not None:
        told["summary"] = f"{title}: filled in."
        told["values"] = _form_values(step, output)
    elif result.step_type == "excel_upload":
        rows = output.get("rows") or []
        month = next((k for k in ("month",) if rows and k in rows[0]), None)
        span = (f", {present.month(rows[0][month])} to {present.month(rows[-1][month])}"
                if month else "")  # fmt: skip
        what = "months" if month else "rows"
        where = f"sheet '{output['sheet']}'" if output.get("sheet") else "CSV file"
        told["summary"] = f"Statement read: {output.get('count', len(rows))} {what}{span}."
        told["lines"] = [
            f"From {output.get('file')}, {where}"
            + (f": {output['layout']}." if output.get("layout") else "."),
            *output.get("notes", []),
            *(f"Skipped: {line}" for line in output.get("skipped", [])),
        ]
    elif result.step_type == "chart":
        currency = output.get("currency")
        totals = output.get("totals") or {}
        names = [one.get("name") for one in output.get("series") or []]  # jsonb sorts keys
        parts = [f"{name} {present.money(totals[name], currency)}" for name in names
                 if name in totals]  # fmt: skip
        points = len(output.get("x") or [])
        told["summary"] = f"Chart drawn over {points} months." if points else "Chart drawn."
        told["lines"] = [f"Totals: {', '.join(parts)}."] if parts else []
    else:
        told["summary"] = f"{title}: done."
    return told


def _form_values(step, output: dict) -> list[tuple[str, str]]:
    """A form step's output as people read it: each field's label and its value (dates and
    numbers through core.present, a choice by its label, a file by its name), in the form's
    order (a jsonb column does not keep the keys' order)."""
    specs = {spec["name"]: spec for spec in step.config.get("fields", [])}
    order = [name for name in specs if name in output] + [n for n in output if n not in specs]
    values = []
    for name in order:
        value = output[name]
        spec = specs.get(name, {})
        kind = spec.get("type")
        if isinstance(value, dict):
            text = value.get("name") or present.EMPTY  # an uploaded file
        elif kind == "date":
            text = present.day(value)
        elif kind == "number":
            text = present.number_text(value)
        elif kind == "choice":
            choices = [(c, c) if isinstance(c, str) else (c["value"], c["label"])
                       for c in spec.get("choices", [])]  # fmt: skip
            text = present.choice_label(value, choices)
        else:
            text = present.EMPTY if value in (None, "") else str(value)
        values.append((spec.get("label") or name.replace("_", " ").capitalize(), text))
    return values


@requires("workflows", "view")
@require_GET
def run_result(request: HttpRequest, run_id) -> HttpResponse:
    run = selectors.workflow_run_get(user=request.user, run_id=run_id)
    if run is None:
        raise Http404
    chart = selectors.workflow_run_chart(run)
    if chart is None:
        messages.info(request, "The result is not ready yet.")
        return redirect("workflows:run", run_id=run.id)
    shown = _chart_for_people(definition_of(run.definition), chart)
    return render(
        request,
        "workflows/result.html",
        {"run": run, "chart": shown, "plotly_js": PLOTLY_JS_URL_PATH},
    )


def _chart_for_people(definition, chart: dict) -> dict:
    """The chart step's output as people read it, the same text in the table and in the
    chart's hover: a month column as 'Jan 2025', amounts with separators and cents, other
    numbers as the locale writes them (core.present)."""
    step = definition.find_step_by_type("chart")
    kinds: dict[str, str] = {}
    specs: dict[str, dict] = {}
    x_kind = None
    if step is not None:
        source = definition.steps.get(step.config["data"])
        columns = source.config.get("columns", []) if source is not None else []
        kinds = {column["name"]: column["type"] for column in columns}
        specs = {series["name"]: series for series in step.config["series"]}
        x_kind = kinds.get(step.config["x"])
    x = [present.month(value) if x_kind == "month" else str(value) for value in chart["x"]]
    currency = chart.get("currency")
    series = []
    money = False
    for one in chart["series"]:
        inputs = series_inputs(specs.get(one["name"], {}))
        digits = 2 if inputs and all(kinds.get(name) == "amount" for name in inputs) else None
        money = money or (digits == 2 and bool(currency))

        def text(value, digits=digits):
            if digits == 2 and currency:
                return present.money(value, currency)
            return present.number_text(value, digits=digits)

        series.append(
            {
                **one,
                "text": [text(value) for value in one["exact"]],
                "total": text(chart["totals"].get(one["name"])),
            }
        )
    if money and not chart.get("y_title"):
        chart = {**chart, "y_title": f"Amount ({currency})"}
    rows = [
        {"x": label, "values": [one["text"][index] for one in series]}
        for index, label in enumerate(x)
    ]
    return {**chart, "x": x, "series": series, "rows": rows}


@requires("workflows", "view")
@require_GET
def template_download(request: HttpRequest, key: str) -> HttpResponse:
    """A workbook with the header row and the last 12 months filled in (amounts blank)."""
    _row, definition = _current(request, key)
    step = definition.find_step_by_type("excel_upload")
    if step is None:
        raise Http404
    spec = excel.TableSpec.from_config(step.config)
    examples = []
    count = spec.exactly or spec.min_rows or 0
    if spec.consecutive and count:
        months = excel.last_months(timezone.localdate(), count)
        position = [column.name for column in spec.columns].index(spec.consecutive)
        for month in months:
            row = [None] * len(spec.columns)
            row[position] = month
            examples.append(row)
    response = HttpResponse(excel.template_workbook(spec, example_rows=examples), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{key}_template.xlsx"'
    return response


@requires("workflows", "view")
@require_GET
def upload_download(request: HttpRequest, upload_id) -> HttpResponse:
    upload = selectors.upload_get(user=request.user, upload_id=upload_id)
    if upload is None:
        raise Http404
    response = HttpResponse(upload.read_bytes(), content_type=XLSX)
    safe = "".join(c for c in upload.original_name if c.isalnum() or c in "._- ")[:100] or "upload"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response
