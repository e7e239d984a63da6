"""Content elements of notices and filings, as data with citations (no Django).

`elements.toml` is the vocabulary of element codes (notice-content.md §1); `mapping.toml` says,
per rule id, which codes the rule's `content_required` asks for, under which condition, and
which prohibitions and format rules apply. Notices (notifications/notices) and authority
filings use the same codes, so completeness is computed the same way everywhere:

    >>> from incidents.rules.content import elements_for
    >>> [e.code for e in elements_for(rule, facts=ContentFacts(data_categories={"credentials"}))]

`check_content(rules)` lists every problem in the two files (run by `manage.py rules_check`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..model import Rule

CONTENT_DIR: Path = Path(__file__).resolve().parent

KINDS = ("content", "prohibition", "format")
FED_BY = ("incident", "org", "registry", "user", "system", "template")
VALUES = ("text", "list", "object", "boolean", "count")  # shapes of an element's value
#: How strongly a rule asks for an element.
REQUIREMENTS = ("required", "conditional", "if_known", "optional")

#: Audiences whose rules must say what their notice contains (the others are internal).
AUDIENCES_WITH_CONTENT = ("supervisory_authority", "other_regulator", "individuals", "media")


@dataclass(frozen=True)
class ContentFacts:
    """The incident facts that decide conditional elements (see CONDITIONS)."""

    data_categories: frozenset[str] = frozenset()
    late: bool = False
    source_of_breach: bool = True  # the notifier's own systems were breached

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_categories", frozenset(self.data_categories))


_ID_DATA = frozenset({"identity", "government_id"})

#: Condition name -> (plain description, test on the facts).
CONDITIONS: Mapping[str, tuple[str, Callable[[ContentFacts], bool]]] = {
    "credentials": (
        "log-in credentials were involved",
        lambda f: "credentials" in f.data_categories,
    ),
    "ssn_or_id": (
        "a social security, driver's licence or other government ID number was involved",
        lambda f: bool(f.data_categories & _ID_DATA),
    ),
    "source_and_ssn_or_id": (
        "the notifier was the source of the breach and a government ID number was involved",
        lambda f: f.source_of_breach and bool(f.data_categories & _ID_DATA),
    ),
    "ssn_id_or_financial": (
        "a government ID number or financial account data was involved",
        lambda f: bool(f.data_categories & (_ID_DATA | {"financial", "payment_card"})),
    ),
    "late": ("the notice is later than the deadline", lambda f: f.late),
}


@dataclass(frozen=True)
class Element:
    """One element code of the vocabulary."""

    code: str
    title: str
    kind: str
    fed_by: str | None
    definition: str
    text: str | None = None  # fixed wording a format rule prescribes (a title)
    headings: tuple[str, ...] = ()  # prescribed headings, in order
    min_points: int | None = None  # smallest type size allowed
    value: str = "text"  # the shape of its value in a filing (VALUES)


@dataclass(frozen=True)
class RequiredElement:
    """An element as one rule asks for it, with the citation that asks."""

    code: str
    title: str
    citation: str
    kind: str
    requirement: str = "required"
    condition: str | None = None  # the CONDITIONS key, for requirement "conditional"
    fed_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "citation": self.citation,
            "kind": self.kind,
            "requirement": self.requirement,
            "condition": self.condition,
            "condition_text": CONDITIONS[self.condition][0] if self.condition else None,
            "fed_by": self.fed_by,
        }


@dataclass(frozen=True)
class RuleContent:
    """The content spec of one rule, as written in mapping.toml."""

    codes: tuple[str, ...] = ()
    when: Mapping[str, str] = field(default_factory=dict)
    if_known: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    prohibited: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    cite: Mapping[str, str] = field(default_factory=dict)
    note: str | None = None


def _read(name: str) -> dict[str, Any]:
    with (CONTENT_DIR / name).open("rb") as handle:
        return tomllib.load(handle)


@cache
def catalogue() -> Mapping[str, Element]:
    """Every element code, in file order."""
    out: dict[str, Element] = {}
    for code, raw in _read("elements.toml").get("elements", {}).items():
        kind = raw.get("kind", "content")
        out[code] = Element(
            code=code,
            title=raw["title"],
            kind=kind,
            fed_by=raw.get("fed_by"),
            definition=raw.get("definition", ""),
            text=raw.get("text"),
            headings=tuple(raw.get("headings", ())),
            min_points=raw.get("min_points"),
            value=raw.get("value", "text"),
        )
    return out


@cache
def _mapping() -> Mapping[str, RuleContent]:
    out: dict[str, RuleContent] = {}
    for rule_id, raw in _read("mapping.toml").get("rules", {}).items():
        out[rule_id] = RuleContent(
            codes=tuple(raw.get("codes", ())),
            when=dict(raw.get("when", {})),
            if_known=tuple(raw.get("if_known", ())),
            optional=tuple(raw.get("optional", ())),
            prohibited=tuple(raw.get("prohibited", ())),
            formats=tuple(raw.get("formats", ())),
            cite=dict(raw.get("cite", {})),
            note=raw.get("note"),
        )
    return out


def rule_content(rule_id: str) -> RuleContent | None:
    """The content spec of a rule id, or None when the rule has none."""
    return _mapping().get(rule_id)


def _make(rule: Rule, spec: RuleContent, code: str, requirement: str, condition=None):
    element = catalogue()[code]
    return RequiredElement(
        code=code,
        title=element.title,
        citation=spec.cite.get(code, rule.citation),
        kind=element.kind,
        requirement=requirement,
        condition=condition,
        fed_by=element.fed_by,
    )


def elements_for(
    rule: Rule, *, facts: ContentFacts | None = None, include_optional: bool = False
) -> list[RequiredElement]:
    """The content elements `rule` asks for, in mapping order.

    With `facts`, conditional elements appear only when their condition holds; without,
    every conditional element is listed (requirement "conditional", condition named).
    """
    spec = rule_content(rule.id)
    if spec is None:
        return []
    out = [_make(rule, spec, code, "required") for code in spec.codes]
    out += [_make(rule, spec, code, "if_known") for code in spec.if_known]
    for code, condition in spec.when.items():
        if facts is None or CONDITIONS[condition][1](facts):
            out.append(_make(rule, spec, code, "conditional", condition))
    if include_optional:
        out += [_make(rule, spec, code, "optional") for code in spec.optional]
    return out


def prohibitions_for(rule: Rule) -> list[RequiredElement]:
    """What a notice under `rule` must not contain (not_ codes)."""
    spec = rule_content(rule.id)
    return [_make(rule, spec, code, "required") for code in spec.prohibited] if spec else []


def formats_for(rule: Rule) -> list[RequiredElement]:
    """The format rules (fmt_ codes) of `rule`."""
    spec = rule_content(rule.id)
    return [_make(rule, spec, code, "required") for code in spec.formats] if spec else []


def check_content(rules: Iterable[Rule], directory: Path = CONTENT_DIR) -> list[str]:
    """Every problem in elements.toml and mapping.toml, checked against `rules`."""
    problems: list[str] = []
    try:
        with (directory / "elements.toml").open("rb") as handle:
            elements = tomllib.load(handle)
        with (directory / "mapping.toml").open("rb") as handle:
            mapping = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return [f"content files: {exc}"]
    codes: dict[str, str] = {}
    for code, raw in elements.get("elements", {}).items():
        where = f"elements.toml: {code}"
        kind = raw.get("kind", "content")
        if kind not in KINDS:
            problems.append(f"{where}.kind: unknown kind {kind!r}")
        prefix = {"prohibition": "not_", "format": "fmt_"}.get(kind)
        if prefix and not code.startswith(prefix):
            problems.append(f"{where}: a {kind} code must start with {prefix!r}")
        if kind == "content" and code.startswith(("not_", "fmt_")):
            problems.append(f"{where}: content codes must not start with not_ or fmt_")
        if kind == "content" and raw.get("fed_by") not in FED_BY:
            problems.append(f"{where}.fed_by: must be one of {', '.join(FED_BY)}")
        if not str(raw.get("title", "")).strip():
            problems.append(f"{where}.title: missing")
        if raw.get("value", "text") not in VALUES:
            problems.append(f"{where}.value: must be one of {', '.join(VALUES)}")
        codes[code] = kind
    by_id = {rule.id: rule for rule in rules}
    spec_keys = {"codes", "when", "if_known", "optional", "prohibited", "formats", "cite", "note"}
    expected_kind = {
        "codes": "content",
        "if_known": "content",
        "optional": "content",
        "prohibited": "prohibition",
        "formats": "format",
    }
    mapped = mapping.get("rules", {})
    for rule_id, raw in mapped.items():
        where = f"mapping.toml: {rule_id}"
        if rule_id not in by_id:
            problems.append(f"{where}: unknown rule id")
        for key in sorted(set(raw) - spec_keys):
            problems.append(f"{where}.{key}: unknown field")
        listed: list[str] = []
        for key, kind in expected_kind.items():
            for code in raw.get(key, ()):
                listed.append(code)
                if code not in codes:
                    problems.append(f"{where}.{key}: unknown element code {code!r}")
                elif codes[code] != kind:
                    problems.append(f"{where}.{key}: {code!r} is a {codes[code]}, not a {kind}")
        for code, condition in raw.get("when", {}).items():
            listed.append(code)
            if code not in codes:
                problems.append(f"{where}.when: unknown element code {code!r}")
            if condition not in CONDITIONS:
                problems.append(f"{where}.when.{code}: unknown condition {condition!r}")
        for code in raw.get("cite", {}):
            if code not in listed:
                problems.append(f"{where}.cite.{code}: not listed in this rule")
        duplicates = sorted({c for c in listed if listed.count(c) > 1})
        if duplicates:
            problems.append(f"{where}: listed twice: {', '.join(duplicates)}")
        if not raw.get("codes") and not raw.get("if_known") and not raw.get("when"):
            problems.append(f"{where}.codes: a rule needs at least one content element")
    for rule in by_id.values():
        if (
            rule.audience in AUDIENCES_WITH_CONTENT
            and rule.content_required
            and not rule.filing_profile_of
            and rule.id not in mapped
        ):
            problems.append(
                f"mapping.toml: rule {rule.id!r} has content_required but no element codes"
            )
    return problems


__all__ = [
    "CONDITIONS",
    "ContentFacts",
    "Element",
    "RequiredElement",
    "RuleContent",
    "catalogue",
    "check_content",
    "elements_for",
    "formats_for",
    "prohibitions_for",
    "rule_content",
]
