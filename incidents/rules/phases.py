"""Filing phases as data: which stages a regime's filings go through and what each must say.

Pure Python (no Django). The data is `filing_phases.toml` beside this module; each element a
phase requires carries its citation. `completeness()` decides whether a filing's content can
be submitted; `content_changes()` lists what changed between two filings, field by field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .content import rule_content

PHASES_FILE: Path = Path(__file__).resolve().parent / "filing_phases.toml"
DEFAULT_REGIME = "default"
PROCESSOR_REGIME = "processor"
# Elements every filing may carry whatever the phase: they have their own rules below.
DELAY_ELEMENT = "reasons_for_delay"
TO_FOLLOW_ELEMENT = "information_to_follow"


@dataclass(frozen=True)
class Phase:
    code: str
    label: str
    citation: str
    elements: Mapping[str, str]  # element code -> citation (required)
    recommended: Mapping[str, str] = field(default_factory=dict)
    incomplete_allowed: bool = False
    requires_previous: bool = False
    meets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Regime:
    key: str
    name: str
    citation: str
    rules: tuple[str, ...]
    phases: tuple[Phase, ...]
    delay_reasons_citation: str
    attach_notice_copy: bool = False
    export: str | None = None
    elements_from_rule: bool = False

    def phase(self, code: str) -> Phase | None:
        return next((p for p in self.phases if p.code == code), None)

    @property
    def phase_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.phases)

    def phase_for_rule(self, code: str, rule_id: str, rule_citation: str = "") -> Phase | None:
        """The phase; a first phase takes the rule's own content list where the regime says so.

        The shared element mapping (content/mapping.toml) lists per rule the elements its
        content_required asks for (e.g. a state statute's counts), with their citations.
        """
        phase = self.phase(code)
        if phase is None:
            return None
        spec = rule_content(rule_id) if self.elements_from_rule else None
        if spec is None or not spec.codes or phase.code != self.phases[0].code:
            return phase
        cite = rule_citation or phase.citation
        elements = {c: spec.cite.get(c, cite) for c in spec.codes}
        others = [*spec.if_known, *spec.optional, *(c for c in spec.when if c != DELAY_ELEMENT)]
        recommended = {c: spec.cite.get(c, cite) for c in others if c not in elements}
        return Phase(
            code=phase.code,
            label=phase.label,
            citation=cite,
            elements=elements,
            recommended=recommended or dict(phase.recommended),
            incomplete_allowed=phase.incomplete_allowed,
            requires_previous=phase.requires_previous,
            meets=phase.meets,
        )


def _phase(raw: dict[str, Any]) -> Phase:
    return Phase(
        code=raw["code"],
        label=raw["label"],
        citation=raw["citation"],
        elements=dict(raw.get("elements", {})),
        recommended=dict(raw.get("recommended", {})),
        incomplete_allowed=bool(raw.get("incomplete_allowed", False)),
        requires_previous=bool(raw.get("requires_previous", False)),
        meets=tuple(raw.get("meets", ())),
    )


def parse_regimes(text: str) -> tuple[Regime, ...]:
    data = tomllib.loads(text)
    return tuple(
        Regime(
            key=raw["key"],
            name=raw["name"],
            citation=raw["citation"],
            rules=tuple(raw.get("rules", ())),
            phases=tuple(_phase(p) for p in raw["phases"]),
            delay_reasons_citation=raw["delay_reasons_citation"],
            attach_notice_copy=bool(raw.get("attach_notice_copy", False)),
            export=raw.get("export"),
            elements_from_rule=bool(raw.get("elements_from_rule", False)),
        )
        for raw in data["regimes"]
    )


@cache
def regimes() -> tuple[Regime, ...]:
    return parse_regimes(PHASES_FILE.read_text(encoding="utf-8"))


def regime_for_rule(rule_id: str, audience: str = "") -> Regime:
    """The regime whose filings fulfil `rule_id`.

    A duty towards a controller that no regime lists (e.g. a contract's notice clock) is a
    processor's notice; anything else unlisted falls back to the default regime.
    """
    for regime in regimes():
        if rule_id in regime.rules:
            return regime
    fallback = PROCESSOR_REGIME if audience == "controller" else DEFAULT_REGIME
    return next(r for r in regimes() if r.key == fallback)


def check_phases(known_rule_ids: set[str], known_elements: set[str]) -> list[str]:
    """Problems in the phase data: unknown rules, duplicate phases, unknown element codes."""
    problems: list[str] = []
    seen_rules: dict[str, str] = {}
    keys = [r.key for r in regimes()]
    if DEFAULT_REGIME not in keys:
        problems.append(f"filing_phases: no '{DEFAULT_REGIME}' regime")
    for regime in regimes():
        where = f"filing_phases[{regime.key}]"
        if keys.count(regime.key) > 1:
            problems.append(f"{where}: duplicate regime key")
        codes = regime.phase_codes
        if len(set(codes)) != len(codes):
            problems.append(f"{where}: duplicate phase code")
        if regime.phases and regime.phases[0].requires_previous:
            problems.append(f"{where}: the first phase cannot require a previous filing")
        for rule_id in regime.rules:
            if rule_id not in known_rule_ids:
                problems.append(f"{where}: unknown rule id {rule_id!r}")
        for rule_id in regime.rules:
            if rule_id in seen_rules:
                other = seen_rules[rule_id]
                problems.append(f"{where}: rule {rule_id!r} already filed under {other}")
            seen_rules[rule_id] = regime.key
        for phase in regime.phases:
            for rule_id in phase.meets:
                if rule_id not in known_rule_ids:
                    problems.append(f"{where}.{phase.code}.meets: unknown rule id {rule_id!r}")
            for code in (*phase.elements, *phase.recommended):
                if code not in known_elements:
                    problems.append(f"{where}.{phase.code}: unknown element {code!r}")
            for code, citation in {**phase.elements, **phase.recommended}.items():
                if not str(citation).strip():
                    problems.append(f"{where}.{phase.code}.{code}: citation missing")
    return problems


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict | set):
        return len(value) == 0
    return False


@dataclass(frozen=True)
class Completeness:
    """What a filing lacks. `submittable` says whether a DPO may submit it as it stands."""

    missing: tuple[str, ...]  # required elements with no value
    recommended_missing: tuple[str, ...]  # guidance elements with no value (warnings)
    delay_reasons_required: bool
    delay_reasons_missing: bool
    incomplete_allowed: bool
    to_follow_stated: bool
    submittable: bool
    problems: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "missing": list(self.missing),
            "recommended_missing": list(self.recommended_missing),
            "delay_reasons_required": self.delay_reasons_required,
            "delay_reasons_missing": self.delay_reasons_missing,
            "incomplete_allowed": self.incomplete_allowed,
            "to_follow_stated": self.to_follow_stated,
            "submittable": self.submittable,
            "problems": list(self.problems),
        }


def completeness(
    phase: Phase,
    content: Mapping[str, Any],
    *,
    late: bool,
    follow_up_by_given: bool,
    delay_citation: str = "",
) -> Completeness:
    """Decide what is missing. Late filings need reasons; an incomplete one needs a plan.

    GDPR Art. 33(4): information may be given in phases, so an incomplete first filing is
    acceptable only if it says which information will follow and when.
    """
    missing = tuple(code for code in phase.elements if is_empty(content.get(code)))
    recommended_missing = tuple(
        code
        for code in phase.recommended
        if code not in phase.elements and is_empty(content.get(code))
    )
    delay_missing = late and is_empty(content.get(DELAY_ELEMENT))
    to_follow = not is_empty(content.get(TO_FOLLOW_ELEMENT)) and follow_up_by_given
    problems: list[str] = []
    if delay_missing:
        problems.append(
            f"The filing is late: state the reasons for the delay ({DELAY_ELEMENT}; "
            f"{delay_citation or 'the regime requires it'})."
        )
    if missing:
        if not phase.incomplete_allowed:
            problems.append(
                f"Required elements missing for the {phase.label.lower()}: {', '.join(missing)}."
            )
        elif not to_follow:
            problems.append(
                f"Required elements missing: {', '.join(missing)}. An incomplete "
                f"{phase.label.lower()} may be submitted only if it states which information "
                f"will follow ({TO_FOLLOW_ELEMENT}) and when (follow_up_by)."
            )
    return Completeness(
        missing=missing,
        recommended_missing=recommended_missing,
        delay_reasons_required=late,
        delay_reasons_missing=delay_missing,
        incomplete_allowed=phase.incomplete_allowed,
        to_follow_stated=to_follow,
        submittable=not problems,
        problems=tuple(problems),
    )


def content_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Field-by-field changes from one filing's content to the next (element order kept).

    An element the later filing does not carry at all is not part of its phase: it is listed
    as `not_in_this_phase`, never as `removed` (which means the later filing emptied it)."""
    changes: list[dict[str, Any]] = []
    for code in dict.fromkeys([*before, *after]):
        old, new = before.get(code), after.get(code)
        if is_empty(old) and is_empty(new):
            continue
        if is_empty(old):
            change = "added"
        elif code not in after:
            change = "not_in_this_phase"
        elif is_empty(new):
            change = "removed"
        elif old != new:
            change = "changed"
        else:
            continue
        changes.append({"element": code, "change": change, "before": old, "after": new})
    return changes
