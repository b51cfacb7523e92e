from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.access import requires
from core.audit import audit_timeline
from core.errors import ApplicationError
from core.forms import add_application_error
from loans import selectors, services
from loans.access import can_create_loans
from loans.forms import LoanApplicationForm, StatusFilterForm
from loans.models import LoanApplication


@requires("loans", "view")
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    form = StatusFilterForm(request.GET or None)
    applications = selectors.loan_application_list()
    if form.is_valid():
        if form.cleaned_data["status"]:
            applications = applications.filter(status=form.cleaned_data["status"])
        if query := form.cleaned_data["q"].strip():
            applications = applications.filter(
                Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
                | Q(email__icontains=query)
            )
    page = Paginator(applications, 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "counts": selectors.loan_application_status_counts(),
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
        data = {k: v for k, v in form.cleaned_data.items() if k != "idempotency_key"}
        try:
            cleaned = services.application_input_clean(**data)
            application, replayed = services.loan_application_create(
                data=cleaned,
                created_by=request.user,
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
    application = get_object_or_404(LoanApplication, id=application_id)
    return render(
        request,
        "loans/detail.html",
        {"application": application, "events": audit_timeline(application)},
    )
