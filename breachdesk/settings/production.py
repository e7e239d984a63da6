"""Production: everything from the environment; missing secrets stop start-up."""

from .base import *  # noqa: F403
from .base import MIDDLEWARE, database_from_env, logging_config
from .env import env_bool, env_int, env_list, env_str

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY", required=True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or env_str("ALLOWED_HOSTS", required=True).split(",")
DATABASES = {"default": database_from_env(env_str("DATABASE_URL", required=True))}
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS") or [
    env_str("FIELD_ENCRYPTION_KEYS", required=True)
]
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY", required=True)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Production shape (issue 15): static files by WhiteNoise, JSON logs --------------------
# gunicorn serves the admin's and the API docs' static files itself (compressed, hashed names,
# cached forever); `manage.py collectstatic` fills STATIC_ROOT before start.
MIDDLEWARE = [
    *MIDDLEWARE[: MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1 :],
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = logging_config(level=env_str("LOG_LEVEL", "INFO"), fmt=LOG_FORMAT)
# Load balancers and Prometheus probe over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz", r"^metrics$"]
