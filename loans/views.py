from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core import present
from core.access import requires
from core.errors import ApplicationError
from core.forms import add_application_error
from loans import selectors, services
from loans.access import can_create_loans
from loans.forms import LoanApplicationForm, StatusFilterForm
from loans.models import Status


@requires("loans", "view")
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    form = StatusFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    applications = selectors.loan_application_list(
        user=request.user, status=filters.get("status"), search=filters.get("q")
    )
    page = Paginator(applications, 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "counts": [
            (status, present.choice_label(status, Status), count)
            for status, count in selectors.loan_application_status_counts(user=request.user).items()
        ],
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
    application = selectors.loan_application_get(user=request.user, application_id=application_id)
    if application is None:
        raise Http404("No such loan application.")
    events = selectors.loan_application_history(application=application)
    return render(request, "loans/detail.html", {"application": application, "events": events})
