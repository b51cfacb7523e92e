"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")

application = get_wsgi_application()

# Everything loaded out of the garbage collector's reach, and a request's garbage collected
# once its response is sent, not in the middle of the next one (core/memory.py, issue 12).
from core.memory import tune_web_process  # noqa: E402

tune_web_process()
