from __future__ import annotations

import hmac
import logging

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import present
from core.access import can
from core.api.exceptions import error_body
from core.dashboard import tiles_for
from core.errors import ApplicationError
from core.forms import ProfileForm, SearchForm, add_application_error
from core.health import readiness
from core.metrics import scrape
from core.request_id import current_request_id
from core.search import MIN_LENGTH, search_everything
from core.selectors import queue_statuses, recent_pings, user_time_zone
from core.services import user_time_zone_set, worker_ping_create

logger = logging.getLogger(__name__)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests. Touches nothing else."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """503 naming what failed when the database or the broker does not answer; 200 otherwise,
    "degraded" naming the queues no worker is consuming (see core.health for why not 503).
    Anonymous: sentences only, the detail is logged."""
    report = readiness()
    return JsonResponse(report.as_json(), status=report.http_status)


@login_not_required
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics (core.metrics). Machines send `Authorization: Bearer
    <METRICS_TOKEN>`; people need a role that may read them (core.access "system").
    Anonymous: 401; a wrong token or a role without it: 403; neither says more."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        expected = settings.METRICS_TOKEN
        allowed = (
            scheme.lower() == "bearer"
            and bool(expected)
            and hmac.compare_digest(token.strip().encode(), expected.encode())
        )
    elif request.user.is_authenticated:
        allowed = can(request.user, "system", "metrics")
    else:
        response = HttpResponse(status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not allowed:
        return HttpResponse(status=403, content_type="text/plain")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    body, content_type = scrape()
    return HttpResponse(body, content_type=content_type)


metrics.access_requirement = ("system", "metrics")  # read by the persona-matrix test


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return render(request, "core/_system.html", _system_context())
    return render(
        request, "core/dashboard.html", {"tiles": tiles_for(request), **_system_context()}
    )


def _system_context() -> dict:
    """The dashboard's live "System" part: the queues' heartbeats and the recent pings."""
    queues = queue_statuses()
    stopped = [queue for queue in queues if not queue.healthy]
    pings = list(recent_pings())
    return {
        "queues": queues,
        "stopped_queues": stopped,
        "every_queue_stopped": bool(queues) and len(stopped) == len(queues),
        "stale_after": present.duration(settings.QUEUE_HEARTBEAT_STALE_AFTER),
        "pings": pings,
        "ping_waiting": any(ping.executed_at is None for ping in pings),
    }


@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """The top bar's search. It posts, so what was typed (a name, an email, a national id)
    stays out of URLs; a GET shows the empty form."""
    form = SearchForm(request.POST if request.method == "POST" else None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    groups = search_everything(user=request.user, text=text) if text else []
    return render(
        request,
        "core/search.html",
        {
            "form": form,
            "q": text,
            "groups": groups,
            "found": sum(len(group.hits) for group in groups),
            "too_short": bool(text) and len(text) < MIN_LENGTH,
        },
    )


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """A person's own settings: the time zone their pages show times in."""
    form = ProfileForm(request.POST or None, initial={"time_zone": user_time_zone(request.user)})
    if request.method == "POST" and form.is_valid():
        try:
            chosen = user_time_zone_set(user=request.user, time_zone=form.cleaned_data["time_zone"])
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request,
                f"Times are now shown in {chosen or settings.TIME_ZONE}"
                + ("" if chosen else " (the server's time zone)")
                + ".",
            )
            return redirect("profile")
    return render(
        request,
        "core/profile.html",
        {"form": form, "now": timezone.now(), "server_zone": settings.TIME_ZONE},
    )


@require_POST
def worker_ping(request: HttpRequest) -> HttpResponse:
    record = worker_ping_create(actor=request.user)
    if request.headers.get("HX-Request"):
        # The page stays; the system part shows the ping waiting, then its round trip.
        return render(
            request,
            "core/_system.html",
            {**_system_context(), "sent": str(record.id)[:8]},
        )
    messages.info(
        request, f"Ping {str(record.id)[:8]} sent to the workers; its round trip shows below."
    )
    return redirect("dashboard")


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


#: The apps mounted at /<app>/ (config.urls.APPS): a 404 under one offers a way back to it.
SECTIONS = ("leads", "loans", "kam", "workflows", "evaluations")


def _section(request: HttpRequest) -> dict[str, str] | None:
    """The app a missing page's URL belongs to, with its list page, if any."""
    first = request.path.strip("/").split("/", 1)[0]
    if first not in SECTIONS:
        return None
    return {"url": f"/{first}/", "label": apps.get_app_config(first).verbose_name}


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: what the page is for (the guard's message, when it gave one) and who can help."""
    reason = str(exception or "").strip()
    if _wants_json(request):
        message = reason or "You do not have permission to do this."
        return JsonResponse(error_body("permission_denied", message), status=403)
    return render(request, "403.html", {"reason": reason}, status=403)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its valid security token (settings.CSRF_FAILURE_VIEW)."""
    logger.warning("CSRF check failed: %s", reason)
    message = (
        "This form has expired (its security token is missing or out of date, which happens "
        "when a page stays open across a sign-in or sign-out). Go back, reload the page and "
        "send it again."
    )
    if _wants_json(request):
        return JsonResponse(error_body("csrf_failed", message), status=403)
    return render(request, "403.html", {"reason": message, "csrf": True}, status=403)


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return render(request, "404.html", {"section": _section(request)}, status=404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    """500. Django has logged the exception (with the request id) before calling this."""
    if _wants_json(request):
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side; it has been logged."),
            status=500,
        )
    try:
        return render(request, "500.html", status=500)
    except Exception:
        # The page's own layout needs the session and the navigation (the database): when
        # they are what broke, show the same page without them rather than nothing.
        logger.exception("the 500 page could not be rendered with the site navigation")
    try:
        content = loader.get_template("500.html").render(
            {"request_id": current_request_id(), "PLATFORM_NAME": "Back office"}
        )
    except Exception:
        logger.exception("the 500 page could not be rendered")
        content = (
            "<!DOCTYPE html><title>Server error</title><h1>Something went wrong</h1>"
            f"<p>It has been logged. Reference: {current_request_id()}</p>"
        )
    return HttpResponse(content, status=500)
