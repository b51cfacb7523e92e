from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.navigation import nav_links


def platform(request: HttpRequest) -> dict:
    return {
        "PLATFORM_NAME": "Back office",
        "ENVIRONMENT_LABEL": settings.ENVIRONMENT_LABEL,
        # Lazy: computed only by pages that render the navigation (not by JSON views).
        "NAV_LINKS": SimpleLazyObject(lambda: nav_links(request)),
    }
