"""Encryption at rest for personal data (Fernet, keys from FIELD_ENCRYPTION_KEYS).

The first key encrypts; every key decrypts, so keys rotate by prepending a new one and then
running `manage.py reencrypt` (which rewrites every encrypted field of every model with the
newest key, see `encrypted_fields` and `rotate_token`). `manage.py check` refuses empty or
malformed keys (breachdesk/checks.py).

Two model fields store their value as a Fernet token in a text column:
`EncryptedTextField` (a string, e.g. a recipient's e-mail address or phone number) and
`EncryptedJSONField` (any JSON value). Tokens are randomised, so these fields cannot be
filtered on except with `isnull` (by design); an empty string is stored as an empty string.
"""

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

KEY_HELP = (
    "FIELD_ENCRYPTION_KEYS must hold url-safe base64 32-byte Fernet keys, comma-separated, "
    "newest first (python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())')."
)


def key_problems(keys: list[str] | tuple[str, ...]) -> list[str]:
    """Why these keys cannot protect personal data (empty when they can)."""
    if not keys:
        return ["FIELD_ENCRYPTION_KEYS is empty: cannot store personal data."]
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            problems.append(f"Key {position} of FIELD_ENCRYPTION_KEYS is not a Fernet key.")
    return problems


@cache
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    problems = key_problems(keys)
    if problems:
        raise ImproperlyConfigured(f"{problems[0]} {KEY_HELP}")
    parsed = [Fernet(key.encode()) for key in keys]
    return MultiFernet(parsed), parsed[0]


def fernet() -> MultiFernet:
    return _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))[0]


def encrypt_text(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "Encrypted data cannot be read with the configured FIELD_ENCRYPTION_KEYS."
        ) from exc


def rotate_token(token: str) -> str | None:
    """The token re-encrypted with the newest key, or None when it already uses it."""
    multi, newest = _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))
    try:
        newest.extract_timestamp(token.encode())  # checks the signature only
    except InvalidToken:
        pass
    else:
        return None
    try:
        return multi.rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "Encrypted data cannot be read with the configured FIELD_ENCRYPTION_KEYS."
        ) from exc


class EncryptedField(models.TextField):
    """Base of the encrypted fields: a Fernet token in a text column, not searchable."""

    def encode(self, value: Any) -> str:
        raise NotImplementedError

    def decode(self, text: str) -> Any:
        raise NotImplementedError

    def from_db_value(self, value: str | None, expression, connection) -> Any:
        if value is None:
            return None
        return self.decode(decrypt_text(value) if value else "")

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        text = self.encode(value)
        return encrypt_text(text) if text else ""

    def get_lookup(self, lookup_name: str):
        # Randomised ciphertext: any comparison but IS NULL would silently match nothing.
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None


class EncryptedTextField(EncryptedField):
    """A string stored encrypted (contact data of affected people, raw payloads)."""

    def encode(self, value: Any) -> str:
        return str(value)

    def decode(self, text: str) -> str:
        return text

    def to_python(self, value: Any) -> str | None:
        return value if value is None else str(value)


class EncryptedJSONField(EncryptedField):
    """A JSON value stored encrypted; it cannot be filtered on (by design)."""

    def encode(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=str)

    def decode(self, text: str) -> Any:
        return json.loads(text) if text else None

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj) -> str:
        return json.dumps(self.value_from_object(obj), default=str)


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[EncryptedField]]]:
    """Every concrete model with encrypted columns, and those fields (models added later are
    found too: whatever uses an `EncryptedField`)."""
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        fields = [f for f in meta.local_concrete_fields if isinstance(f, EncryptedField)]
        if fields:
            yield model, fields
