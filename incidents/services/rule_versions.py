"""The shipped rule files, pinned as RuleVersion rows: an obligation keeps the version it was
born with; a changed file becomes a new version."""

import hashlib
import json
from datetime import datetime
from functools import cache
from pathlib import Path

from django.db.models import Max

from breachdesk.timeutils import aware_utc, now_utc
from incidents import rules as rules_engine
from incidents.models import RuleVersion


def _files_signature(directory: Path) -> tuple:
    return tuple(
        sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in directory.glob("*.toml"))
    )


@cache
def _loaded(signature: tuple) -> tuple[rules_engine.Rule, ...]:
    return tuple(rules_engine.load_rules(rules_engine.RULES_DIR))


def rules_sync(*, now: datetime | None = None) -> list[RuleVersion]:
    """Store a new RuleVersion for every shipped rule whose content changed; returns them."""
    now = aware_utc(now or now_utc())
    created = []
    latest = {rv.code: rv for rv in _latest_versions()}
    for rule in _loaded(_files_signature(rules_engine.RULES_DIR)):
        content = json.loads(json.dumps(rule.to_dict(), default=str))
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        current = latest.get(rule.id)
        if current is not None and current.content_hash == digest:
            continue
        created.append(
            RuleVersion.objects.create(
                code=rule.id,
                version=(current.version + 1) if current else 1,
                content=content,
                content_hash=digest,
                loaded_at=now,
            )
        )
    return created


def _latest_versions() -> list[RuleVersion]:
    newest = RuleVersion.objects.values("code").annotate(v=Max("version"))
    wanted = {(row["code"], row["v"]) for row in newest}
    return [rv for rv in RuleVersion.objects.all() if (rv.code, rv.version) in wanted]


_synced_signature: list[tuple] = []


def rules_current() -> dict[str, RuleVersion]:
    """Latest stored version of every rule, syncing from the files when they changed."""
    signature = _files_signature(rules_engine.RULES_DIR)
    if (
        not _synced_signature
        or _synced_signature[0] != signature
        or not RuleVersion.objects.exists()
    ):
        rules_sync()
        _synced_signature[:] = [signature]
    return {rv.code: rv for rv in _latest_versions()}


def deadline_text(spec: rules_engine.DeadlineSpec) -> str:
    parts = []
    for key, unit in (
        ("hours", "hours"),
        ("days", "calendar days"),
        ("business_days", "business days"),
        ("months", "months"),
    ):
        value = getattr(spec, key, None)
        if value:
            parts.append(f"{value} {unit}")
    if getattr(spec, "year_end_anchor", False):
        parts.append("after 31 December of the discovery year")
    if getattr(spec, "guidance_hours", None):
        parts.append(f"{spec.guidance_hours} hours (guidance)")
    if getattr(spec, "guidance_days", None):
        parts.append(f"{spec.guidance_days} days (guidance)")
    if getattr(spec, "internal_target_hours", None):
        parts.append(f"internal target {spec.internal_target_hours} hours")
    if spec.standard:
        parts.append(spec.standard)
    return "; ".join(parts)[:300]
