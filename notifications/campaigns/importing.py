"""Recipient import: validate rows one by one, store them encrypted, in bounded batches.

A CSV file is read as a stream (one batch of rows in memory at a time), so a million rows
fit in a few hundred MB. A bad row is reported with its line number and reasons and never
stops the import. Duplicates (same e-mail, else same phone, within the campaign) are
dropped by a unique keyed hash and counted. Nothing from a row is ever logged.
"""

import csv
import hashlib
import hmac
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import IO

import phonenumbers
import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection, transaction

from breachdesk.timeutils import now_utc
from incidents.validation import region_code_problem
from notifications.models import Campaign, ImportRun, Recipient

BATCH = 2000
REPORT_LIMIT = 10_000  # rejected rows listed in the report; all are counted
MAX_FIELD = 500
KNOWN_COLUMNS = ("email", "phone", "language", "region", "country", "name", "address")
_email = EmailValidator()


@cache
def _languages() -> frozenset[str]:
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


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
def _hash_key() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"breachdesk-recipient-dedup", "sha256").digest()


def dedup_key(*, email: str, phone: str) -> str:
    """Keyed hash (HMAC-SHA256, 128 bits) of the e-mail, else the phone: no plain contact."""
    basis = f"e:{email.lower()}" if email else f"p:{phone}"
    return hmac.new(_hash_key(), basis.encode(), hashlib.sha256).hexdigest()[:32]


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
    get = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
    email, phone_text = get.get("email", ""), get.get("phone", "")
    region = (get.get("region") or get.get("country") or "").upper()
    if region and region_code_problem(region) is not None:
        reasons.append("region: not an ISO 3166-1 country or ISO 3166-2 subdivision code")
        region = ""
    if email:
        try:
            _email(email)
        except ValidationError:
            reasons.append("email: not a valid e-mail address")
    phone = ""
    if phone_text:
        try:
            parsed = phonenumbers.parse(phone_text, region[:2] or None)
            if not phonenumbers.is_valid_number(parsed):
                raise phonenumbers.NumberParseException(0, "invalid")
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            region = region or (phonenumbers.region_code_for_number(parsed) or "")
        except phonenumbers.NumberParseException:
            reasons.append("phone: not a valid phone number (E.164, e.g. +4930123456)")
    language_text = get.get("language", "")
    language = language_code(language_text) if language_text else default_language
    if language is None:
        reasons.append("language: not an ISO 639-1 code (e.g. de, pt-BR)")
    address = get.get("address", "")
    if not (email or phone_text or address):
        reasons.append("no email, phone or address: the person cannot be reached")
    fields = {k: v for k, v in get.items() if k not in KNOWN_COLUMNS and v}
    too_long = [k for k, v in {**get}.items() if len(v) > MAX_FIELD]
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
        fields=fields,
        address=address,
    )


@dataclass
class ImportReport:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejected_rows: list[dict] = field(default_factory=list)

    def reject(self, line: int, reasons: list[str]) -> None:
        self.rejected += 1
        if len(self.rejected_rows) < REPORT_LIMIT:
            self.rejected_rows.append({"line": line, "reasons": reasons})


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


def _recipient_row(campaign_id: int, line: int, row: CleanRow) -> tuple:
    """One row for the INSERT: the contact encrypted by the model field's own encoding."""
    contact: dict = {"email": row.email, "phone": row.phone, "name": row.name, "fields": row.fields}
    if row.address:
        contact["address"] = row.address
    if row.email or row.phone:
        key = dedup_key(email=row.email, phone=row.phone)
    else:  # letter-only: the same name at the same address is the same person
        key = dedup_key(email="", phone=f"address:{row.name}|{row.address}")
    return (
        campaign_id,
        _contact_field().get_prep_value(contact),
        key,
        row.language,
        row.region,
        bool(row.email),
        bool(row.phone),
        line,
    )


@cache
def _contact_field():
    return Recipient._meta.get_field("contact")


def _store(batch: list[tuple], report: ImportReport) -> None:
    """Insert one batch; rows whose keyed hash is already there are dropped and counted."""
    table = Recipient._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) "  # noqa: S608  # nosec B608  # fixed identifiers
        f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) ON CONFLICT DO NOTHING"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, batch)
        inserted = cursor.rowcount
    report.accepted += inserted
    report.duplicates += len(batch) - inserted


def rows_import(
    *,
    campaign: Campaign,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    report: ImportReport,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate and store (line, row) pairs in batches; returns the report (also filled in)."""
    batch: list[tuple] = []
    for line, row in rows:
        report.rows += 1
        cleaned = row_clean(row, default_language=campaign.default_language)
        if isinstance(cleaned, list):
            report.reject(line, cleaned)
        else:
            batch.append(_recipient_row(campaign.pk, line, cleaned))
        if len(batch) >= BATCH:
            _store(batch, report)
            batch = []
            if progress:
                progress(report.rows)
    if batch:
        _store(batch, report)
    if progress:
        progress(report.rows)
    return report


class CsvProblem(ValueError):
    """The file as a whole cannot be read (no header, no email/phone column, not UTF-8)."""


def csv_rows(stream: IO[bytes] | IO[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs from a CSV stream, one row at a time; header on line 1."""
    text = (
        io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        if not isinstance(stream, io.TextIOBase)
        else stream
    )
    reader = csv.reader(text)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise CsvProblem("The file is empty: a header line is required.") from None
    except UnicodeDecodeError:
        raise CsvProblem("The file is not UTF-8 text.") from None
    if not {"email", "phone", "address"} & set(header):
        raise CsvProblem("The header needs an email, phone or address column.")
    width = len(header)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield reader.line_num, {"__error__": str(exc)[:200]}
            continue
        if not any(values):
            continue
        if len(values) != width:
            yield reader.line_num, {"__error__": f"{len(values)} columns, header has {width}"}
            continue
        yield reader.line_num, dict(zip(header, values, strict=True))


def import_start(*, campaign: Campaign, source: str, filename: str = "") -> ImportRun:
    return ImportRun.objects.create(
        campaign=campaign, source=source, filename=filename[:255], started_at=now_utc()
    )


def import_finish(*, run: ImportRun, report: ImportReport, error: str = "") -> ImportRun:
    run.rows, run.accepted, run.duplicates = report.rows, report.accepted, report.duplicates
    run.rejected, run.rejected_rows = report.rejected, report.rejected_rows
    run.finished_at, run.error = now_utc(), error
    run.save()
    return run
