"""Production configuration comes from the environment and refuses to start without secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "breachdesk.settings.production",
    "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-1234567890",
    "ALLOWED_HOSTS": "breachdesk.example.org",
    "DATABASE_URL": "sqlite:////tmp/breachdesk-deploy-check.sqlite3",
    "FIELD_ENCRYPTION_KEYS": "q3Jm0m2nO1W6d0gKp1q3Dq8mX0e3Vv2Qy6JH4bS1gJk=",
    "AUDIT_HMAC_KEY": "production-audit-chain-key-with-enough-entropy-0987654321",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k not in ("DATABASE_URL", "REDIS_URL")
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "servers",
    [
        {},
        # The production shape: PostgreSQL, Redis as broker and cache (not contacted by checks).
        {
            "DATABASE_URL": "postgres://breachdesk:secret@db.internal:5432/breachdesk",
            "REDIS_URL": "redis://cache.internal:6379/0",
        },
    ],
    ids=["sqlite", "postgresql-redis"],
)
def test_check_deploy_is_clean_with_production_environment(servers):
    env = {**PRODUCTION_ENV, **servers}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "AUDIT_HMAC_KEY"],
)
def test_missing_secret_fails_at_start_up_with_a_clear_message(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"Environment variable {missing} is required" in result.stderr


def test_check_deploy_refuses_a_malformed_or_public_encryption_key():
    for key, message in [
        ("notakey", "is not a Fernet key"),
        ("7nZlJqqcX5gwH28EuacztsRuHk3tDlRUrJqSvcCk30k=", "development key"),
    ]:
        result = manage("check", "--deploy", env={**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEYS": key})
        assert result.returncode != 0
        assert message in result.stdout + result.stderr
