"""Plain values of the rules engine: rules, deadline specs, situations and planned obligations.

No Django here: these are frozen dataclasses that the Django shell translates to and from
its models. `Rule.to_dict()` is the JSON form stored as the pinned rule version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from . import vocab

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class RuleFileError(Exception):
    """A rule directory failed validation; `problems` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            f"{len(self.problems)} problem(s) in rule files:\n"
            + "\n".join(f"- {p}" for p in self.problems)
        )


@dataclass(frozen=True)
class DeadlineSpec:
    """How long the recipient may wait, counted from the rule's trigger.

    hours / days / business_days / months are hard outer limits (the earliest wins);
    standard is the qualitative duty ("without undue delay"); guidance_* are a regulator's
    non-binding expectation (soft); internal_target_hours is BreachDesk's own policy (soft);
    not_later_than names a rule this notice may not come after; year_end_anchor counts the
    limits from 31 December 23:59:59 local of the start year instead of from the start.
    """

    hours: int | None = None
    days: int | None = None
    business_days: int | None = None
    months: int | None = None
    standard: str | None = None
    guidance_hours: int | None = None
    guidance_days: int | None = None
    internal_target_hours: int | None = None
    not_later_than: str | None = None
    year_end_anchor: bool = False

    @property
    def has_hard_limit(self) -> bool:
        return any(getattr(self, key) is not None for key in vocab.HARD_KEYS)

    @property
    def has_guidance(self) -> bool:
        return self.guidance_hours is not None or self.guidance_days is not None

    def describe(self) -> str:
        """Short human form, e.g. "72 h (without undue delay)"."""
        parts: list[str] = []
        if self.hours is not None:
            parts.append(f"{self.hours} h")
        if self.days is not None:
            parts.append(f"{self.days} days")
        if self.business_days is not None:
            parts.append(f"{self.business_days} business days")
        if self.months is not None:
            parts.append(f"{self.months} month" + ("s" if self.months != 1 else ""))
        if self.year_end_anchor and parts:
            parts[-1] += " after 31 Dec of the start year"
        if self.guidance_hours is not None:
            parts.append(f"guidance {self.guidance_hours} h")
        if self.guidance_days is not None:
            parts.append(f"guidance {self.guidance_days} days")
        if self.internal_target_hours is not None:
            parts.append(f"internal target {self.internal_target_hours} h")
        text = ", ".join(parts)
        if self.standard:
            text = f"{text} ({self.standard})" if text else self.standard
        if self.not_later_than:
            text += f"; not later than {self.not_later_than}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeadlineSpec:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class Conditions:
    """When a rule applies.

    Machine-readable fields are evaluated by the planner; the text fields keep the
    researched wording for a human (and for the reasons the planner gives).
    """

    roles: tuple[str, ...] = ()  # org must act in one of these roles; () = any role
    entity_types: tuple[str, ...] = ()  # org must hold one of these types; () = any org
    risk_levels: tuple[str, ...] = ()  # assessment outcomes that make it apply; () = any
    min_affected: int | None = None  # total affected people (upper bound) at least N
    max_affected: int | None = None  # total affected people (upper bound) at most N
    min_affected_residents: int | None = None  # residents of the rule's jurisdiction >= N
    min_affected_in_one_state: int | None = None  # residents of some one subdivision >= N
    min_affected_regardless_of_risk: int | None = None  # scale alone meets the risk test
    match_establishment: bool = False  # also applies when the org is established there
    entity_description: str | None = None
    risk_threshold: str | None = None
    incident_threshold: str | None = None
    data: str | None = None
    condition: str | None = None  # a further condition a human must confirm
    exceptions: str | None = None
    scope: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Conditions:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in data:
                value = data[f.name]
                kwargs[f.name] = tuple(value) if isinstance(value, list | tuple) else value
        return cls(**kwargs)


@dataclass(frozen=True)
class Rule:
    """One legal duty: a regime, a recipient and (for phased reports) a stage."""

    id: str
    version: int
    regime: str
    jurisdiction: str
    audience: str
    recipient: str
    trigger: str
    deadline: DeadlineSpec
    conditions: Conditions
    content_required: tuple[str, ...]
    citation: str
    status: str
    effective_from: date | None
    effective_to: date | None
    confidence: str
    confidence_note: str | None
    notes: str | None
    sources: tuple[dict[str, str], ...]
    enabled: bool
    follows: str | None
    replaces: tuple[str, ...]
    filing_profile_of: str | None
    holiday_calendar: str | None
    # Additions beyond the core list: the researched texts and two engine links.
    trigger_description: str | None = None
    status_note: str | None = None
    caps: str | None = None  # this rule is an outer cap on another rule's deadline
    restart_on: tuple[str, ...] = ()  # obligations whose fulfilment restarts this clock

    def __hash__(self) -> int:  # sources hold dicts, so hash on identity fields only
        return hash((self.id, self.version))

    @property
    def key(self) -> str:
        return f"{self.id}@v{self.version}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (dates as ISO strings, tuples as lists)."""
        return {
            "id": self.id,
            "version": self.version,
            "regime": self.regime,
            "jurisdiction": self.jurisdiction,
            "audience": self.audience,
            "recipient": self.recipient,
            "trigger": self.trigger,
            "trigger_description": self.trigger_description,
            "deadline": self.deadline.to_dict(),
            "conditions": self.conditions.to_dict(),
            "content_required": list(self.content_required),
            "citation": self.citation,
            "status": self.status,
            "status_note": self.status_note,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "confidence": self.confidence,
            "confidence_note": self.confidence_note,
            "notes": self.notes,
            "sources": [dict(s) for s in self.sources],
            "enabled": self.enabled,
            "follows": self.follows,
            "replaces": list(self.replaces),
            "filing_profile_of": self.filing_profile_of,
            "holiday_calendar": self.holiday_calendar,
            "caps": self.caps,
            "restart_on": list(self.restart_on),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        """Inverse of `to_dict` (also accepts `date` objects for the dates)."""

        def _date(value: Any) -> date | None:
            if value is None or isinstance(value, date):
                return value
            return date.fromisoformat(value)

        return cls(
            id=data["id"],
            version=int(data["version"]),
            regime=data["regime"],
            jurisdiction=data["jurisdiction"],
            audience=data["audience"],
            recipient=data["recipient"],
            trigger=data["trigger"],
            trigger_description=data.get("trigger_description"),
            deadline=DeadlineSpec.from_dict(data.get("deadline", {})),
            conditions=Conditions.from_dict(data.get("conditions", {})),
            content_required=tuple(data.get("content_required", ())),
            citation=data["citation"],
            status=data["status"],
            status_note=data.get("status_note"),
            effective_from=_date(data.get("effective_from")),
            effective_to=_date(data.get("effective_to")),
            confidence=data["confidence"],
            confidence_note=data.get("confidence_note"),
            notes=data.get("notes"),
            sources=tuple(dict(s) for s in data.get("sources", ())),
            enabled=bool(data.get("enabled", True)),
            follows=data.get("follows"),
            replaces=tuple(data.get("replaces", ())),
            filing_profile_of=data.get("filing_profile_of"),
            holiday_calendar=data.get("holiday_calendar"),
            caps=data.get("caps"),
            restart_on=tuple(data.get("restart_on", ())),
        )


@dataclass(frozen=True)
class Due:
    """Result of the clock arithmetic.

    kind "hard": due_at is a legal outer limit. kind "soft": only guidance exists; due_at is
    None and soft_due_at is the target (warn, never mark as missed). kind "standard": only a
    qualitative standard; due_at is None and soft_due_at is the internal target, if any.
    """

    due_at: datetime | None
    soft_due_at: datetime | None
    kind: str


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got naive {value!r}")


@dataclass(frozen=True)
class Situation:
    """The facts of one incident that the planner needs.

    countries: where affected people live (ISO 3166-1 or 3166-2 codes).
    subjects_max: upper bound of the number affected (None = unknown).
    residents: per-region counts where known ({"US-CA": 800}); a missing region is unknown.
    risk_level: "unlikely" | "risk" | "high" | None (not assessed yet).
    triggers: trigger name -> aware timestamp. met: rule id -> when that obligation was met.
    """

    countries: frozenset[str]
    org_country: str | None = None
    org_role: str = "controller"
    org_entity_types: frozenset[str] = frozenset()
    subjects_max: int | None = None
    residents: Mapping[str, int] = field(default_factory=lambda: _EMPTY)
    risk_level: str | None = None
    triggers: Mapping[str, datetime] = field(default_factory=lambda: _EMPTY)
    met: Mapping[str, datetime] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "countries", frozenset(c.strip().upper() for c in self.countries))
        if self.org_country is not None:
            set_(self, "org_country", self.org_country.strip().upper())
        set_(self, "org_entity_types", frozenset(self.org_entity_types))
        set_(
            self,
            "residents",
            MappingProxyType({k.strip().upper(): int(v) for k, v in self.residents.items()}),
        )
        set_(self, "triggers", MappingProxyType(dict(self.triggers)))
        set_(self, "met", MappingProxyType(dict(self.met)))
        if self.org_role not in vocab.ROLES:
            raise ValueError(f"org_role must be one of {vocab.ROLES}, got {self.org_role!r}")
        if self.risk_level is not None and self.risk_level not in vocab.RISK_LEVELS:
            raise ValueError(
                f"risk_level must be one of {vocab.RISK_LEVELS} or None, got {self.risk_level!r}"
            )
        unknown = self.org_entity_types - vocab.ENTITY_TYPE_VALUES
        if unknown:
            raise ValueError(f"unknown entity type(s): {sorted(unknown)}")
        unknown_triggers = set(self.triggers) - set(vocab.TRIGGERS)
        if unknown_triggers:
            raise ValueError(f"unknown trigger(s): {sorted(unknown_triggers)}")
        if self.subjects_max is not None and self.subjects_max < 0:
            raise ValueError("subjects_max must not be negative")
        for name, value in self.triggers.items():
            _require_aware(value, f"triggers[{name!r}]")
        for name, value in self.met.items():
            _require_aware(value, f"met[{name!r}]")

    def __hash__(self) -> int:
        return hash((self.countries, self.org_country, self.org_role, self.risk_level))


@dataclass(frozen=True)
class PlannedObligation:
    """One duty the incident owes (or, with required=False, was found not to owe).

    clock_started_at is when this rule's clock started (None = trigger not known yet, and
    then due is None). For a rule capped by another (DORA initial report) it is the start
    of the clock that binds, and capped_by names the cap rule. filing_profiles are the
    national filing profiles (form, language, channel) that apply to this duty.
    """

    rule: Rule
    required: bool
    reason: str
    clock_started_at: datetime | None
    due: Due | None
    capped_by: str | None = None
    filing_profiles: tuple[Rule, ...] = ()
