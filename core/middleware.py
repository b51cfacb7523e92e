import zoneinfo

from django.contrib.auth import middleware as auth_middleware
from django.utils import timezone
from rest_framework.views import APIView


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Every page needs a signed-in user unless marked `@login_not_required`.

    API views are left to DRF, which authenticates sessions and tokens itself and answers an
    anonymous client with 401 JSON instead of a redirect to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class UserTimeZoneMiddleware:
    """Pages show times in the signed-in person's time zone (their preferences; the server's
    when they chose none). The API answers the same whoever asks (ISO 8601 with offsets)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from core.selectors import user_time_zone

        name = ""
        if not request.path.startswith("/api/"):
            name = user_time_zone(getattr(request, "user", None))
        if not name:
            return self.get_response(request)
        try:
            timezone.activate(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return self.get_response(request)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
