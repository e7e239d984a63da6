"""System checks run by every `manage.py` command (runserver, qcluster, migrate) and by
`check --deploy`: BreachDesk refuses to start with keys that cannot protect personal data."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from breachdesk.crypto import KEY_HELP, key_problems
from breachdesk.settings.devkeys import PUBLIC_KEYS


@register(Tags.security)
def check_field_encryption_keys(app_configs, **kwargs) -> list[Error]:
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or [])
    return [Error(problem, hint=KEY_HELP, id="breachdesk.E001") for problem in key_problems(keys)]


@register(Tags.security, deploy=True)
def check_no_public_keys_in_production(app_configs, **kwargs) -> list[Error]:
    errors = []
    if any(key in PUBLIC_KEYS for key in getattr(settings, "FIELD_ENCRYPTION_KEYS", [])):
        errors.append(
            Error(
                "FIELD_ENCRYPTION_KEYS holds a development key published in the repository.",
                hint=KEY_HELP,
                id="breachdesk.E002",
            )
        )
    if getattr(settings, "AUDIT_HMAC_KEY", "") in PUBLIC_KEYS:
        errors.append(
            Error(
                "AUDIT_HMAC_KEY is a development key published in the repository.",
                hint="Set AUDIT_HMAC_KEY to a long random secret (see docs/audit.md).",
                id="breachdesk.E003",
            )
        )
    return errors
