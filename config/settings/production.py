"""Production: refuses to start without its secrets, and passes `manage.py check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_required, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import (
    CELERY_BROKER_URL,
    LOGGING,
    STORAGES,
    UPLOADS_STORAGE_BACKENDS,
    log_format,
)

# Uploads in the database unless UPLOADS_STORAGE says otherwise: web and workers run on
# several machines with no shared volume (core/storage.py).
UPLOADS_STORAGE = env_choice("UPLOADS_STORAGE", "database", tuple(UPLOADS_STORAGE_BACKENDS))
STORAGES = {
    **STORAGES,
    # Hashed, compressed static files (collected at image build time), served by WhiteNoise.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "uploads": UPLOADS_STORAGE_BACKENDS[UPLOADS_STORAGE],
}

DEBUG = False
SECRET_KEY = env_required("SECRET_KEY", "production needs its own secret key (50+ random chars)")
ALLOWED_HOSTS = [
    host.strip()
    for host in env_required("ALLOWED_HOSTS", "comma-separated host names this site serves").split(
        ","
    )
    if host.strip()
]
env_required("DATABASE_URL", "production runs on PostgreSQL, not the embedded SQLite default")
if not env_str("CELERY_BROKER_URL") or CELERY_BROKER_URL.startswith("filesystem://"):
    # Never fall back silently: the embedded broker only works on one machine.
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must be set: production needs a real broker (redis:// or amqp://)"
    )

# Logs: one JSON object per line for the log pipeline (LOG_FORMAT=plain to read them raw).
LOG_FORMAT = log_format("json")
LOGGING = {
    **LOGGING,
    "handlers": {**LOGGING["handlers"], "console": {**LOGGING["handlers"]["console"]}},
}
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT

# HTTPS everywhere. Behind a TLS-terminating proxy, set SECURE_PROXY_SSL_HEADER_ENABLED=1.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Cookies only over HTTPS; `make run-prod` serves plain HTTP on 127.0.0.1 and turns this off.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
SECURE_REDIRECT_EXEMPT = [
    r"^healthz$",
    r"^readyz$",
    r"^metrics$",
]  # probes and Prometheus speak plain HTTP inside the pod

# --- evaluations: the company registers are the real ones unless a URL says otherwise -------
# (INSEE_API_KEY and HMRC_CLIENT_ID/SECRET come from the environment: docs/evaluations.md.)
from config.settings.base import EVALUATIONS_REGISTERS  # noqa: E402

REAL_REGISTER_URLS = {
    "insee": "https://api.insee.fr/api-sirene/3.11",
    "vies": "https://ec.europa.eu/taxation_customs/vies/rest-api",
    "hmrc": "https://api.service.hmrc.gov.uk",
}
EVALUATIONS_REGISTERS = {
    name: {**conf, "url": conf["url"] or REAL_REGISTER_URLS.get(name, "")}
    for name, conf in EVALUATIONS_REGISTERS.items()
}
