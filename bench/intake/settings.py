"""Benchmark settings: production-like (DEBUG off, no query log) on a throw-away database.

DATABASE_URL selects the database (default: a SQLite file in bench/out/). The baseline
endpoint exists only under these settings (BREACHDESK_BENCH_BASELINE), never in production.
"""

import os

from breachdesk.settings.base import *  # noqa: F403
from breachdesk.settings.base import BASE_DIR, INSTALLED_APPS, database_from_env

OUT = BASE_DIR / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
SECRET_KEY = os.environ.get("SECRET_KEY", "bench-only-insecure-key")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {"default": database_from_env(f"sqlite:///{OUT / 'intake-bench.sqlite3'}")}
if "incidents.intake" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "incidents.intake"]
ROOT_URLCONF = "bench.intake.urls"
BREACHDESK_BENCH_BASELINE = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
FIELD_ENCRYPTION_KEYS = ["kKLWFh9-fyBWrUtb8sSBJXPpySfjNCJeN7aByOG3f9Y="]
AUDIT_HMAC_KEY = "bench-only-audit-chain-key"
# The shipped configuration keeps connections (CONN_MAX_AGE=60); BENCH_CONN_MAX_AGE=0
# reproduces the earlier per-request connections.
if conn_max_age := os.environ.get("BENCH_CONN_MAX_AGE"):  # "0" is a non-empty string
    DATABASES["default"]["CONN_MAX_AGE"] = int(conn_max_age)
