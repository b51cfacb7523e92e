from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    return {
        "PLATFORM_NAME": "Back office",
        "ENVIRONMENT_LABEL": settings.ENVIRONMENT_LABEL,
    }
