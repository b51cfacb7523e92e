from django.contrib.auth import middleware as auth_middleware
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
