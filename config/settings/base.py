"""Settings shared by every environment. Machine-specific values come from the environment."""

from __future__ import annotations

from pathlib import Path

from celery.schedules import crontab  # noqa: F401  (re-exported for app schedule modules)
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from config.database import database_from_url
from config.env import env_bool, env_choice, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Everything the running system writes locally (SQLite, the filesystem broker, uploads) lives
# under var/, which is git-ignored.
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "")
# Shown in the page header so nobody mistakes staging for production.
ENVIRONMENT_LABEL = env_str("ENVIRONMENT_LABEL", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third party
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    # Ours
    "core",
    "leads",
    "loans",
    "kam",
    "workflows",
    "evaluations",
]

MIDDLEWARE = [
    # First: everything below, and every log line of the request, sees the request id.
    "core.request_id.RequestIdMiddleware",
    # One access-log line per request (method, route, path, status, duration, request id).
    "core.access_log.AccessLogMiddleware",
    # Requests by method, route template and status, and their latency (core.metrics).
    "core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Control characters in headers, query parameters, admin posts (400); big bodies (413).
    "core.boundary.http.InputBoundaryMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    # Pages in the person's own time zone (core.models.UserPreferences).
    "core.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.platform",
                "core.request_id.request_id_context",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# DATABASE_URL (e.g. postgres://user@host:5432/name); default: SQLite in WAL mode under var/.
DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), VAR_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# A form sent without a valid token answers our 403 page (or JSON under /api/).
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

# --- Static files and uploads -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# plotly.js for every chart, served from the installed plotly package (no copy, no CDN):
# `{% static "vendor/plotly.min.js" %}` (core/staticfiles.py).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfiles.PlotlyJsFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files (the workflows' workbooks) go through `storages["uploads"]`, chosen by
# UPLOADS_STORAGE: `filesystem` (the embedded default: files under MEDIA_ROOT/uploads/, one
# machine) or `database` (core.storage.DatabaseStorage, production's default: any process on
# any machine reads them, no shared volume). Never served at MEDIA_URL: a view checks access.
UPLOADS_STORAGE_BACKENDS = {
    "filesystem": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "database": {"BACKEND": "core.storage.DatabaseStorage"},
}
UPLOADS_STORAGE = env_choice("UPLOADS_STORAGE", "filesystem", tuple(UPLOADS_STORAGE_BACKENDS))
STORAGES["uploads"] = UPLOADS_STORAGE_BACKENDS[UPLOADS_STORAGE]
# Uploads: requests over these limits are refused before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 5 * 1024 * 1024)

# --- Input boundary (core/boundary, README "Input rules") ---------------------------------
# Date ranges of the inputs, relative to now: something that happened (a call, an order) is
# at most BOUNDARY_EVENT_MAX_AGE_DAYS old and at most BOUNDARY_CLOCK_SKEW_SECONDS ahead of our
# clock; something planned (the next call) lies between BOUNDARY_PLANNED_PAST_DAYS ago and
# BOUNDARY_PLANNING_HORIZON_DAYS ahead. Birth dates: 1900-01-01 .. today; dates in filters and
# commands: 1900-01-01 .. 2100-12-31 (fixed).
BOUNDARY_EVENT_MAX_AGE_DAYS = env_int("BOUNDARY_EVENT_MAX_AGE_DAYS", 5 * 365)
BOUNDARY_CLOCK_SKEW_SECONDS = env_int("BOUNDARY_CLOCK_SKEW_SECONDS", 300)
BOUNDARY_PLANNED_PAST_DAYS = env_int("BOUNDARY_PLANNED_PAST_DAYS", 7)
BOUNDARY_PLANNING_HORIZON_DAYS = env_int("BOUNDARY_PLANNING_HORIZON_DAYS", 2 * 365)
# API JSON bodies nested deeper than this are refused (our inputs need 2 levels).
BOUNDARY_JSON_MAX_DEPTH = env_int("BOUNDARY_JSON_MAX_DEPTH", 32)

# --- Security defaults shared by every environment ----------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the admin and our pages read it from the form, not JS
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Metrics (core.metrics, docs/operations.md) ------------------------------------------
# Prometheus scrapes /metrics with `Authorization: Bearer <METRICS_TOKEN>`; empty: no token is
# accepted (only signed-in users whose role may read the metrics, core.access "system").
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# A Celery worker's main process serves its machine's metrics on this port (0: it does not;
# core.metrics.start_worker_metrics_server). PROMETHEUS_MULTIPROC_DIR: see docs/operations.md.
METRICS_PORT = env_int("METRICS_PORT", 0)

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous API client gets 401 with `WWW-Authenticate: Token`.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.SelectorFilterBackend",  # filters through the app's selector
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
    # Every body is checked once: control characters, JSON depth, numbers (core.boundary).
    "DEFAULT_PARSER_CLASSES": [
        "core.boundary.parsers.JSONParser",
        "core.boundary.parsers.FormParser",
        "core.boundary.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Back-office platform API",
    "DESCRIPTION": (
        "REST API of the back-office platform. Every endpoint needs authentication: "
        "a session (signed-in staff) or a token (`Authorization: Token <key>`, "
        "created with `manage.py drf_create_token <user>`). Errors share one shape: "
        '`{"error": {"code", "message", "fields", "request_id"}}`; `request_id` (also the '
        "`X-Request-ID` response header) is what to quote to support."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

# --- Celery -------------------------------------------------------------------------------
# CELERY_BROKER_URL: redis://..., amqp://..., or the default `filesystem://`, kombu's broker
# that needs no server: messages are files under CELERY_FILESYSTEM_BROKER_DIR, shared by the
# web process and the worker processes on one machine.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost/")
CELERY_FILESYSTEM_BROKER_DIR = Path(
    env_str("CELERY_FILESYSTEM_BROKER_DIR", str(VAR_DIR / "broker"))
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_FILESYSTEM_BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": env_float("CELERY_FILESYSTEM_POLLING_INTERVAL", 0.1),
    }
    for _folder in ("queue", "control"):
        (CELERY_FILESYSTEM_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # With late acks, a message taken by a worker that dies is redelivered after this
        # long (Redis). Longer than any task's hard time limit plus its retry countdowns.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900),
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_TASK_ALWAYS_EAGER = False  # never: background work really runs in a worker
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # tasks write their outcome to the database, not a backend
CELERY_RESULT_BACKEND = None
CELERY_RESULT_EXPIRES = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 150)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (
    Queue("default", Exchange("default"), routing_key="default"),
    Queue("polling", Exchange("polling"), routing_key="polling"),
)
CELERY_TASK_ROUTES: dict[str, dict[str, str]] = {
    # Everything that polls an external system runs on the poller, apart from the web's work.
    "loans.dispatch_due": {"queue": "polling"},
    "loans.poll_batch": {"queue": "polling"},
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic tasks are declared in each app's `schedules.py` and synced into the database
# (`manage.py sync_schedules`, also run after migrate), where staff see and edit them.
CELERY_BEAT_SCHEDULE: dict = {}
# Tests only: clear the content-type cache before each task (see core.apps).
CLEAR_CONTENT_TYPE_CACHE_PER_TASK = False
DJANGO_CELERY_BEAT_TZ_AWARE = True
# Beat sends a heartbeat to every queue every 30 s (core.schedules). A queue whose last one was
# consumed longer ago than this has no worker taking its work (or beat is down): /readyz says
# "degraded" naming it (still 200: see core.health) and the dashboard shows a warning. 90 s =
# three missed heartbeats, so one slow heartbeat behind a long task does not raise an alarm.
QUEUE_HEARTBEAT_STALE_AFTER = env_float("QUEUE_HEARTBEAT_STALE_AFTER", 90.0)

# --- External systems (the simulators in development; the real systems in production) ------
SIMULATORS_URL = env_str("SIMULATORS_URL", "http://127.0.0.1:8100")
BANK_API_URL = env_str("BANK_API_URL", SIMULATORS_URL)
EXTERNAL_HTTP_CONNECT_TIMEOUT = env_float("EXTERNAL_HTTP_CONNECT_TIMEOUT", 3.0)
EXTERNAL_HTTP_TIMEOUT = env_float("EXTERNAL_HTTP_TIMEOUT", 10.0)
REGISTRY_API_URL = env_str("REGISTRY_API_URL", SIMULATORS_URL)
ARCHIVES_API_URL = env_str("ARCHIVES_API_URL", SIMULATORS_URL)
SCORING_API_URL = env_str("SCORING_API_URL", SIMULATORS_URL)

# --- loans --------------------------------------------------------------------------------
# Polling: the bank decides 5-20 s after submission. The first poll waits for the earliest
# decision, then every LOANS_POLL_INTERVAL while a decision is expected, then backs off
# (doubling up to LOANS_POLL_MAX_INTERVAL) for applications that stay pending.
LOANS_FIRST_POLL_DELAY = env_float("LOANS_FIRST_POLL_DELAY", 5.0)
LOANS_POLL_INTERVAL = env_float("LOANS_POLL_INTERVAL", 2.0)
LOANS_POLL_BACKOFF_AFTER = env_float("LOANS_POLL_BACKOFF_AFTER", 30.0)
LOANS_POLL_MAX_INTERVAL = env_float("LOANS_POLL_MAX_INTERVAL", 300.0)
LOANS_POLL_BATCH_SIZE = env_int("LOANS_POLL_BATCH_SIZE", 50)
LOANS_POLL_CONCURRENCY = env_int("LOANS_POLL_CONCURRENCY", 20)
LOANS_DISPATCH_EVERY = env_float("LOANS_DISPATCH_EVERY", 1.0)
# Submission retries (5xx, timeouts): exponential backoff with full jitter.
LOANS_SUBMIT_RETRY_BASE = env_float("LOANS_SUBMIT_RETRY_BASE", 2.0)
LOANS_SUBMIT_RETRY_MAX = env_float("LOANS_SUBMIT_RETRY_MAX", 300.0)
# Submissions: a new application is due at once; creating it asks for a prompt dispatch (one
# waiting at a time), which claims due submissions LOANS_SUBMIT_BATCH_SIZE at a time; each
# batch is one task sending LOANS_SUBMIT_CONCURRENCY requests at a time through one client.
LOANS_SUBMIT_BATCH_SIZE = env_int("LOANS_SUBMIT_BATCH_SIZE", 50)
LOANS_SUBMIT_CONCURRENCY = env_int("LOANS_SUBMIT_CONCURRENCY", 20)
# A claim on an application expires after this, so work held by a killed worker resumes.
LOANS_CLAIM_LEASE = env_float("LOANS_CLAIM_LEASE", 60.0)
LOANS_BANK_TIMEOUT = env_float("LOANS_BANK_TIMEOUT", 5.0)
# The batches' async bank client sends through aiohttp ("aiohttp", a fifth of the CPU per
# call) or httpx's own pool ("httpx"; the unit tests' respx mocks need it).
LOANS_BANK_TRANSPORT = env_str("LOANS_BANK_TRANSPORT", "aiohttp")
LOANS_MIN_AMOUNT = env_int("LOANS_MIN_AMOUNT", 100)
LOANS_MAX_AMOUNT = env_int("LOANS_MAX_AMOUNT", 1_000_000)
LOANS_CURRENCIES = env_list("LOANS_CURRENCIES", ["EUR", "GBP", "USD", "CHF"])

# --- leads --------------------------------------------------------------------------------
# Country whose national identification number a lead carries, validated with python-stdnum
# (see leads.national_id.VALIDATORS): FR = French NIR / social security number.
NATIONAL_ID_COUNTRY = env_str("NATIONAL_ID_COUNTRY", "FR")
# One qualification run (both checks in parallel, then the score) must end within this.
QUALIFICATION_TIMEOUT = env_float("QUALIFICATION_TIMEOUT", 8.0)
# A score strictly greater than this makes a prospect.
PROSPECT_SCORE_THRESHOLD = env_int("PROSPECT_SCORE_THRESHOLD", 60)
# Leads qualified at once by the CLI; one httpx client per system degrades past ~10 in flight.
LEADS_BULK_CONCURRENCY = env_int("LEADS_BULK_CONCURRENCY", 10)
# An unfinished run older than this is taken as lost (dead worker, lost message) and may be
# replaced by a new one. Longer than QUALIFICATION_TIMEOUT plus any queueing.
QUALIFICATION_STALE_AFTER = env_int("QUALIFICATION_STALE_AFTER", 300)

# --- evaluations --------------------------------------------------------------------------
# Nightly decay: rows per set-based UPDATE (primary-key ranges), then re-evaluations of the due
# ones by at most EVALUATIONS_REEVALUATION_CONCURRENCY workers (or threads for the command) at
# once; a claimed row is retried after EVALUATIONS_CLAIM_LEASE seconds if its worker died.
# 100,000 rows: ten statements for a million rows (about a second each, holding the chunk's
# row locks that long), within 1.1x of one raw UPDATE (issue 12).
EVALUATIONS_DECAY_CHUNK_SIZE = env_int("EVALUATIONS_DECAY_CHUNK_SIZE", 100_000)
EVALUATIONS_REEVALUATION_CONCURRENCY = env_int("EVALUATIONS_REEVALUATION_CONCURRENCY", 8)
EVALUATIONS_CLAIM_LEASE = env_float("EVALUATIONS_CLAIM_LEASE", 120.0)
# A re-evaluation task stops taking rows after this long and hands over to a fresh task.
EVALUATIONS_RUNNER_BUDGET = env_float("EVALUATIONS_RUNNER_BUDGET", 60.0)
# Seed of the VAT fake (unset: unseeded); the sequence of answers is per process.
_vat_fake_seed = env_int("EVALUATIONS_VAT_FAKE_SEED", -1)
EVALUATIONS_VAT_FAKE_SEED = _vat_fake_seed if _vat_fake_seed >= 0 else None

# --- evaluations: the company registers (docs/evaluations.md) ------------------------------
# Source per type and country, by name: "insee" (SIREN), "vies" (EU VAT), "hmrc" (GB VAT),
# "random" (the VAT fake, for demos and tests).
EVALUATIONS_SIREN_SOURCE = env_str("EVALUATIONS_SIREN_SOURCE", "insee")
EVALUATIONS_VAT_SOURCE = env_str("EVALUATIONS_VAT_SOURCE", "vies")
EVALUATIONS_VAT_GB_SOURCE = env_str("EVALUATIONS_VAT_GB_SOURCE", "hmrc")
# The credentials the simulators accept: the defaults here, refused by production against a
# real register (config/settings/production.py).
SIMULATED_REGISTER_CREDENTIALS = {
    "INSEE_API_KEY": "simulated-integration-key",
    "HMRC_CLIENT_ID": "simulated-client",
    "HMRC_CLIENT_SECRET": "simulated-secret",
}
# Each register: its base URL (unset: the simulators at SIMULATORS_URL + the real path), its
# secrets from the environment, and its published limits, kept by all workers together.
EVALUATIONS_REGISTERS = {
    "insee": {
        "url": env_str("INSEE_API_URL", ""),  # https://api.insee.fr/api-sirene/3.11
        "simulated_path": "/api-sirene/3.11",
        "key": env_str("INSEE_API_KEY", SIMULATED_REGISTER_CREDENTIALS["INSEE_API_KEY"]),
        "per_minute": env_int("INSEE_PER_MINUTE", 30),
    },
    "vies": {
        "url": env_str("VIES_API_URL", ""),  # https://ec.europa.eu/taxation_customs/vies/rest-api
        "simulated_path": "/taxation_customs/vies/rest-api",
        "concurrency": env_int("VIES_CONCURRENCY", 4),
        "per_minute": env_int("VIES_PER_MINUTE", 0),
    },
    "hmrc": {
        "url": env_str("HMRC_API_URL", ""),  # https://api.service.hmrc.gov.uk
        "simulated_path": "",
        "client_id": env_str("HMRC_CLIENT_ID", SIMULATED_REGISTER_CREDENTIALS["HMRC_CLIENT_ID"]),
        "client_secret": env_str(
            "HMRC_CLIENT_SECRET", SIMULATED_REGISTER_CREDENTIALS["HMRC_CLIENT_SECRET"]
        ),
        "per_second": env_int("HMRC_PER_SECOND", 3),
    },
}
EVALUATIONS_REGISTER_TIMEOUT = env_float("EVALUATIONS_REGISTER_TIMEOUT", 10.0)
# Where the shared limits live: "auto" (the broker's Redis, else the database), "redis",
# "database", or "off". Turns are spaced (window + jitter) / limit: room for the network's
# jitter, so arrivals never put more than the limit in one window.
EVALUATIONS_LIMITER = env_str("EVALUATIONS_LIMITER", "auto")
EVALUATIONS_LIMIT_JITTER = env_float("EVALUATIONS_LIMIT_JITTER", 0.25)
# How long a person's request waits for a register's turn (the runners wait up to their budget).
EVALUATIONS_LIMIT_MAX_WAIT = env_float("EVALUATIONS_LIMIT_MAX_WAIT", 10.0)
# 429 and "too many concurrent requests": retries with exponential backoff from this many
# seconds (a 429 without Retry-After also holds every worker back this long).
EVALUATIONS_REGISTER_RETRIES = env_int("EVALUATIONS_REGISTER_RETRIES", 3)
EVALUATIONS_REGISTER_BACKOFF = env_float("EVALUATIONS_REGISTER_BACKOFF", 2.0)
# Due SIRENs a runner answers with one INSEE multi-criteria search (at most 1,000 a page).
EVALUATIONS_BATCH_SIZE = env_int("EVALUATIONS_BATCH_SIZE", 1000)

# --- kam ----------------------------------------------------------------------------------
# Health bands (kam/performance.py) compare an account's recent ordering with its own usual
# rhythm: the average interval between its orders (needs KAM_BAND_MIN_ORDERS orders).
#   gap = days since the last order / average interval
#   activity = orders in the last 90 days / (90 / average interval)   (expected orders)
# underperforming: gap >= KAM_BAND_UNDERPERFORMING_GAP
# at risk:         gap >= KAM_BAND_AT_RISK_GAP or activity < KAM_BAND_AT_RISK_ACTIVITY
# well-performing: activity >= KAM_BAND_WELL_PERFORMING_ACTIVITY (and not at risk)
# steady:          everything else; fewer orders than the minimum: not rated yet.
KAM_BAND_MIN_ORDERS = env_int("KAM_BAND_MIN_ORDERS", 3)
KAM_BAND_UNDERPERFORMING_GAP = env_float("KAM_BAND_UNDERPERFORMING_GAP", 3.0)
KAM_BAND_AT_RISK_GAP = env_float("KAM_BAND_AT_RISK_GAP", 1.5)
KAM_BAND_AT_RISK_ACTIVITY = env_float("KAM_BAND_AT_RISK_ACTIVITY", 0.5)
KAM_BAND_WELL_PERFORMING_ACTIVITY = env_float("KAM_BAND_WELL_PERFORMING_ACTIVITY", 1.2)
# Working days for call retries (0 = Monday ... 6 = Sunday), in the account's local time.
KAM_WORKING_DAYS = [int(day) for day in env_list("KAM_WORKING_DAYS", ["0", "1", "2", "3", "4"])]
# Currencies an account may order in (one per account).
KAM_CURRENCIES = env_list("KAM_CURRENCIES", ["EUR", "GBP", "USD", "CHF", "INR"])
# Accounts per chunk of the nightly performance snapshot.
KAM_SNAPSHOT_CHUNK_SIZE = env_int("KAM_SNAPSHOT_CHUNK_SIZE", 2_000)

# --- workflows ----------------------------------------------------------------------------
# Definitions are YAML/JSON files in these folders (comma-separated), validated when loaded.
WORKFLOWS_DEFINITIONS_DIRS = env_list(
    "WORKFLOWS_DEFINITIONS_DIRS", [str(BASE_DIR / "workflows" / "definitions")]
)
# Excel uploads: refused above this size, before anything reads them.
WORKFLOWS_UPLOAD_MAX_BYTES = env_int("WORKFLOWS_UPLOAD_MAX_BYTES", 2 * 1024 * 1024)
# Zip-bomb guards, checked on the zip's directory before openpyxl opens it: the total
# uncompressed size, the overall compression ratio (beyond 1 MiB uncompressed) and the number
# of parts.
WORKFLOWS_XLSX_MAX_UNCOMPRESSED_BYTES = env_int(
    "WORKFLOWS_XLSX_MAX_UNCOMPRESSED_BYTES", 20 * 1024 * 1024
)
WORKFLOWS_XLSX_MAX_COMPRESSION_RATIO = env_int("WORKFLOWS_XLSX_MAX_COMPRESSION_RATIO", 100)
WORKFLOWS_XLSX_MAX_PARTS = env_int("WORKFLOWS_XLSX_MAX_PARTS", 200)
# Rows read from a sheet (blank ones included) before it is refused as too long.
WORKFLOWS_EXCEL_MAX_ROWS = env_int("WORKFLOWS_EXCEL_MAX_ROWS", 1000)
# Currencies a workflow form offers (a `currency` field) and the one it proposes.
WORKFLOWS_CURRENCIES = env_list("WORKFLOWS_CURRENCIES", ["EUR", "GBP", "USD", "CHF"])
WORKFLOWS_DEFAULT_CURRENCY = env_str("WORKFLOWS_DEFAULT_CURRENCY", "EUR")
# A file chosen on a form is kept this many seconds for its preview and confirmation.
WORKFLOWS_STAGED_UPLOAD_TTL = env_int("WORKFLOWS_STAGED_UPLOAD_TTL", 3600)
# An automatic step claimed by a worker that died is retried after this many seconds.
WORKFLOWS_CLAIM_LEASE = env_float("WORKFLOWS_CLAIM_LEASE", 120.0)

# --- Logging ------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")


def log_format(default: str) -> str:
    """LOG_FORMAT: `plain` (a line for people; the default but in production) or `json` (one
    JSON object per line for a log pipeline, production's default): see core/logs.py."""
    value = (env_str("LOG_FORMAT", "") or default).strip().lower()
    if value not in ("plain", "json"):
        raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, got {value!r}")
    return value


LOG_FORMAT = log_format("plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line carries the request id (a web request's; in a worker, the id of whoever sent
    # the task, else its own: core/request_id.py): the reference pages and API errors show
    # people, so support can find the detail here.
    "filters": {"request_id": {"()": "core.request_id.RequestIdLogFilter"}},
    "formatters": {
        # `extra=` fields follow the message as ` key=value`.
        "plain": {
            "class": "core.logs.PlainFormatter",
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        },
        # One JSON object per line: timestamp, level, logger, event, request_id, extras.
        "json": {"()": "core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "httpx": {"level": "WARNING"},
        # One line per task received/succeeded and per beat send is noise when the loans
        # dispatcher runs every second; tasks log what they did themselves. CELERY_TASK_LOG_LEVEL
        # =INFO brings the lines back.
        "celery.app.trace": {"level": env_str("CELERY_TASK_LOG_LEVEL", "WARNING")},
        "celery.worker.strategy": {"level": env_str("CELERY_TASK_LOG_LEVEL", "WARNING")},
        "celery.beat": {"level": env_str("CELERY_TASK_LOG_LEVEL", "WARNING")},
        # runserver's own line per request doubles core.access's; its 4xx/5xx lines stay.
        "django.server": {"level": "WARNING"},
    },
}
