"""Pages of the key accounts app: today's calls (the KAM's landing page), an account with its
contacts, timeline, next call and performance, forms, and the performance bands."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import requires
from core.audit import audit_timeline
from core.errors import ApplicationError, NotFoundError
from core.forms import submit
from core.lists import Column, Table
from core.present import choice_label, moment
from core.selectors import user_zone
from kam.access import can_change, can_reassign
from kam.forms import (
    AccountForm,
    CallForm,
    ContactForm,
    OrderForm,
    ReassignForm,
    TransitionForm,
)
from kam.models import TRANSITIONS, Band, CallOutcome, LeadStatus
from kam.selectors import (
    account_get,
    account_list,
    account_timeline,
    account_with_activity,
    band_counts,
    calls_due,
    contact_list,
    kam_list,
    order_pattern,
    performance,
    performance_list,
    primary_contact,
)
from kam.services import (
    ACCOUNT_FIELDS,
    CONTACT_FIELDS,
    account_check,
    account_create,
    account_transition,
    account_update,
    accounts_reassign,
    call_log,
    contact_check,
    contact_create,
    contact_delete,
    contact_update,
    interaction_check,
    interaction_log,
    order_check,
    order_log,
    reassign_check,
    transition_check,
)

QUICK_OUTCOMES = [CallOutcome.CONNECTED, CallOutcome.NO_ANSWER, CallOutcome.BUSY]
BAND_ORDER = [Band.UNDERPERFORMING, Band.AT_RISK, Band.STEADY, Band.WELL_PERFORMING, Band.NOT_RATED]
BAND_BADGE = {
    Band.WELL_PERFORMING: "badge-ok",
    Band.STEADY: "badge-muted",
    Band.AT_RISK: "badge-warn",
    Band.UNDERPERFORMING: "badge-bad",
    Band.NOT_RATED: "badge-muted",
}


def _account_or_404(request: HttpRequest, restaurant_id: int):
    account = account_get(user=request.user, restaurant_id=restaurant_id)
    if account is None:
        raise Http404("No such account.")
    return account


@requires("kam", "view")
@require_GET
def today_page(request: HttpRequest) -> HttpResponse:
    """The KAM's landing page: overdue calls first, then today's, then the next seven days."""
    kam = request.user
    kams = kam_list(user=request.user)  # KAM leads pick whose calls to see
    chosen = request.GET.get("kam", "")
    if chosen.isascii() and chosen.isdigit():  # "²" is a digit to isdigit(), not int()
        kam = next((k for k in kams if k.pk == int(chosen)), kam)
    now = timezone.now()
    due = calls_due(kam=kam, now=now)
    zone = user_zone(user_id=kam.pk)  # the zone the KAM chose (their settings page)
    groups = []
    titles = {"overdue": "Overdue", "today": "Today", "next_seven_days": "Next seven days"}
    for name, calls in due.groups():
        rows = [
            {
                "account": call.account,
                "due_at": call.due_at,
                "contact": primary_contact(call.account),
                # An annotation, not a field: the `label` filter cannot find its choices.
                "last_call_outcome": choice_label(call.account.last_call_outcome, CallOutcome),
                "band_badge": BAND_BADGE.get(call.account.band, "badge-muted"),
            }
            for call in calls
        ]
        groups.append({"name": name, "title": titles[name], "rows": rows})
    return render(
        request,
        "kam/today.html",
        {
            "groups": groups,
            "kam": kam,
            "kams": kams,
            "zone": zone,
            "quick_outcomes": [(o.value, o.label) for o in QUICK_OUTCOMES],
            "total": due.total,
        },
    )


def _sentences(error: ApplicationError) -> str:
    """A service's refusal as people read it: the field messages, else the message."""
    return " ".join(m for messages_ in error.fields.values() for m in messages_) or error.message


def _safe_next(request: HttpRequest, default: str) -> str:
    return _local_path(request, request.POST.get("next", ""), default)


def _local_path(request: HttpRequest, target: str, default: str) -> str:
    # A path of this site only: redirect() would take "x:y" for a view name to reverse (500).
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


@requires("kam", "change")
@require_POST
def quick_call(request: HttpRequest, restaurant_id: int) -> HttpResponse:
    """One click from the landing page: log a call with this outcome now."""
    account = _account_or_404(request, restaurant_id)
    try:
        call = call_log(
            actor=request.user, restaurant_id=account.pk, outcome=request.POST.get("outcome", "")
        )
    except ApplicationError as error:
        messages.error(request, f"{account.name}: {_sentences(error)}")
    else:
        account = call.restaurant  # with the next call the service planned
        outcome = choice_label(call.outcome, CallOutcome).lower()
        messages.success(
            request,
            f"Call to {account.name} logged ({outcome}); next call "
            f"{moment(account.next_call_due_at, account.zone)} (restaurant time).",
        )
    return redirect(_safe_next(request, reverse("kam:today")))


@requires("kam", "view")
@require_GET
def account_page(request: HttpRequest, restaurant_id: int) -> HttpResponse:
    account = account_with_activity(user=request.user, restaurant_id=restaurant_id)
    if account is None:
        raise Http404("No such account.")
    perf = performance(account)
    now = timezone.now()
    pattern = order_pattern(account, now=now)
    zone = account.zone  # the chart's days are the restaurant's
    chart = {
        "start": (now - dt.timedelta(days=365)).astimezone(zone).isoformat(),
        "end": (now + dt.timedelta(days=3)).astimezone(zone).isoformat(),
        "dates": [placed.astimezone(zone).isoformat() for placed, _ in pattern],
        "amounts": [float(amount) for _, amount in pattern],
        "currency": account.currency,
        "average_interval": perf.average_interval_days,
    }
    return render(
        request,
        "kam/account.html",
        {
            "account": account,
            "perf": perf,
            "band_badge": BAND_BADGE.get(perf.band, "badge-muted"),
            "stored_badge": BAND_BADGE.get(account.band, "badge-muted"),
            "contacts": list(contact_list(user=request.user, restaurant=account.pk)),
            "timeline": account_timeline(account),
            "events": audit_timeline(account)[:20],
            "last_call_outcome": choice_label(account.last_call_outcome, CallOutcome),
            "transition_form": TransitionForm(allowed=TRANSITIONS[account.status]),
            "can_change": can_change(request.user, account),
            "can_reassign": can_reassign(request.user),
            "chart": chart,
            "quick_outcomes": [(o.value, o.label) for o in QUICK_OUTCOMES],
        },
    )


@requires("kam", "change")
@require_http_methods(["GET", "POST"])
def account_transition_view(request: HttpRequest, restaurant_id: int) -> HttpResponse:
    """Change the status (the account page's form posts here); a refused change shows the
    form again with every field's message."""
    account = _account_or_404(request, restaurant_id)
    form = TransitionForm(request.POST or None, allowed=TRANSITIONS[account.status])
    if request.method == "POST":
        changed = submit(
            form,
            lambda data: account_transition(actor=request.user, restaurant_id=account.pk, **data),
            lambda data: transition_check(restaurant_id=account.pk, **data),
        )
        if changed is not None:
            messages.success(request, "Status changed.")
            return redirect("kam:account", restaurant_id=account.pk)
    return _form_page(
        request, "kam/form.html", form, account=account, title="Change the status", submit="Change"
    )


def _contacts(request: HttpRequest, account) -> list:
    """The account's contacts, for a form's choice of who was called or ordered."""
    return list(contact_list(user=request.user, restaurant=account.pk))


def _form_page(request, template: str, form, *, account=None, title: str, submit: str):
    return render(
        request,
        template,
        {"form": form, "account": account, "title": title, "submit": submit},
    )


@requires("kam", "create")
@require_http_methods(["GET", "POST"])
def account_new(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST":
        account = submit(
            form,
            lambda data: account_create(actor=request.user, **data),
            lambda data: account_check(**data),
        )
        if account is not None:
            messages.success(request, f"Account {account.name} created.")
            return redirect("kam:account", restaurant_id=account.pk)
    return _form_page(request, "kam/form.html", form, title="New account", submit="Create")


@requires("kam", "change")
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, restaurant_id: int) -> HttpResponse:
    """An account's details (not its status, not its KAM): the API's update service."""
    account = _account_or_404(request, restaurant_id)
    initial = {name: getattr(account, name) for name in ACCOUNT_FIELDS}
    initial["call_weekdays"] = list(account.call_weekdays)
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST":
        updated = submit(
            form,
            lambda data: account_update(actor=request.user, restaurant_id=account.pk, **data),
            lambda data: account_check(**data),
        )
        if updated is not None:
            messages.success(request, f"Account {updated.name} saved.")
            return redirect("kam:account", restaurant_id=account.pk)
    return _form_page(
        request, "kam/form.html", form, account=account, title="Edit the account", submit="Save"
    )


def _contact_or_404(request: HttpRequest, account, contact_id: int):
    contact = contact_list(user=request.user, restaurant=account.pk).filter(pk=contact_id).first()
    if contact is None:
        raise Http404("No such contact.")
    return contact


@requires("kam", "change")
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, restaurant_id: int, contact_id: int) -> HttpResponse:
    account = _account_or_404(request, restaurant_id)
    contact = _contact_or_404(request, account, contact_id)
    initial = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST":
        updated = submit(
            form,
            lambda data: contact_update(actor=request.user, contact_id=contact.pk, **data),
            lambda data: contact_check(restaurant_id=account.pk, contact_id=contact.pk, **data),
        )
        if updated is not None:
            messages.success(request, f"Contact {updated.name} saved.")
            return redirect("kam:account", restaurant_id=account.pk)
    return _form_page(
        request,
        "kam/form.html",
        form,
        account=account,
        title=f"Edit the contact {contact.name}",
        submit="Save",
    )


@requires("kam", "change")
@require_http_methods(["GET", "POST"])
def contact_delete_view(request: HttpRequest, restaurant_id: int, contact_id: int) -> HttpResponse:
    """A confirmation page, then the API's delete service (a primary's successor is named)."""
    account = _account_or_404(request, restaurant_id)
    contact = _contact_or_404(request, account, contact_id)
    if request.method == "POST":
        try:
            contact_delete(actor=request.user, contact_id=contact.pk)
        except NotFoundError:
            raise Http404("No such contact.") from None
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Contact {contact.name} removed.")
        return redirect("kam:account", restaurant_id=account.pk)
    successor = None
    if contact.is_primary:
        others = contact_list(user=request.user, restaurant=account.pk).exclude(pk=contact.pk)
        successor = others.order_by("created_at", "id").first()
    return render(
        request,
        "kam/contact_delete.html",
        {"account": account, "contact": contact, "successor": successor},
    )


@requires("kam", "change")
@require_http_methods(["GET", "POST"])
def contact_new(request: HttpRequest, restaurant_id: int) -> HttpResponse:
    account = _account_or_404(request, restaurant_id)
    form = ContactForm(request.POST or None)
    if request.method == "POST":
        contact = submit(
            form,
            lambda data: contact_create(actor=request.user, restaurant_id=account.pk, **data),
            lambda data: contact_check(restaurant_id=account.pk, **data),
        )
        if contact is not None:
            messages.success(request, "Contact added.")
            return redirect("kam:account", restaurant_id=account.pk)
    return _form_page(
        request, "kam/form.html", form, account=account, title="New contact", submit="Add"
    )


@requires("kam", "change")
@require_http_methods(["GET", "POST"])
def interaction_new(request: HttpRequest, restaurant_id: int) -> HttpResponse:
    account = _account_or_404(request, restaurant_id)
    form = CallForm(request.POST or None, account=account, contacts=_contacts(request, account))
    if request.method == "POST":
        logged = submit(
            form,
            lambda data: interaction_log(actor=request.user, restaurant_id=account.pk, **data),
            lambda data: interaction_check(restaurant_id=account.pk, **data),
        )
        if logged is not None:
            messages.success(request, "Logged.")
            return redirect("kam:account", restaurant_id=account.pk)
    return _form_page(
        request,
        "kam/form.html",
        form,
        account=account,
        title="Log a call, visit or email",
        submit="Log it",
    )


@requires("kam", "change")
@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest, restaurant_id: int) -> HttpResponse:
    account = _account_or_404(request, restaurant_id)
    form = OrderForm(request.POST or None, account=account, contacts=_contacts(request, account))
    if request.method == "POST":
        order = submit(
            form,
            lambda data: order_log(actor=request.user, restaurant_id=account.pk, **data),
            lambda data: order_check(restaurant_id=account.pk, **data),
        )
        if order is not None:
            messages.success(request, "Order logged.")
            return redirect("kam:account", restaurant_id=account.pk)
    return _form_page(
        request, "kam/form.html", form, account=account, title="Log an order", submit="Log it"
    )


@requires("kam", "view")
@require_GET
def performance_page(request: HttpRequest) -> HttpResponse:
    """Accounts by band, the ones needing attention first (up to 50 per band)."""
    counts = band_counts(user=request.user)
    bands = []
    for band in BAND_ORDER:
        accounts = performance_list(user=request.user, band=band)[:50]
        rows = [(a, performance(a)) for a in accounts]
        bands.append(
            {
                "band": band,
                "label": band.label,
                "count": counts[band.value],
                "rows": rows,
                "badge": BAND_BADGE[band],
            }
        )
    return render(
        request,
        "kam/performance.html",
        {"bands": bands, "thresholds": _thresholds()},
    )


def _thresholds() -> dict:
    return {
        "min_orders": settings.KAM_BAND_MIN_ORDERS,
        "underperforming_gap": settings.KAM_BAND_UNDERPERFORMING_GAP,
        "at_risk_gap": settings.KAM_BAND_AT_RISK_GAP,
        "at_risk_activity": settings.KAM_BAND_AT_RISK_ACTIVITY,
        "well_performing_activity": settings.KAM_BAND_WELL_PERFORMING_ACTIVITY,
    }


#: The accounts list's columns: what sorts, what the CSV export writes.
ACCOUNT_COLUMNS = [
    Column("name", "Restaurant", ("name",)),
    Column("city", "City", ("city",)),
    Column("status", "Status", ("status",), value=lambda a: a.get_status_display()),
    Column("band", "Band", ("band",), value=lambda a: a.get_band_display()),
    Column("kam", "KAM", ("owner__username",), value=lambda a: a.owner.get_username()),
    Column("next_call", "Next call (restaurant time)", ("next_call_due_at",),
           value=lambda a: moment(a.next_call_due_at, a.zone) if a.next_call_due_at else ""),
]  # fmt: skip


@requires("kam", "view")
@require_GET
def accounts_page(request: HttpRequest) -> HttpResponse:
    """Every account the user sees: search, filter by status or band, sort, page, export;
    KAM leads tick accounts to reassign them."""
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    band = request.GET.get("band", "")
    status = status if status in LeadStatus.values else ""
    band = band if band in Band.values else ""
    accounts = account_list(user=request.user, search=query, status=status, band=band)
    table = Table(request, accounts, ACCOUNT_COLUMNS, default_sort="name")
    if table.wants_export:
        return table.export("accounts")
    counts = band_counts(user=request.user)
    return render(
        request,
        "kam/accounts.html",
        {
            "table": table,
            "rows": [(a, BAND_BADGE.get(a.band, "badge-muted")) for a in table.page.object_list],
            "q": query,
            "status": status,
            "band": band,
            "statuses": LeadStatus.choices,
            "bands": [(b, b.label, counts[b.value], BAND_BADGE[b]) for b in BAND_ORDER],
            "can_reassign": can_reassign(request.user),
        },
    )


MAX_REASSIGN = 500


def _account_ids(values: list[str]) -> list[int]:
    """The checked accounts' ids (anything that is not an id is ignored, not a 500)."""
    ids = {int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 12}
    return sorted(ids)[:MAX_REASSIGN]


@requires("kam", "reassign")
@require_http_methods(["GET", "POST"])
def reassign_page(request: HttpRequest) -> HttpResponse:
    """Give accounts to another KAM: the accounts (checked on the list, or one from its page),
    the new KAM and a reason; then a confirmation that says what moves to whom; then the
    same service as the API (each change audited, access moves at once)."""
    source = request.POST if request.method == "POST" else request.GET
    accounts = list(account_list(user=request.user, ids=_account_ids(source.getlist("accounts"))))
    back = _local_path(request, source.get("back", ""), reverse("kam:accounts"))
    form = ReassignForm(request.POST if request.method == "POST" else None)
    confirming = False
    if request.method == "POST":
        ids = [a.pk for a in accounts]

        def check(data: dict) -> bool:
            reassign_check(restaurant_ids=ids, **data)
            return True

        if request.POST.get("confirm") == "yes":
            moved = submit(
                form,
                lambda data: accounts_reassign(actor=request.user, restaurant_ids=ids, **data),
                check,
            )
            if moved is not None:
                new_kam = form.cleaned_data["kam"]
                kept = len(accounts) - moved
                note = f"; {kept} {'were' if kept != 1 else 'was'} theirs already" if kept else ""
                messages.success(
                    request,
                    f"{moved} account{'s' if moved != 1 else ''} moved to "
                    f"{new_kam.get_username()}{note}.",
                )
                return redirect(back)
        else:
            # The review step runs every check too, so the confirmation never promises what
            # the service would refuse.
            confirming = submit(form, check, check) is not None
    moves = []
    if confirming:
        new_kam = form.cleaned_data["kam"]
        moves = [
            {"account": a, "from": a.owner.get_username(), "unchanged": a.owner_id == new_kam.pk}
            for a in accounts
        ]
    return render(
        request,
        "kam/reassign.html",
        {
            "accounts": accounts,
            "form": form,
            "confirming": confirming,
            "moves": moves,
            "moving": sum(not m["unchanged"] for m in moves),
            "back": back,
        },
    )
