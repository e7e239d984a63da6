"""Load and validate the TOML rule files.

`check_rules()` returns every problem found (file, rule id and field in each message);
`load_rules()` raises `RuleFileError` with that list, or returns the rules.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import regions, vocab
from .clock import holiday_calendar_supported
from .model import Conditions, DeadlineSpec, Rule, RuleFileError

RULES_DIR: Path = Path(__file__).resolve().parent / "data"

SCHEMA_VERSION = 1

_ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

Check = Callable[[Any], str | None]  # returns a problem text, or None when the value is fine


def _is_str(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    return None


def _is_bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _is_positive_int(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number, got {value!r}"
    if value <= 0:
        return f"must be a positive whole number, got {value}"
    return None


def _is_count(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return f"must be a whole number >= 0, got {value!r}"
    return None


def _is_date(value: Any) -> str | None:
    if isinstance(value, datetime) or not isinstance(value, date):
        return f"must be a TOML date (YYYY-MM-DD), got {value!r}"
    return None


def _one_of(options: tuple[str, ...] | frozenset[str], what: str) -> Check:
    def check(value: Any) -> str | None:
        if value not in options:
            return f"unknown {what} {value!r}"
        return None

    return check


def _list_of(item: Check) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list):
            return "must be a list"
        for element in value:
            problem = item(element)
            if problem:
                return problem
        return None

    return check


def _is_id(value: Any) -> str | None:
    if not isinstance(value, str) or not _ID_RE.match(value):
        return f"must be a lowercase slug like 'eu-gdpr-33-1-sa', got {value!r}"
    return None


def _is_jurisdiction(value: Any) -> str | None:
    if not isinstance(value, str) or not regions.is_valid_jurisdiction(value):
        return f"unknown jurisdiction {value!r}"
    return None


def _is_calendar(value: Any) -> str | None:
    if not isinstance(value, str) or not regions.is_valid_code(value):
        return f"must be a country code like 'BR' or 'US-NY', got {value!r}"
    if not holiday_calendar_supported(value):
        return f"no holiday calendar for {value!r} in the holidays package"
    return None


@dataclass(frozen=True)
class _Field:
    check: Check
    required: bool = False


_DEADLINE_FIELDS: dict[str, _Field] = {
    "hours": _Field(_is_positive_int),
    "days": _Field(_is_positive_int),
    "business_days": _Field(_is_positive_int),
    "months": _Field(_is_positive_int),
    "standard": _Field(_is_str),
    "guidance_hours": _Field(_is_positive_int),
    "guidance_days": _Field(_is_positive_int),
    "internal_target_hours": _Field(_is_positive_int),
    "not_later_than": _Field(_is_id),
    "year_end_anchor": _Field(_is_bool),
}

_CONDITION_FIELDS: dict[str, _Field] = {
    "roles": _Field(_list_of(_one_of(vocab.RULE_ROLES, "role"))),
    "entity_types": _Field(_list_of(_one_of(vocab.ENTITY_TYPE_VALUES, "entity type"))),
    "risk_levels": _Field(_list_of(_one_of(vocab.RISK_LEVELS, "risk level"))),
    "min_affected": _Field(_is_count),
    "max_affected": _Field(_is_count),
    "min_affected_residents": _Field(_is_count),
    "min_affected_in_one_state": _Field(_is_count),
    "min_affected_regardless_of_risk": _Field(_is_count),
    "match_establishment": _Field(_is_bool),
    "entity_description": _Field(_is_str),
    "risk_threshold": _Field(_is_str),
    "incident_threshold": _Field(_is_str),
    "data": _Field(_is_str),
    "condition": _Field(_is_str),
    "exceptions": _Field(_is_str),
    "scope": _Field(_is_str),
    "note": _Field(_is_str),
}

_SOURCE_FIELDS: dict[str, _Field] = {
    "url": _Field(_is_str, required=True),
    "kind": _Field(_one_of(vocab.SOURCE_KINDS, "source kind"), required=True),
}

_RULE_FIELDS: dict[str, _Field] = {
    "id": _Field(_is_id, required=True),
    "version": _Field(_is_positive_int, required=True),
    "regime": _Field(_is_str, required=True),
    "jurisdiction": _Field(_is_jurisdiction, required=True),
    "audience": _Field(_one_of(vocab.AUDIENCES, "audience"), required=True),
    "recipient": _Field(_is_str, required=True),
    "trigger": _Field(_one_of(vocab.TRIGGERS, "trigger"), required=True),
    "trigger_description": _Field(_is_str),
    "deadline": _Field(lambda v: None, required=True),  # checked as a table below
    "conditions": _Field(lambda v: None),  # checked as a table below
    "content_required": _Field(_list_of(_is_str)),
    "citation": _Field(_is_str, required=True),
    "status": _Field(_one_of(vocab.STATUS, "status"), required=True),
    "status_note": _Field(_is_str),
    "effective_from": _Field(_is_date),
    "effective_to": _Field(_is_date),
    "confidence": _Field(_one_of(vocab.CONFIDENCE, "confidence"), required=True),
    "confidence_note": _Field(_is_str),
    "notes": _Field(_is_str),
    "sources": _Field(lambda v: None),  # checked as an array of tables below
    "enabled": _Field(_is_bool),
    "follows": _Field(_is_id),
    "replaces": _Field(_list_of(_is_id)),
    "filing_profile_of": _Field(_is_id),
    "holiday_calendar": _Field(_is_calendar),
    "caps": _Field(_is_id),
    "restart_on": _Field(_list_of(_is_id)),
}

_FILE_FIELDS = frozenset({"schema_version", "description", "rules"})


def _check_table(table: Any, spec: Mapping[str, _Field], where: str, problems: list[str]) -> bool:
    """Check a table's keys and values against `spec`; False if it is not a table at all."""
    if not isinstance(table, dict):
        problems.append(f"{where}: must be a table")
        return False
    for key in sorted(set(table) - set(spec)):
        problems.append(f"{where}.{key}: unknown field")
    for key, field_spec in spec.items():
        if key not in table:
            if field_spec.required:
                problems.append(f"{where}.{key}: missing (required)")
            continue
        problem = field_spec.check(table[key])
        if problem:
            problems.append(f"{where}.{key}: {problem}")
    return True


def _check_rule(raw: dict[str, Any], where: str, problems: list[str]) -> None:
    if not _check_table(raw, _RULE_FIELDS, where, problems):
        return
    deadline = raw.get("deadline")
    if deadline is not None and _check_table(
        deadline, _DEADLINE_FIELDS, f"{where}.deadline", problems
    ):
        counted = (*vocab.HARD_KEYS, "guidance_hours", "guidance_days", "standard")
        if not any(k in deadline for k in counted):
            problems.append(
                f"{where}.deadline: needs at least one of hours, days, business_days, months, "
                "guidance_hours, guidance_days or standard"
            )
        if deadline.get("year_end_anchor") and "days" not in deadline:
            problems.append(f"{where}.deadline.year_end_anchor: needs days")
        if "business_days" in deadline and "holiday_calendar" not in raw:
            problems.append(f"{where}.deadline.business_days: needs holiday_calendar on the rule")
        if deadline.get("year_end_anchor") and "holiday_calendar" not in raw:
            problems.append(
                f"{where}.deadline.year_end_anchor: needs holiday_calendar (its zone sets 31 Dec)"
            )
    conditions = raw.get("conditions", {})
    if _check_table(conditions, _CONDITION_FIELDS, f"{where}.conditions", problems):
        low, high = conditions.get("min_affected"), conditions.get("max_affected")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            problems.append(f"{where}.conditions.max_affected: is below min_affected")
    sources = raw.get("sources", [])
    if not isinstance(sources, list):
        problems.append(f"{where}.sources: must be an array of tables ([[rules.sources]])")
    else:
        for index, source in enumerate(sources):
            _check_table(source, _SOURCE_FIELDS, f"{where}.sources[{index}]", problems)
    start, end = raw.get("effective_from"), raw.get("effective_to")
    if _is_date(start) is None and _is_date(end) is None and end < start:
        problems.append(f"{where}.effective_to: {end} is before effective_from {start}")
    if raw.get("status") == "not_in_effect" and raw.get("enabled", True) is True:
        problems.append(f"{where}.enabled: status is not_in_effect, so the rule must ship disabled")
    trigger, follows = raw.get("trigger"), raw.get("follows")
    if trigger in vocab.CHAINED_TRIGGERS and not follows:
        problems.append(f"{where}.follows: trigger {trigger!r} needs the predecessor's id")
    if follows and trigger not in vocab.CHAINED_TRIGGERS:
        problems.append(f"{where}.follows: trigger {trigger!r} is not a chained trigger")
    if raw.get("filing_profile_of") and raw.get("caps"):
        problems.append(f"{where}.caps: a filing profile cannot also cap another rule")


def _read_file(path: Path, problems: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """Parse one file; returns (location, raw rule) pairs for the rules it holds."""
    name = path.name
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{name}: invalid TOML: {exc}")
        return []
    for key in sorted(set(document) - _FILE_FIELDS):
        problems.append(f"{name}: {key}: unknown top-level field")
    if document.get("schema_version") != SCHEMA_VERSION:
        problems.append(f"{name}: schema_version: must be {SCHEMA_VERSION}")
    rules = document.get("rules", [])
    if not isinstance(rules, list):
        problems.append(f"{name}: rules: must be an array of tables ([[rules]])")
        return []
    found: list[tuple[str, dict[str, Any]]] = []
    for index, raw in enumerate(rules):
        label = raw.get("id") if isinstance(raw, dict) else None
        where = f"{name}: rule {label!r}" if isinstance(label, str) else f"{name}: rule #{index}"
        _check_rule(raw, where, problems)
        if isinstance(raw, dict):
            found.append((where, raw))
    return found


def _check_links(found: list[tuple[str, dict[str, Any]]], problems: list[str]) -> None:
    by_id: dict[str, dict[str, Any]] = {}
    for where, raw in found:
        rule_id = raw.get("id")
        if not isinstance(rule_id, str):
            continue
        if rule_id in by_id:
            problems.append(f"{where}.id: duplicate id (also defined earlier)")
        else:
            by_id[rule_id] = raw

    def refs(raw: dict[str, Any]) -> list[tuple[str, Any]]:
        deadline = raw.get("deadline") if isinstance(raw.get("deadline"), dict) else {}
        out: list[tuple[str, Any]] = [
            ("follows", raw.get("follows")),
            ("filing_profile_of", raw.get("filing_profile_of")),
            ("caps", raw.get("caps")),
            ("deadline.not_later_than", deadline.get("not_later_than")),
        ]
        for key in ("replaces", "restart_on"):
            values = raw.get(key)
            if isinstance(values, list):
                out += [(key, value) for value in values]
        return out

    for where, raw in found:
        for key, target in refs(raw):
            if target is None or not isinstance(target, str):
                continue
            if target == raw.get("id"):
                problems.append(f"{where}.{key}: refers to the rule itself")
            elif target not in by_id:
                problems.append(f"{where}.{key}: unknown rule id {target!r}")
            elif key == "filing_profile_of" and by_id[target].get("filing_profile_of"):
                problems.append(f"{where}.{key}: {target!r} is itself a filing profile")
            elif key == "caps" and by_id[target].get("caps"):
                problems.append(f"{where}.{key}: {target!r} is itself a cap")

    # `follows` chains must end: a cycle would never start a clock.
    for where, raw in found:
        seen: list[str] = []
        current: Any = raw.get("id")
        while isinstance(current, str) and current in by_id:
            if current in seen:
                problems.append(f"{where}.follows: cycle {' -> '.join([*seen, current])}")
                break
            seen.append(current)
            current = by_id[current].get("follows")


def _build(raw: dict[str, Any]) -> Rule:
    return Rule(
        id=raw["id"],
        version=raw["version"],
        regime=raw["regime"],
        jurisdiction=raw["jurisdiction"],
        audience=raw["audience"],
        recipient=raw["recipient"],
        trigger=raw["trigger"],
        trigger_description=raw.get("trigger_description"),
        deadline=DeadlineSpec.from_dict(raw["deadline"]),
        conditions=Conditions.from_dict(raw.get("conditions", {})),
        content_required=tuple(raw.get("content_required", ())),
        citation=raw["citation"],
        status=raw["status"],
        status_note=raw.get("status_note"),
        effective_from=raw.get("effective_from"),
        effective_to=raw.get("effective_to"),
        confidence=raw["confidence"],
        confidence_note=raw.get("confidence_note"),
        notes=raw.get("notes"),
        sources=tuple(dict(s) for s in raw.get("sources", ())),
        enabled=raw.get("enabled", True),
        follows=raw.get("follows"),
        replaces=tuple(raw.get("replaces", ())),
        filing_profile_of=raw.get("filing_profile_of"),
        holiday_calendar=raw.get("holiday_calendar"),
        caps=raw.get("caps"),
        restart_on=tuple(raw.get("restart_on", ())),
    )


def _scan(directory: Path) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    problems: list[str] = []
    directory = Path(directory)
    if not directory.is_dir():
        return [f"{directory}: not a directory"], []
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        return [f"{directory}: no *.toml rule files"], []
    found: list[tuple[str, dict[str, Any]]] = []
    for path in paths:
        found += _read_file(path, problems)
    _check_links(found, problems)
    return problems, found


def check_rules(directory: Path = RULES_DIR) -> list[str]:
    """Every problem in the rule files of `directory`; an empty list means they are fine."""
    problems, _found = _scan(directory)
    return problems


def load_rules(directory: Path = RULES_DIR) -> list[Rule]:
    """Parse every *.toml in `directory` (file-name order, then order in the file)."""
    problems, found = _scan(directory)
    if problems:
        raise RuleFileError(problems)
    return [_build(raw) for _where, raw in found]
