from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.api.exceptions import error_body
from core.dashboard import tiles_for
from core.health import readiness
from core.selectors import queue_statuses, recent_pings
from core.services import worker_ping_create


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
    """The database and the broker answer; 503 naming what failed otherwise."""
    results = readiness()
    failed = [result.name for result in results if not result.ok]
    checks = {
        result.name: {"ok": result.ok, "ms": round(result.duration_ms, 1), "error": result.error}
        for result in results
    }
    if failed:
        return JsonResponse(
            {"status": "unavailable", "failed": failed, "checks": checks}, status=503
        )
    return JsonResponse({"status": "ready", "failed": [], "checks": checks})


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/dashboard.html",
        {
            "tiles": tiles_for(request),
            "queues": queue_statuses(),
            "pings": recent_pings(),
        },
    )


@require_POST
def worker_ping(request: HttpRequest) -> HttpResponse:
    record = worker_ping_create(requested_by=request.user)
    messages.info(
        request, f"Ping {str(record.id)[:8]} sent to the workers; refresh to see its round trip."
    )
    return redirect("dashboard")


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return render(request, "404.html", status=404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side; it has been logged."),
            status=500,
        )
    return render(request, "500.html", status=500)
