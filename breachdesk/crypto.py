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

import base64
import hmac
import json
import os
import struct
import time
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
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


def newest_key() -> str:
    """The key that encrypts (the first of FIELD_ENCRYPTION_KEYS), checked."""
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    _fernets(keys)  # refuses empty or malformed keys
    return keys[0]


_FERNET_VERSION = b"\x80"
_BLOCK = 16


def fernet_encrypt_many(
    key: str, plaintexts: Sequence[bytes], *, at: int | None = None, ivs: bytes | None = None
) -> list[str]:
    """Fernet tokens for many plaintexts at once, byte for byte what `Fernet(key)` makes.

    The Fernet spec (AES-128-CBC with a random IV per token, then HMAC-SHA256 over version,
    time, IV and ciphertext) done for a whole batch: each token keeps its own random IV, but
    the AES calls of every token's n-th block go through the cipher in one call, so the cost
    per token is a few slices instead of a cipher context (the bulk import encrypts a million
    contacts). `at` (seconds) and `ivs` (16 bytes per plaintext) are for tests only.
    """
    raw = base64.urlsafe_b64decode(key)
    signing_key, encryption_key = raw[:16], raw[16:]
    count = len(plaintexts)
    ivs = os.urandom(_BLOCK * count) if ivs is None else ivs
    if len(ivs) != _BLOCK * count:
        raise ValueError("fernet_encrypt_many needs 16 bytes of IV per plaintext.")
    padded = []
    for data in plaintexts:  # PKCS7
        pad = _BLOCK - len(data) % _BLOCK
        padded.append(data + bytes((pad,)) * pad)
    # CBC: block j of a token is AES(plain_j XOR cipher_{j-1}), cipher_{-1} = its IV. Round j
    # XORs and encrypts block j of every token still that long with one ECB call (a bare
    # block-cipher call per block; the chaining is done here, exactly as CBC defines it).
    block_cipher = Cipher(algorithms.AES(encryption_key), modes.ECB()).encryptor()  # noqa: S305  # nosec B305  # CBC chaining done by hand, one AES call per round
    previous = [ivs[_BLOCK * i : _BLOCK * (i + 1)] for i in range(count)]
    blocks: list[list[bytes]] = [[] for _ in range(count)]
    active = list(range(count))
    offset = 0
    while active:
        plain = b"".join([padded[i][offset : offset + _BLOCK] for i in active])
        chain = b"".join([previous[i] for i in active])
        mixed = int.from_bytes(plain, "big") ^ int.from_bytes(chain, "big")
        out = block_cipher.update(mixed.to_bytes(len(plain), "big"))
        for position, i in enumerate(active):
            block = out[_BLOCK * position : _BLOCK * (position + 1)]
            blocks[i].append(block)
            previous[i] = block
        offset += _BLOCK
        active = [i for i in active if len(padded[i]) > offset]
    head = _FERNET_VERSION + struct.pack(">Q", int(time.time()) if at is None else at)
    tokens = []
    for i in range(count):
        basic = head + ivs[_BLOCK * i : _BLOCK * (i + 1)] + b"".join(blocks[i])
        mac = hmac.digest(signing_key, basic, "sha256")
        tokens.append(base64.urlsafe_b64encode(basic + mac).decode())
    return tokens


def decrypt_many(tokens: Sequence[str]) -> list[str]:
    """`decrypt_text` of many tokens at once (the campaign sender reads 1,000 contacts a batch).

    Each token's HMAC is checked with the newest key, then the AES-CBC decryption of every
    block of every token runs as one cipher call (CBC decryption is block-parallel: plain_j =
    AES^-1(cipher_j) XOR cipher_{j-1}). A token that does not verify with the newest key
    (an older key after a rotation) or is malformed goes through `decrypt_text`, which tries
    every key and refuses what none of them signed.
    """
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    _fernets(keys)
    raw = base64.urlsafe_b64decode(keys[0])
    signing_key, encryption_key = raw[:16], raw[16:]
    texts: list[str | None] = [None] * len(tokens)
    pending: list[tuple[int, bytes, bytes]] = []  # (index, IV, ciphertext)
    for index, token in enumerate(tokens):
        try:
            data = base64.urlsafe_b64decode(token)
        except ValueError:
            data = b""
        body, mac = data[:-32], data[-32:]
        if (
            len(body) < 25 + _BLOCK
            or body[:1] != _FERNET_VERSION
            or (len(body) - 25) % _BLOCK
            or not hmac.compare_digest(hmac.digest(signing_key, body, "sha256"), mac)
        ):
            texts[index] = decrypt_text(token)
            continue
        pending.append((index, body[9:25], body[25:]))
    if pending:
        ciphertext = b"".join(c for _, _, c in pending)
        chain = b"".join(iv + c[:-_BLOCK] for _, iv, c in pending)
        block_cipher = Cipher(algorithms.AES(encryption_key), modes.ECB()).decryptor()  # noqa: S305  # nosec B305  # CBC chaining done by hand (see above)
        decrypted = block_cipher.update(ciphertext)
        mixed = int.from_bytes(decrypted, "big") ^ int.from_bytes(chain, "big")
        plain = mixed.to_bytes(len(decrypted), "big")
        offset = 0
        for index, _, c in pending:
            data = plain[offset : offset + len(c)]
            offset += len(c)
            pad = data[-1]
            if 1 <= pad <= _BLOCK and data[-pad:] == bytes((pad,)) * pad:
                texts[index] = data[:-pad].decode()
            else:  # authentic but badly padded: let Fernet itself refuse it
                texts[index] = decrypt_text(tokens[index])
    return [t or "" for t in texts]


def json_text(value: Any) -> str:
    """The text an `EncryptedJSONField` encrypts for `value`."""
    return json.dumps(value, sort_keys=True, default=str)


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
        return json_text(value)

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
