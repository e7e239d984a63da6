"""Local development: SQLite file, ORM broker, outbox backend. No credentials needed."""

from .base import *  # noqa: F403
from .base import VAR_DIR
from .devkeys import DEV_AUDIT_HMAC_KEY, DEV_FIELD_ENCRYPTION_KEY
from .env import env_str

DEBUG = True
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
FIELD_ENCRYPTION_KEYS = [env_str("FIELD_ENCRYPTION_KEY", DEV_FIELD_ENCRYPTION_KEY)]
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY", DEV_AUDIT_HMAC_KEY)
VAR_DIR.mkdir(parents=True, exist_ok=True)
