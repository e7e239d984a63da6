"""Test settings: fast hashing, tasks run inline, naive datetimes are errors."""

import warnings

from .base import *  # noqa: F403
from .base import Q_CLUSTER, REST_FRAMEWORK, database_from_env
from .devkeys import TEST_AUDIT_HMAC_KEY, TEST_FIELD_ENCRYPTION_KEY

SECRET_KEY = "test-only-key"  # noqa: S105  # nosec B105  # tests only
DEBUG = False
DATABASES = {"default": database_from_env("sqlite:///:memory:")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
FIELD_ENCRYPTION_KEYS = [TEST_FIELD_ENCRYPTION_KEY]
AUDIT_HMAC_KEY = TEST_AUDIT_HMAC_KEY
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "1000/min", "user": "100000/min"},
}
AXES_FAILURE_LIMIT = 5
warnings.filterwarnings(
    "error",
    r"DateTimeField .* received a naive datetime",
    RuntimeWarning,
    r"django\.db\.models\.fields",
)
