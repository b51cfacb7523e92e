"""The Celery application: configuration comes from Django settings (CELERY_* names)."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import setup_logging
from kombu.transport import TRANSPORT_ALIASES

# `filesystem://` uses our atomic variant of kombu's transport (see core/broker.py).
TRANSPORT_ALIASES["filesystem"] = "core.broker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _use_django_logging(**kwargs) -> None:
    """Workers and beat log with settings.LOGGING, like the web: the same format, with the
    request id (a task's id) on every line, instead of Celery replacing the root handlers.
    The log level comes from LOG_LEVEL (celery's --loglevel no longer applies)."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
