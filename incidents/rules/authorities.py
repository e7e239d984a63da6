"""The authority registry as plain values: load and check `data/authorities.json`.

Every recipient an obligation can name (data-protection authorities, attorneys general,
federal agencies, sector regulators, CSIRTs, ministries) is one `AuthorityEntry`. The Django
shell copies the shipped entries into the `Authority` table (where the admin may edit them)
and hands a `Registry` built from that table to the resolver in `competence.py`.

No Django here. docs/authorities.md describes the file and where its data comes from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import regions, vocab

AUTHORITIES_FILE: Path = Path(__file__).resolve().parent / "data" / "authorities.json"

SCHEMA_VERSION = 1

CODE_MAX_LENGTH = 40
# The file's rule-level notes (rule id -> why), besides the authority entries.
NOTE_SECTIONS = ("choose_one", "one_stop_shop", "known_gaps", "representative")
# Country -> why its private controllers answer to the DPA of their Land (the GDPR resolver
# never names that country's national DPA for them).
LAND_SECTION = "land_authorities"
_CODE_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]+)*$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")

KINDS: tuple[tuple[str, str], ...] = (
    ("dpa", "Data-protection authority"),
    ("attorney_general", "Attorney general"),
    ("federal_agency", "Federal agency"),
    ("sector_regulator", "Sector regulator"),
    ("csirt", "CSIRT / cybersecurity authority"),
    ("ministry", "Ministry or government department"),
)
KIND_VALUES: frozenset[str] = frozenset(value for value, _ in KINDS)

REGIONS: tuple[tuple[str, str], ...] = (
    ("eu", "European Union"),
    ("eea_efta", "EEA (Iceland, Liechtenstein, Norway)"),
    ("europe_other", "Europe outside the EEA (UK, Switzerland)"),
    ("us", "United States"),
    ("americas", "Americas outside the US"),
    ("asia_pacific", "Asia-Pacific"),
    ("middle_east_africa", "Middle East and Africa"),
)
REGION_VALUES: frozenset[str] = frozenset(value for value, _ in REGIONS)

CHANNELS: frozenset[str] = frozenset(
    {"online_form", "portal", "email", "letter", "phone", "fax", "upload", "filing"}
)

_REGION_OF_COUNTRY: Mapping[str, str] = MappingProxyType(
    {
        **dict.fromkeys(regions.EU_MEMBER_STATES, "eu"),
        "EU": "eu",
        **dict.fromkeys(regions.EEA_MEMBER_STATES - regions.EU_MEMBER_STATES, "eea_efta"),
        "GB": "europe_other",
        "CH": "europe_other",
        "US": "us",
        **dict.fromkeys(("CA", "BR"), "americas"),
        **dict.fromkeys(("AU", "NZ", "SG", "IN", "JP", "KR", "CN", "TH", "PH"), "asia_pacific"),
        **dict.fromkeys(
            ("ZA", "NG", "KE", "IL", "SA", "AE", "OM", "QA", "TR"), "middle_east_africa"
        ),
    }
)


def region_of(jurisdiction: str) -> str | None:
    """World region of a jurisdiction code ("US-CA" -> "us"), None when not mapped."""
    return _REGION_OF_COUNTRY.get(regions.country_of(jurisdiction))


def is_valid_code(code: Any) -> bool:
    """Registry codes: an ISO country prefix, then upper-case parts ("NO-DATATILSYNET")."""
    return isinstance(code, str) and len(code) <= CODE_MAX_LENGTH and bool(_CODE_RE.match(code))


@dataclass(frozen=True)
class AuthorityEntry:
    """One recipient. `rule_ids` are the rules that name it as their recipient."""

    code: str
    name: str
    jurisdiction: str
    kind: str
    region: str
    website: str = ""
    breach_report_url: str | None = None
    fallback_url: str | None = None
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ()
    name_native: str | None = None

    @property
    def country(self) -> str:
        return regions.country_of(self.jurisdiction)

    @property
    def report_url(self) -> str:
        """Where to file: the breach page, else the fallback directory, else the website."""
        return self.breach_report_url or self.fallback_url or self.website or ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuthorityEntry:
        return cls(
            code=data["code"],
            name=data["name"],
            jurisdiction=data["jurisdiction"],
            kind=data["kind"],
            region=data["region"],
            website=data.get("website") or "",
            breach_report_url=data.get("breach_report_url"),
            fallback_url=data.get("fallback_url"),
            channels=tuple(data.get("channels") or ()),
            languages=tuple(data.get("languages") or ()),
            rule_ids=tuple(data.get("rule_ids") or ()),
            name_native=data.get("name_native"),
        )


@dataclass(frozen=True)
class Registry:
    """The entries plus the registry-wide notes the resolver needs.

    choose_one: rule id -> why the organisation notifies only one of the named authorities.
    one_stop_shop: rule id -> why the GDPR one-stop-shop (Art. 56) decides its recipient.
    known_gaps: rule id -> why no registry entry can be named for it yet (rules_check lists
    these instead of failing).
    representative: rule id -> why, for an organisation without an EU/EEA establishment, the
    member state of its EU representative decides the competent authority (NIS2 Art. 26(3)).
    """

    entries: tuple[AuthorityEntry, ...]
    choose_one: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    one_stop_shop: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    known_gaps: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    representative: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    land_authorities: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        by_code = {e.code: e for e in self.entries}
        by_rule: dict[str, list[AuthorityEntry]] = {}
        for entry in self.entries:
            for rule_id in entry.rule_ids:
                by_rule.setdefault(rule_id, []).append(entry)
        object.__setattr__(self, "_by_code", MappingProxyType(by_code))
        object.__setattr__(
            self, "_by_rule", MappingProxyType({k: tuple(v) for k, v in by_rule.items()})
        )
        for name in (*NOTE_SECTIONS, LAND_SECTION):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def __hash__(self) -> int:
        return hash(self.entries)

    def get(self, code: str | None) -> AuthorityEntry | None:
        return self._by_code.get(code) if code else None  # type: ignore[attr-defined]

    def named_by(self, rule_id: str) -> tuple[AuthorityEntry, ...]:
        """Entries that list `rule_id` among the rules they receive."""
        return self._by_rule.get(rule_id, ())  # type: ignore[attr-defined]

    def in_jurisdiction(self, jurisdiction: str, kind: str | None = None) -> list[AuthorityEntry]:
        """Entries whose jurisdiction is exactly `jurisdiction` (optionally of one kind)."""
        return [
            e
            for e in self.entries
            if e.jurisdiction == jurisdiction and (kind is None or e.kind == kind)
        ]


def _problems_of(raw: Any, where: str) -> list[str]:
    if not isinstance(raw, dict):
        return [f"{where}: must be an object"]
    problems = []
    for key in ("code", "name", "jurisdiction", "kind", "region"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.append(f"{where}.{key}: missing or not a non-empty string")
    if problems:
        return problems
    if not is_valid_code(raw["code"]):
        problems.append(f"{where}.code: {raw['code']!r} is not like 'FR-CNIL' (max 40 chars)")
    if not regions.is_valid_code(raw["jurisdiction"]):
        problems.append(f"{where}.jurisdiction: {raw['jurisdiction']!r} is not an ISO code")
    if not raw["code"].startswith(regions.country_of(raw["jurisdiction"])):
        problems.append(f"{where}.code: must start with its jurisdiction's country")
    if raw["kind"] not in KIND_VALUES:
        problems.append(f"{where}.kind: unknown kind {raw['kind']!r}")
    if raw["region"] != region_of(raw["jurisdiction"]):
        problems.append(
            f"{where}.region: {raw['region']!r} but {raw['jurisdiction']} is in "
            f"{region_of(raw['jurisdiction'])!r}"
        )
    for key in ("website", "breach_report_url", "fallback_url"):
        value = raw.get(key)
        if value is not None and not str(value).startswith(("https://", "http://")):
            problems.append(f"{where}.{key}: must be a web address, got {value!r}")
    for key, allowed in (("channels", CHANNELS), ("languages", None), ("rule_ids", None)):
        values = raw.get(key, [])
        if not isinstance(values, list):
            problems.append(f"{where}.{key}: must be a list")
            continue
        for value in values:
            if allowed is not None and value not in allowed:
                problems.append(f"{where}.{key}: unknown channel {value!r}")
            if key == "languages" and not _LANGUAGE_RE.match(str(value)):
                problems.append(f"{where}.languages: {value!r} is not an ISO 639-1 code")
    if raw.get("confidence") not in vocab.CONFIDENCE:
        problems.append(f"{where}.confidence: must be one of {vocab.CONFIDENCE}")
    sources = raw.get("sources")
    if not isinstance(sources, list) or not sources:
        problems.append(f"{where}.sources: at least one source is required")
    return problems


def check_authorities(document: Mapping[str, Any], rule_ids: Iterable[str] = ()) -> list[str]:
    """Every problem in a parsed registry document; `rule_ids` are the known rule ids."""
    problems: list[str] = []
    if document.get("schema_version") != SCHEMA_VERSION:
        problems.append(f"schema_version: must be {SCHEMA_VERSION}")
    entries = document.get("authorities")
    if not isinstance(entries, list) or not entries:
        return [*problems, "authorities: must be a non-empty list"]
    known = set(rule_ids)
    seen: set[str] = set()
    for index, raw in enumerate(entries):
        code = raw.get("code") if isinstance(raw, dict) else None
        where = f"authority {code!r}" if isinstance(code, str) else f"authority #{index}"
        problems += _problems_of(raw, where)
        if isinstance(code, str):
            if code in seen:
                problems.append(f"{where}.code: duplicate code")
            seen.add(code)
        if known and isinstance(raw, dict):
            for rule_id in raw.get("rule_ids") or []:
                if rule_id not in known:
                    problems.append(f"{where}.rule_ids: unknown rule id {rule_id!r}")
    for section in NOTE_SECTIONS:
        notes = document.get(section, {})
        if not isinstance(notes, dict):
            problems.append(f"{section}: must be an object (rule id -> reason)")
            continue
        for rule_id in notes:
            if known and rule_id not in known:
                problems.append(f"{section}: unknown rule id {rule_id!r}")
    lands = document.get(LAND_SECTION, {})
    if not isinstance(lands, dict):
        problems.append(f"{LAND_SECTION}: must be an object (country -> reason)")
        lands = {}
    for country in lands:
        if not any(
            isinstance(raw, dict)
            and raw.get("kind") == "dpa"
            and str(raw.get("jurisdiction", "")).startswith(f"{country}-")
            for raw in entries
        ):
            problems.append(f"{LAND_SECTION}: {country!r} has no Land DPA in the registry")
    return problems


def read_document(path: Path = AUTHORITIES_FILE) -> dict[str, Any]:
    with Path(path).open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def _notes(path: Path, signature: tuple[int, int]) -> dict[str, Mapping[str, str]]:
    document = read_document(path)
    sections = (*NOTE_SECTIONS, LAND_SECTION)
    return {name: MappingProxyType(dict(document.get(name, {}))) for name in sections}


def rule_notes(path: Path = AUTHORITIES_FILE) -> dict[str, Mapping[str, str]]:
    """The file's rule-level notes (NOTE_SECTIONS), cached until the
    file changes: they are shipped knowledge about rules, not editable registry rows."""
    stat = Path(path).stat()
    return _notes(Path(path), (stat.st_mtime_ns, stat.st_size))


def registry_from(document: Mapping[str, Any]) -> Registry:
    """A Registry from a parsed document (call `check_authorities` first)."""
    return Registry(
        entries=tuple(AuthorityEntry.from_dict(raw) for raw in document["authorities"]),
        **{name: document.get(name, {}) for name in (*NOTE_SECTIONS, LAND_SECTION)},
    )


def load_registry(path: Path = AUTHORITIES_FILE) -> Registry:
    """The shipped registry; raises ValueError listing every problem in the file."""
    document = read_document(path)
    problems = check_authorities(document)
    if problems:
        raise ValueError("authority registry problems:\n" + "\n".join(problems))
    return registry_from(document)
