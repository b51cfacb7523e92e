"""The project's URLs plus views that fail on purpose, for the error-page tests."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns

GUARD_MESSAGE = "This page is for loan officers: it lists the applications sent to the bank."


def guarded(request):
    raise PermissionDenied(GUARD_MESSAGE)


def bare_denied(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("database row 42 has national_id 185077512345678")


@login_not_required
def bad(request):
    raise SuspiciousOperation("a header that makes no sense")


urlpatterns = [
    path("test-errors/guarded/", guarded),
    path("test-errors/denied/", bare_denied),
    path("test-errors/broken/", broken),
    path("test-errors/bad/", bad),
    path("api/test-errors/guarded/", guarded),
    path("api/test-errors/broken/", broken),
    path("api/test-errors/bad/", bad),
    *project_urlpatterns,
]
