"""The engine's public values: the facts it takes and the assessment it returns."""

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from incidents.risk import vocab

# The one declaration of the incident facts the engine takes: name -> (kind, vocabulary).
# Everything else (the Facts value below, model validation, the incident services' input
# normalisation, the API's input fields, the facts snapshot) is derived from it.
LIST, CHOICE, COUNT, HOURS, FLAG = "list", "choice", "count", "hours", "flag"
FACT_KINDS: Mapping[str, tuple[str, tuple[str, ...]]] = MappingProxyType(
    {
        "breach_types": (LIST, vocab.BREACH_TYPES),
        "cause": (CHOICE, vocab.CAUSES),
        "data_categories": (LIST, vocab.DATA_CATEGORIES),
        "credentials_protection": (CHOICE, vocab.CREDENTIALS_PROTECTION),
        "subject_categories": (LIST, vocab.SUBJECT_CATEGORIES),
        "subjects_count": (COUNT, ()),
        "records_count": (COUNT, ()),
        "identifiability": (CHOICE, vocab.IDENTIFIABILITY),
        "exposure": (CHOICE, vocab.EXPOSURE),
        "data_protection": (CHOICE, vocab.DATA_PROTECTION),
        "availability_impact": (CHOICE, vocab.AVAILABILITY_IMPACT),
        "availability_hours": (HOURS, ()),
        "backup_available": (FLAG, ()),
        "integrity_impact": (CHOICE, vocab.INTEGRITY_IMPACT),
        "sensitive_context": (FLAG, ()),
        "mitigations": (LIST, vocab.MITIGATIONS),
        "contact_effort": (CHOICE, vocab.CONTACT_EFFORT),
    }
)


# The longest outage `availability_hours` takes: 87,600 hours (10 years). Any longer is not a
# measured outage but a loss, which `availability_impact = "permanent"` says (ENISA's
# availability scale ends there too); the bound keeps typos such as 1e308 out of the record.
MAX_AVAILABILITY_HOURS = 87_600


def facts_of_kind(kind: str) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({name: v for name, (k, v) in FACT_KINDS.items() if k == kind})


TUPLE_FIELDS = facts_of_kind(LIST)
CHOICE_FIELDS = facts_of_kind(CHOICE)
_COUNT_FIELDS = tuple(facts_of_kind(COUNT))
_BOOL_FIELDS = tuple(facts_of_kind(FLAG))

# ----------------------------------------------------------------------------------------
# Public values
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What is known about a breach. Every field may be None (= unknown).

    List-valued fields are tuples; None or () means unknown. They are stored in vocabulary
    order without repeats, so equal facts compare equal whatever order they were given in.
    """

    breach_types: tuple[str, ...] | None = None
    cause: str | None = None
    data_categories: tuple[str, ...] | None = None
    credentials_protection: str | None = None
    subject_categories: tuple[str, ...] | None = None
    subjects_count: int | None = None
    records_count: int | None = None
    identifiability: str | None = None
    exposure: str | None = None
    data_protection: str | None = None
    availability_impact: str | None = None
    availability_hours: float | None = None
    backup_available: bool | None = None
    integrity_impact: str | None = None
    sensitive_context: bool | None = None
    mitigations: tuple[str, ...] | None = None
    contact_effort: str | None = None

    def __post_init__(self) -> None:
        for name, allowed in TUPLE_FIELDS.items():
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _checked_tuple(name, value, allowed))
        for name, allowed in CHOICE_FIELDS.items():
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or value not in allowed):
                raise ValueError(f"{name}: {value!r} is not one of {', '.join(allowed)}")
        for name in _COUNT_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name}: must be a whole number, not {type(value).__name__}")
            if value < 0:
                raise ValueError(f"{name}: must not be negative")
        hours = self.availability_hours
        if hours is not None:
            if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
                raise ValueError(
                    f"availability_hours: must be a number, not {type(hours).__name__}"
                )
            if not math.isfinite(float(hours)) or not 0 <= hours <= MAX_AVAILABILITY_HOURS:
                raise ValueError(
                    f"availability_hours: must be a number from 0 to {MAX_AVAILABILITY_HOURS}"
                )
            object.__setattr__(self, "availability_hours", float(hours))
        for name in _BOOL_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                raise ValueError(f"{name}: must be true, false or null")


if tuple(f.name for f in fields(Facts)) != tuple(FACT_KINDS):  # pragma: no cover
    raise ImportError("Facts and FACT_KINDS must declare the same facts in the same order")


def _checked_tuple(name: str, value: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, tuple | list | set | frozenset):
        raise ValueError(f"{name}: must be a list of values, not {type(value).__name__}")
    for item in value:
        if not isinstance(item, str) or item not in allowed:
            raise ValueError(f"{name}: {item!r} is not one of {', '.join(allowed)}")
    return tuple(item for item in allowed if item in value)


@dataclass(frozen=True)
class Severity:
    """ENISA 2013 severity: SE = DPC x EI + CB, exact Decimals (multiples of 0.25)."""

    dpc: int
    ei: Decimal
    cb: Decimal
    score: Decimal
    band: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "dpc": self.dpc,
            "ei": str(self.ei),
            "cb": str(self.cb),
            "score": str(self.score),
            "band": self.band,
        }


@dataclass(frozen=True)
class RationaleLine:
    """One step of the reasoning: which factor, how it moved the outcome, and its source."""

    factor: str
    effect: str  # one of vocab.EFFECTS
    explanation: str
    reference: str

    def to_dict(self) -> dict[str, str]:
        return {
            "factor": self.factor,
            "effect": self.effect,
            "explanation": self.explanation,
            "reference": self.reference,
        }


@dataclass(frozen=True)
class Assessment:
    """The engine's answer for one set of facts."""

    risk_level: str
    notify_authority: bool
    communicate_subjects: bool
    communication_mode: str
    severity: Severity
    exemptions: tuple[str, ...]
    rationale: tuple[RationaleLine, ...]
    missing_facts: tuple[str, ...]
    method_version: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form; Decimals become strings such as "2.75"."""
        return {
            "risk_level": self.risk_level,
            "notify_authority": self.notify_authority,
            "communicate_subjects": self.communicate_subjects,
            "communication_mode": self.communication_mode,
            "severity": self.severity.to_dict(),
            "exemptions": list(self.exemptions),
            "rationale": [line.to_dict() for line in self.rationale],
            "missing_facts": list(self.missing_facts),
            "method_version": self.method_version,
        }
