from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import present
from core.access import requires
from core.errors import ApplicationError, NotFoundError
from core.forms import add_application_error
from core.lists import Column, Table
from loans import selectors, services
from loans.access import can_create_loans, can_resubmit
from loans.forms import LoanApplicationForm, ResubmitForm, StatusFilterForm
from loans.models import Status

#: The list's columns: what sorts, what the CSV export writes.
COLUMNS = [
    Column("applicant", "Applicant", ("last_name", "first_name"),
           value=lambda a: f"{a.first_name} {a.last_name}"),
    Column("email", "Email", ("email",)),
    Column("amount", "Amount", ("amount",), numeric=True,
           value=lambda a: f"{a.amount} {a.currency}"),
    Column("status", "Status", ("status",), value=lambda a: present.choice_label(a.status, Status)),
    Column("created", "Created", ("created_at",), value=lambda a: a.created_at),
    Column("decided", "Decided", ("decided_at",), value=lambda a: a.decided_at),
]  # fmt: skip


@requires("loans", "view")
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    form = StatusFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    applications = selectors.loan_application_list(
        user=request.user, status=filters.get("status"), search=filters.get("q")
    )
    table = Table(request, applications, COLUMNS, default_sort="-created")
    if table.wants_export:
        return table.export("loan-applications")
    context = {
        "form": form,
        "table": table,
        "page": table.page,
        "counts": [
            (status, present.choice_label(status, Status), count)
            for status, count in selectors.loan_application_status_counts(user=request.user).items()
        ],
        "current_status": filters.get("status") or "",
        "can_create": can_create_loans(request.user),
    }
    # The page refreshes its table every few seconds by asking for this fragment.
    template = "loans/_application_rows.html" if request.GET.get("partial") else "loans/list.html"
    return render(request, template, context)


@requires("loans", "create")
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest) -> HttpResponse:
    form = LoanApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application, replayed = services.loan_application_create(
                **form.application_data(),
                actor=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            if not replayed:
                messages.success(request, "Application created; it is on its way to the bank.")
            return redirect("loans:detail", application_id=application.id)
    return render(request, "loans/form.html", {"form": form})


@requires("loans", "view")
@require_GET
def application_detail(request: HttpRequest, application_id) -> HttpResponse:
    """The application and its history. While it is open, the live part asks for itself again
    every few seconds (htmx) and stops once the bank has decided."""
    application = selectors.loan_application_get(user=request.user, application_id=application_id)
    if application is None:
        raise Http404("No such loan application.")
    context = {
        "application": application,
        "events": selectors.loan_application_history(application=application),
        "can_resubmit": can_resubmit(request.user),
        "resubmit_form": ResubmitForm(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "loans/_detail_live.html", context)
    return render(request, "loans/detail.html", context)


@requires("loans", "resubmit")
@require_POST
def application_resubmit(request: HttpRequest, application_id) -> HttpResponse:
    form = ResubmitForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(" ".join(form.errors.get("reason", ["Shorten the reason."])))
        services.loan_application_resubmit(
            application_id=application_id,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except NotFoundError:
        raise Http404("No such loan application.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Re-submitted: the application is on its way to the bank again.")
    return redirect("loans:detail", application_id=application_id)


@requires("loans", "resubmit")
@require_POST
def application_poll_now(request: HttpRequest, application_id) -> HttpResponse:
    try:
        asked = services.loan_application_poll_now(
            application_id=application_id, actor=request.user
        )
    except NotFoundError:
        raise Http404("No such loan application.") from None
    if asked:
        messages.success(request, "Asked the bank now; the answer shows here within seconds.")
    else:
        messages.info(request, "Nothing to ask: the application is not waiting for the bank.")
    return redirect("loans:detail", application_id=application_id)
