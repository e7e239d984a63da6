"""Public secrets for development and tests only (they are in the repository, so they protect
nothing). `manage.py check --deploy` fails when a production configuration uses one."""

DEV_FIELD_ENCRYPTION_KEY = "7nZlJqqcX5gwH28EuacztsRuHk3tDlRUrJqSvcCk30k="
TEST_FIELD_ENCRYPTION_KEY = "kKLWFh9-fyBWrUtb8sSBJXPpySfjNCJeN7aByOG3f9Y="
DEV_AUDIT_HMAC_KEY = "dev-only-audit-chain-key-do-not-use-in-production"
TEST_AUDIT_HMAC_KEY = "test-only-audit-chain-key"

PUBLIC_KEYS = frozenset(
    {DEV_FIELD_ENCRYPTION_KEY, TEST_FIELD_ENCRYPTION_KEY, DEV_AUDIT_HMAC_KEY, TEST_AUDIT_HMAC_KEY}
)
