"""Production: refuses to start without its secrets, and passes `manage.py check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_required, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import CELERY_BROKER_URL, STORAGES

# Hashed, compressed static files (collected at image build time), served by WhiteNoise.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
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

# HTTPS everywhere. Behind a TLS-terminating proxy, set SECURE_PROXY_SSL_HEADER_ENABLED=1.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
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
