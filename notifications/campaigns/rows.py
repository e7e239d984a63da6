"""Recipient rows: validate one row and build what is stored for it (no database, no settings).

`RowBuilder.build(batch)` turns (line, row) pairs into the values of the recipient INSERT
(contact encrypted as a Fernet token, keyed hash for dedup) and the rejected lines with
their reasons. It needs only its keys, passed in, so that the bulk import can run it in a
pool of processes over chunks of a large file (importing.py) as well as in-process.

Validation is the product's, made cheap: the phone of a row in E.164 form skips the
library's general parser when that parser provably returns the same number (see
`_parse_e164`), and an e-mail is checked against Django's own `EmailValidator` patterns,
compiled once. Nothing here logs, and reasons never quote a value (no personal data).
"""

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import phonenumbers
import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from phonenumbers import PhoneMetadata, PhoneNumber
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from breachdesk.crypto import fernet_encrypt_many, json_text
from incidents.validation import region_code_problem

MAX_FIELD = 500
KNOWN_COLUMNS = frozenset(("email", "phone", "language", "region", "country", "name", "address"))
_email = EmailValidator()
# Django's patterns (lazy objects in the validator) compiled once: a match here is a match
# there; anything else (IP literals, allow-listed domains) goes through the validator itself.
_EMAIL_USER = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
_EMAIL_DOMAIN = re.compile(EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags)
_E164_TEXT = re.compile(r"\+[1-9][0-9]{6,14}")
_PHONE_SEPARATORS = str.maketrans("", "", " -")


@cache
def _languages() -> frozenset[str]:
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@cache
def language_code(value: str) -> str | None:
    """`de`, `pt-BR` (ISO 639-1, optional ISO 3166 region) in canonical case, else None."""
    base, _, region = value.strip().replace("_", "-").partition("-")
    base = base.lower()
    if base not in _languages():
        return None
    if region:
        region = region.upper()
        if region_code_problem(region) is not None or len(region) != 2:
            return None
        return f"{base}-{region}"
    return base


@cache
def _region_ok(code: str) -> bool:
    return region_code_problem(code) is None


def email_valid(value: str) -> bool:
    """Django's EmailValidator, with its common case (two regex matches) inlined."""
    if "@" in value and len(value) <= 320:
        user, domain = value.rsplit("@", 1)
        if _EMAIL_USER.match(user) and _EMAIL_DOMAIN.match(domain):
            return True
    try:
        _email(value)
    except ValidationError:
        return False
    return True


@cache
def _metadata_for(country_code: int) -> PhoneMetadata | None:
    region = phonenumbers.region_code_for_country_code(country_code)
    return PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)


def _parse_e164(digits: str) -> PhoneNumber | None:
    """The number `phonenumbers.parse("+" + digits)` returns, when that is certain without
    running it; None when the general parser must decide.

    Certain when the country code is known (codes are prefix-free, as the parser assumes),
    the national number does not start with 0 (Italian leading zeros, national prefixes)
    and the country's national-prefix-for-parsing pattern does not match its start (the
    parser could strip it). Then the parser keeps the digits as they are.
    """
    for size in (1, 2, 3):
        country_code = int(digits[:size])
        if country_code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[size:]
    if len(national) < 2 or national[0] == "0":
        return None
    metadata = _metadata_for(country_code)
    if metadata is None:
        return None
    prefix = metadata.national_prefix_for_parsing
    if prefix and re.match(prefix, national):
        return None
    return PhoneNumber(country_code=country_code, national_number=int(national))


def phone_e164(text: str, region: str) -> tuple[str, str] | None:
    """(E.164 number, its region code) for a valid phone number, else None.

    `region` (ISO 3166-1 alpha-2, may be empty) reads national formats. Valid means
    `phonenumbers.is_valid_number`, which is `is_valid_number_for_region` of the number's own
    region: that region is computed once and returned.
    """
    compact = text.translate(_PHONE_SEPARATORS)
    parsed = _parse_e164(compact[1:]) if _E164_TEXT.fullmatch(compact) else None
    if parsed is None:
        try:
            parsed = phonenumbers.parse(text, region or None)
        except phonenumbers.NumberParseException:
            return None
    number_region = phonenumbers.region_code_for_number(parsed)
    if number_region is None or not phonenumbers.is_valid_number_for_region(parsed, number_region):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), number_region


@dataclass
class CleanRow:
    email: str
    phone: str
    language: str
    region: str
    name: str
    fields: dict[str, str]
    address: str


def row_clean(row: Mapping[str, str], *, default_language: str) -> CleanRow | list[str]:
    """The validated row, or the reasons it is rejected (values never quoted: no PII)."""
    if "__error__" in row:
        return [f"unreadable row: {row['__error__']}"]
    reasons: list[str] = []
    get = {k.strip().lower(): v.strip() for k, v in row.items() if k and v}
    email, phone_text = get.get("email", ""), get.get("phone", "")
    region = (get.get("region") or get.get("country") or "").upper()
    if region and not _region_ok(region):
        reasons.append("region: not an ISO 3166-1 country or ISO 3166-2 subdivision code")
        region = ""
    if email and not email_valid(email):
        reasons.append("email: not a valid e-mail address")
    phone = ""
    if phone_text:
        number = phone_e164(phone_text, region[:2])
        if number is None:
            reasons.append("phone: not a valid phone number (E.164, e.g. +4930123456)")
        else:
            phone, region = number[0], region or number[1]
    language_text = get.get("language", "")
    language = language_code(language_text) if language_text else default_language
    if language is None:
        reasons.append("language: not an ISO 639-1 code (e.g. de, pt-BR)")
    address = get.get("address", "")
    if not (email or phone_text or address):
        reasons.append("no email, phone or address: the person cannot be reached")
    too_long = [k for k, v in get.items() if len(v) > MAX_FIELD]
    if too_long:
        reasons.append(f"{', '.join(sorted(too_long))}: longer than {MAX_FIELD} characters")
    if reasons:
        return reasons
    return CleanRow(
        email=email,
        phone=phone,
        language=language or default_language,
        region=region,
        name=get.get("name", ""),
        fields={k: v for k, v in get.items() if k not in KNOWN_COLUMNS and v},
        address=address,
    )


def dedup_basis(row: CleanRow) -> str:
    """What identifies a person in a campaign: the e-mail, else the phone, else name+address."""
    if row.email:
        return f"e:{row.email.lower()}"
    if row.phone:
        return f"p:{row.phone}"
    return f"p:address:{row.name}|{row.address}"  # letter-only


def dedup_key(hash_key: bytes, basis: str) -> str:
    """Keyed hash (HMAC-SHA256, 128 bits): no plain contact in the dedup column."""
    return hmac.new(hash_key, basis.encode(), hashlib.sha256).hexdigest()[:32]


def contact_of(row: CleanRow) -> dict:
    contact: dict = {"email": row.email, "phone": row.phone, "name": row.name, "fields": row.fields}
    if row.address:
        contact["address"] = row.address
    return contact


# The columns of the recipient INSERT, in the order of the tuples `RowBuilder.build` returns.
COLUMNS = (
    "campaign_id",
    "contact",
    "dedup_key",
    "language",
    "region",
    "has_email",
    "has_phone",
    "line",
)


@dataclass(frozen=True)
class RowKeys:
    """The secrets a builder needs, passed explicitly (a pool process has no settings)."""

    fernet_key: str  # the newest FIELD_ENCRYPTION_KEYS entry: what encrypts
    hash_key: bytes  # the dedup HMAC key


@dataclass
class BuiltBatch:
    rows: list[tuple] = field(default_factory=list)
    rejected: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass(frozen=True)
class RowBuilder:
    keys: RowKeys
    campaign_id: int
    default_language: str

    def build(self, batch: Sequence[tuple[int, Mapping[str, str]]]) -> BuiltBatch:
        """Validate every row; accepted ones become INSERT tuples (contact encrypted)."""
        out = BuiltBatch()
        accepted: list[tuple[int, CleanRow]] = []
        for line, row in batch:
            cleaned = row_clean(row, default_language=self.default_language)
            if isinstance(cleaned, list):
                out.rejected.append((line, cleaned))
            else:
                accepted.append((line, cleaned))
        tokens = fernet_encrypt_many(
            self.keys.fernet_key, [json_text(contact_of(row)).encode() for _, row in accepted]
        )
        out.rows = [
            (
                self.campaign_id,
                token,
                dedup_key(self.keys.hash_key, dedup_basis(row)),
                row.language,
                row.region,
                bool(row.email),
                bool(row.phone),
                line,
            )
            for (line, row), token in zip(accepted, tokens, strict=True)
        ]
        return out


# --- a pool process's side ----------------------------------------------------------------------

_builder: RowBuilder | None = None


def pool_init(builder: RowBuilder) -> None:
    """Initializer of an import pool process: the builder it uses for every chunk."""
    global _builder  # one builder per pool process, set once
    _builder = builder


def pool_build(batch: list[tuple[int, dict[str, str]]]) -> BuiltBatch:
    assert _builder is not None, "pool_init was not run"  # noqa: S101  # nosec B101
    return _builder.build(batch)
