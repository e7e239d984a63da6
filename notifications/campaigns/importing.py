"""Recipient import: streamed rows, validated and encrypted in batches, stored in bulk.

A CSV file is read as a stream: at most a few batches of rows are in memory at a time, so a
million rows fit in a few hundred MB. Each batch is validated and encrypted by
`rows.RowBuilder` (in this process, or, for a large import, in a pool of
`NOTIFICATIONS_IMPORT_WORKERS` processes while this one reads and inserts), then inserted
with one `executemany … ON CONFLICT DO NOTHING`. A bad row is reported with its line number
and reasons and never stops the import. Duplicates (same e-mail, else same phone, within the
campaign) are dropped by a unique keyed hash and counted; batches are stored in file order,
so the first occurrence wins. Nothing from a row is ever logged.
"""

import csv
import hmac
import io
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from typing import IO

from django.conf import settings
from django.db import connection, transaction

from breachdesk.crypto import newest_key
from breachdesk.timeutils import now_utc
from notifications.campaigns.rows import (
    COLUMNS,
    BuiltBatch,
    RowBuilder,
    RowKeys,
    pool_build,
    pool_init,
)
from notifications.models import Campaign, ImportRun, Recipient

BATCH = 2000
REPORT_LIMIT = 10_000  # rejected rows listed in the report; all are counted


@cache
def _hash_key() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"breachdesk-recipient-dedup", "sha256").digest()


def row_builder(campaign: Campaign) -> RowBuilder:
    return RowBuilder(
        keys=RowKeys(fernet_key=newest_key(), hash_key=_hash_key()),
        campaign_id=campaign.pk,
        default_language=campaign.default_language,
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


def _store(built: BuiltBatch, report: ImportReport) -> None:
    """Insert one batch; rows whose keyed hash is already there are dropped and counted."""
    for line, reasons in built.rejected:
        report.reject(line, reasons)
    if not built.rows:
        return
    table = Recipient._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) "  # noqa: S608  # nosec B608  # fixed identifiers
        f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) ON CONFLICT DO NOTHING"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, built.rows)
        inserted = cursor.rowcount
    report.accepted += inserted
    report.duplicates += len(built.rows) - inserted


def _batches(rows: Iterable[tuple[int, Mapping[str, str]]]) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _pool(builder: RowBuilder, workers: int):
    # `spawn`: fresh interpreters that import only rows.py (no Django setup, no database
    # connection or threads inherited from a web or queue worker).
    context = multiprocessing.get_context("spawn")
    return context.Pool(workers, initializer=pool_init, initargs=(builder,))


def rows_import(
    *,
    campaign: Campaign,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    report: ImportReport,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate and store (line, row) pairs in batches; returns the report (also filled in).

    The first `NOTIFICATIONS_IMPORT_POOL_MIN_ROWS` rows are built in this process; a longer
    import hands the following batches to the process pool, keeping at most two batches per
    process in flight (bounded memory) and storing results in file order.
    """
    builder = row_builder(campaign)
    workers = max(0, settings.NOTIFICATIONS_IMPORT_WORKERS)
    pool = None
    pending: deque = deque()

    def store(built: BuiltBatch) -> None:
        _store(built, report)
        if progress:
            progress(report.rows)

    try:
        for batch in _batches(rows):
            report.rows += len(batch)
            large = report.rows > settings.NOTIFICATIONS_IMPORT_POOL_MIN_ROWS
            if pool is None and workers and large:
                pool = _pool(builder, workers)
            if pool is None:
                store(builder.build(batch))
                continue
            pending.append(pool.apply_async(pool_build, (batch,)))
            while len(pending) > 2 * workers:
                store(pending.popleft().get())
        while pending:
            store(pending.popleft().get())
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
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
