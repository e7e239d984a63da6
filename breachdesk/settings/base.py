"""Settings shared by every environment. Environment-specific modules import from here."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from breachdesk.logs import logging_config

from .env import env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("BREACHDESK_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from the package, not a CDN
    "django_q",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "incidents",
    "incidents.intake",
    "notifications",
    "notifications.notices",
    "notifications.filings",
    "breachdesk",
    "breachdesk.web",
]

MIDDLEWARE = [
    # Outermost but for metrics: every error under /api/ leaves as JSON in the error shape.
    "breachdesk.api.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "breachdesk.web.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "breachdesk.urls"
WSGI_APPLICATION = "breachdesk.wsgi.application"

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
                "csp.context_processors.nonce",  # {{ CSP_NONCE }} for inline <script nonce>
            ],
        },
    },
]


def database_from_env(default_url: str) -> dict:
    """DATABASE_URL wins everywhere; SQLite gets WAL and IMMEDIATE transactions."""
    config = dj_database_url.parse(env_str("DATABASE_URL", default_url), conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock at BEGIN so that read-then-write sequences (the
        # audit chain head, deduplication) serialise instead of failing with SQLITE_BUSY.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # No JIT: BreachDesk's statements are short, but some have large planner costs (the
        # reminder sweep's due-steps scan, ~1.7 million units at 10,000 running duties), and
        # PostgreSQL then spent 6.5 s compiling a 0.12 s scan (bench/RESULTS.md, reminders).
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


DATABASES = {"default": database_from_env(f"sqlite:///{VAR_DIR / 'breachdesk.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Checks `manage.py verify_audit` runs after the chain: each returns a list of problems.
AUDIT_CROSS_CHECKS = ["notifications.filings.selectors.filing_snapshot_problems"]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login lockout (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked.html"
# Second factor (django-otp TOTP) for the roles that decide and administer; the issuer is the
# name an authenticator app shows next to the code.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "BreachDesk")
BREACHDESK_2FA_GROUPS = ("dpo", "admin")

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: unauthenticated API calls then get 401 with WWW-Authenticate.
        "breachdesk.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # One JSON parser for the whole API: size and depth limits, 400/413 in JSON.
    "DEFAULT_PARSER_CLASSES": ["breachdesk.api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "breachdesk.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "breachdesk.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "60/min"),
        "user": env_str("THROTTLE_USER", "1200/min"),
    },
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "BreachDesk API",
    "DESCRIPTION": (
        "Personal-data breach register, risk assessment, legal clocks and alert intake. "
        "Every timestamp is ISO 8601 with an offset; naive timestamps are rejected."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "OrganizationRoleEnum": "incidents.models.organization.OrgRole",
        "IncidentRoleEnum": "incidents.models.incident.IncidentRole",
        "FilingChannelEnum": "notifications.filings.models.FilingChannel",
        "EvidenceChannelEnum": "incidents.models.obligation.EVIDENCE_CHANNELS",
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Content-Security-Policy on every response (django-csp): only this origin's scripts, and
# inline scripts only with the per-request nonce (`<script nonce="{{ CSP_NONCE }}">`).
# Styles may be inline (Swagger UI and Redoc inject them); nothing loads from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REDIS_URL = env_str("REDIS_URL", "")
Q_CLUSTER = {
    "name": "breachdesk",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 3,
    "ack_failures": True,
    "catch_up": False,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    Q_CLUSTER["broker_class"] = "breachdesk.broker.SharedRedis"  # one client per process
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    Q_CLUSTER["orm"] = "default"

# Outbound messages: the outbox records them unless an operator configures providers.
SENDGRID_API_KEY = env_str("SENDGRID_API_KEY", "")
SENDGRID_API_HOST = env_str("SENDGRID_API_HOST", "https://api.sendgrid.com")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
TWILIO_API_BASE = env_str("TWILIO_API_BASE", "")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "breachdesk@localhost")
# Twilio: a Messaging Service (pool of senders, its own rate handling) instead of one number.
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID", "")
# Receipts: the SendGrid Event Webhook's ECDSA public key (Settings > Mail Settings > Event
# Webhook > Signed Event Webhook); unsigned or forged receipts are refused (403).
SENDGRID_WEBHOOK_PUBLIC_KEY = env_str("SENDGRID_WEBHOOK_PUBLIC_KEY", "")
# A signed receipt older than this (by its signed timestamp) is a replay and is refused.
NOTIFICATIONS_RECEIPT_MAX_AGE_SECONDS = env_int("NOTIFICATIONS_RECEIPT_MAX_AGE_SECONDS", 600)
# Sending: 429/5xx are retried with exponential back-off (base seconds) up to MAX_TRIES.
# Per HTTP call to SendGrid/Twilio (the libraries have none); far below leases and Q timeout.
NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = env_int("NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS", 10)
NOTIFICATIONS_MAX_TRIES = env_int("NOTIFICATIONS_MAX_TRIES", 6)
NOTIFICATIONS_RETRY_BACKOFF_SECONDS = env_int("NOTIFICATIONS_RETRY_BACKOFF_SECONDS", 2)
# Campaigns: SendGrid personalizations per request (SendGrid allows 1,000), SMS per second
# per worker (Twilio's long-code default is 1/s; a Messaging Service or short code allows
# more), the lease a worker holds on a chunk, how long an `unknown` delivery waits for a
# receipt before it is queued again, and days after completion before contacts are purged.
NOTIFICATIONS_EMAIL_BATCH = env_int("NOTIFICATIONS_EMAIL_BATCH", 1000)
NOTIFICATIONS_SMS_BATCH = env_int("NOTIFICATIONS_SMS_BATCH", 100)
NOTIFICATIONS_SMS_PER_SECOND = env_int("NOTIFICATIONS_SMS_PER_SECOND", 10)
NOTIFICATIONS_LEASE_SECONDS = env_int("NOTIFICATIONS_LEASE_SECONDS", 300)
NOTIFICATIONS_UNKNOWN_WAIT_MINUTES = env_int("NOTIFICATIONS_UNKNOWN_WAIT_MINUTES", 60)
NOTIFICATIONS_CAMPAIGN_PURGE_DAYS = env_int("NOTIFICATIONS_CAMPAIGN_PURGE_DAYS", 90)
# Reminders: a recipient with at least this many reminders due in one sweep batch gets ONE
# digest (e-mail and/or SMS) listing them all instead of one message per duty.
NOTIFICATIONS_REMINDER_DIGEST_MIN = env_int("NOTIFICATIONS_REMINDER_DIGEST_MIN", 3)
# Recipient import: an import longer than POOL_MIN_ROWS validates and encrypts its further
# batches in this many processes (0: all in the importing process) while it inserts.
NOTIFICATIONS_IMPORT_WORKERS = env_int("NOTIFICATIONS_IMPORT_WORKERS", 2)
NOTIFICATIONS_IMPORT_POOL_MIN_ROWS = env_int("NOTIFICATIONS_IMPORT_POOL_MIN_ROWS", 20000)
BREACHDESK_BASE_URL = env_str("BREACHDESK_BASE_URL", "http://127.0.0.1:8000")
# Raw payloads of monitoring alerts that no incident took (noise, false positives) are
# deleted after this many days; payloads of alerts linked to an incident are evidence and
# stay with it (GDPR Art. 33(5) documentation). 0 keeps everything.
BREACHDESK_INTAKE_UNLINKED_PAYLOAD_DAYS = env_int("BREACHDESK_INTAKE_UNLINKED_PAYLOAD_DAYS", 90)

# Key of the audit trail's HMAC chain and of its checkpoints (docs/audit.md). Changing it
# makes the existing chain unverifiable: set it once, keep it like a database password.
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY", "")

# Encryption at rest for personal data of affected people (comma-separated Fernet keys,
# newest first, so keys can be rotated).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # 1 MB bodies

# --- Operations (issue 15): logs, metrics, health ------------------------------------------
# Logs: one console handler; LOG_FORMAT=json (production default) or text; e-mail addresses and
# phone numbers are redacted from every record (breachdesk/logs.py).
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = logging_config(level=env_str("LOG_LEVEL", "INFO"), fmt=LOG_FORMAT)
# Every request is counted and timed for /metrics and logged as one structured line.
MIDDLEWARE = ["breachdesk.metrics.RequestMetricsMiddleware", *MIDDLEWARE]
# /metrics answers a bearer token or a client address in these networks (default loopback).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1/32", "::1/128"])
METRICS_LATENESS_WINDOW = timedelta(hours=1)
# /healthz fails when no worker showed a sign of life for this long, or when a schedule is
# this far past its next run (nobody runs the scheduler).
HEALTH_WORKER_MAX_SILENCE_SECONDS = env_int("HEALTH_WORKER_MAX_SILENCE_SECONDS", 180)
HEALTH_SCHEDULE_GRACE_SECONDS = env_int("HEALTH_SCHEDULE_GRACE_SECONDS", 120)
