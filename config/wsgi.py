"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")

application = get_wsgi_application()

# Import every view now, then move everything loaded so far out of the garbage collector's
# reach (gc.freeze): a full collection then walks only what requests allocate, not the
# hundreds of thousands of long-lived objects of Django and the apps (issue 12: full
# collections of 90-300 ms made the p95 of the list endpoints).
get_resolver().url_patterns  # noqa: B018
gc.freeze()
