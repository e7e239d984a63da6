"""The authority registry: copy the shipped entries into the database, keep local edits.

`authorities_sync()` runs after every migrate and from `manage.py authorities_sync`. It is
idempotent. Each row remembers in `shipped` what the last sync wrote; on the next sync a field
whose value still equals that copy follows the new shipped value, a field that differs was
edited locally (admin) and keeps its value. Entries that leave the shipped file are retired
(kept, because obligations may name them), entries added in the admin are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connections, transaction

from breachdesk.timeutils import aware_utc, now_utc
from incidents.models import Authority
from incidents.rules import authorities as registry_data
from incidents.services.audit import audit_append
from incidents.services.events import Actor, actor_label

#: Model fields the shipped file provides (everything except bookkeeping).
SYNCED_FIELDS: tuple[str, ...] = (
    "name",
    "name_native",
    "jurisdiction",
    "region",
    "kind",
    "website",
    "breach_report_url",
    "fallback_url",
    "channels",
    "contact",
    "languages",
    "rule_ids",
    "threshold",
    "notes",
    "related_urls",
    "sources",
    "provenance",
    "confidence",
    "confidence_note",
)
_BLANK_AS_EMPTY = (
    "name_native",
    "website",
    "breach_report_url",
    "fallback_url",
    "notes",
    "confidence_note",
)


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept_local: dict[str, list[str]] = field(default_factory=dict)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired or self.restored)


def _shipped_values(raw: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for name in SYNCED_FIELDS:
        value = raw.get(name)
        if name in _BLANK_AS_EMPTY:
            value = value or ""
        elif name == "contact":
            value = value or {}
        elif name in ("channels", "languages", "rule_ids", "related_urls", "sources"):
            value = list(value or [])
        values[name] = value
    return values


def authorities_sync(*, document: dict | None = None, now: datetime | None = None) -> SyncReport:
    """Bring the Authority table in line with the shipped registry file (see module doc)."""
    now = aware_utc(now or now_utc())
    document = document if document is not None else registry_data.read_document()
    problems = registry_data.check_authorities(document)
    if problems:
        raise ValueError("authority registry problems:\n" + "\n".join(problems))
    report = SyncReport()
    with transaction.atomic():
        rows = {a.code: a for a in Authority.objects.select_for_update()}
        shipped_codes = set()
        for raw in document["authorities"]:
            code = raw["code"]
            shipped_codes.add(code)
            new = _shipped_values(raw)
            row = rows.get(code)
            if row is None:
                Authority.objects.create(code=code, shipped=new, synced_at=now, **new)
                report.created.append(code)
                continue
            _merge(row, new, now, report)
        for code, row in rows.items():
            if code not in shipped_codes and row.shipped and row.retired_at is None:
                row.retired_at = now
                row.save(update_fields=["retired_at", "updated_at"])
                report.retired.append(code)
    return report


def _merge(row: Authority, new: dict[str, Any], now: datetime, report: SyncReport) -> None:
    """Take the shipped value of every field the admin has not changed since the last sync."""
    old = row.shipped or {}
    changed, kept = [], []
    for name, value in new.items():
        current = getattr(row, name)
        locally_edited = name in old and current != old[name]
        if locally_edited:
            if current != value:
                kept.append(name)
            continue
        if current != value:
            setattr(row, name, value)
            changed.append(name)
    if kept:
        report.kept_local[row.code] = kept
    fields = list(changed)
    if row.retired_at is not None:
        row.retired_at = None
        fields.append("retired_at")
        report.restored.append(row.code)
    if old != new:
        row.shipped = new
        fields.append("shipped")
    if fields:
        row.synced_at = now
        row.save(update_fields=[*fields, "synced_at", "updated_at"])
    if changed:
        report.updated.append(row.code)


def authorities_sync_after_migrate(*, using: str = "default", **kwargs) -> None:
    """post_migrate hook: sync once the Authority table exists (not on a partial migrate)."""
    if Authority._meta.db_table not in connections[using].introspection.table_names():
        return
    authorities_sync()


@transaction.atomic
def authority_save(
    *, authority: Authority, actor: Actor, changed: list[str], now: datetime | None = None
) -> Authority:
    """Save an admin edit of a registry entry and audit what changed (old -> new)."""
    now = aware_utc(now or now_utc())
    authority.full_clean()
    before = Authority.objects.filter(pk=authority.pk).values(*changed).first() or {}
    authority.save()
    audit_append(
        actor=actor_label(actor),
        action="authority.changed" if before else "authority.added",
        object_type="authority",
        object_id=authority.code,
        data={name: {"old": before.get(name), "new": getattr(authority, name)} for name in changed},
        now=now,
    )
    return authority
