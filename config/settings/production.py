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
from config.settings.base import (  # noqa: E402
    EVALUATIONS_REGISTERS,
    EVALUATIONS_SIREN_SOURCE,
    EVALUATIONS_VAT_GB_SOURCE,
    EVALUATIONS_VAT_SOURCE,
    SIMULATED_REGISTER_CREDENTIALS,
    SIMULATORS_URL,
)

REAL_REGISTER_URLS = {
    "insee": "https://api.insee.fr/api-sirene/3.11",
    "vies": "https://ec.europa.eu/taxation_customs/vies/rest-api",
    "hmrc": "https://api.service.hmrc.gov.uk",
}
EVALUATIONS_REGISTERS = {
    name: {**conf, "url": conf["url"] or REAL_REGISTER_URLS.get(name, "")}
    for name, conf in EVALUATIONS_REGISTERS.items()
}

# Never ask a real register with the simulators' credentials (or none, or the Secret example's
# placeholders): refuse to start, as for SECRET_KEY. A register whose URL is under
# SIMULATORS_URL (`make run-prod`, compose's default) takes the simulators' own; a register no
# source uses (EVALUATIONS_*_SOURCE=random) needs none.
REGISTER_CREDENTIALS = {
    "insee": {"key": "INSEE_API_KEY"},
    "hmrc": {"client_id": "HMRC_CLIENT_ID", "client_secret": "HMRC_CLIENT_SECRET"},
}


def _simulated(url: str) -> bool:
    simulators = (SIMULATORS_URL or "").rstrip("/")
    return bool(simulators) and (url.rstrip("/") == simulators or url.startswith(simulators + "/"))


def _unusable(register: str, field: str, variable: str) -> bool:
    value = (EVALUATIONS_REGISTERS[register].get(field) or "").strip()
    return not value or value == SIMULATED_REGISTER_CREDENTIALS[variable] or "CHANGE-ME" in value


_used = {EVALUATIONS_SIREN_SOURCE, EVALUATIONS_VAT_SOURCE, EVALUATIONS_VAT_GB_SOURCE}
_refused = {
    register: [
        variable for field, variable in fields.items() if _unusable(register, field, variable)
    ]
    for register, fields in REGISTER_CREDENTIALS.items()
    if register in _used and not _simulated(EVALUATIONS_REGISTERS[register]["url"])
}
if any(_refused.values()):
    variables = [variable for names in _refused.values() for variable in names]
    urls = ", ".join(
        EVALUATIONS_REGISTERS[register]["url"] for register, names in _refused.items() if names
    )
    raise ImproperlyConfigured(
        f"{', '.join(variables)} must be set: production asks the real register ({urls}) and "
        "they are missing, placeholders or the simulators' defaults; set the credentials from "
        "the register's portal, or point the register's URL at the simulators (SIMULATORS_URL)"
    )
