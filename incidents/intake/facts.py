"""Incident facts carried by alert labels. Monitoring rules can say what data is at stake:

    personal_data="true"  data_categories="health,contact"  countries="DE,FR"
    breach_types="confidentiality"  subject_categories="patients"  subjects_count="1200"

Values are checked against the risk engine's vocabulary; unknown values are dropped and
reported (an alert is never refused for a bad label: the monitoring tool would not retry).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from incidents.risk import vocab
from incidents.validation import region_code_problem

LIST_FACTS: Mapping[str, tuple[str, ...]] = {
    "data_categories": vocab.DATA_CATEGORIES,
    "breach_types": vocab.BREACH_TYPES,
    "subject_categories": vocab.SUBJECT_CATEGORIES,
}
COUNT_FACTS = ("subjects_count", "records_count")
TRUE = frozenset({"true", "yes", "1", "y", "on"})
FALSE = frozenset({"false", "no", "0", "n", "off"})


@dataclass(frozen=True)
class LabelFacts:
    facts: dict[str, Any] = field(default_factory=dict)
    personal_data: bool | None = None
    problems: tuple[str, ...] = ()


def _split(value: str) -> list[str]:
    parts = (p.strip() for p in value.replace(";", ",").replace(" ", ",").split(","))
    return list(dict.fromkeys(p for p in parts if p))  # ordered, without repeats


def facts_from_labels(labels: Mapping[str, str]) -> LabelFacts:
    """The incident facts the labels state, plus what was ignored and why."""
    facts: dict[str, Any] = {}
    problems: list[str] = []
    for name, allowed in LIST_FACTS.items():
        if name not in labels:
            continue
        values = [v.lower() for v in _split(labels[name])]
        unknown = [v for v in values if v not in allowed]
        if unknown:
            problems.append(f"{name}: unknown value(s) {', '.join(unknown)} ignored")
        if known := [v for v in values if v in allowed]:
            facts[name] = known
    if "countries" in labels:
        codes = [c.upper() for c in _split(labels["countries"])]
        bad = [c for c in codes if region_code_problem(c)]
        if bad:
            problems.append(f"countries: unknown code(s) {', '.join(bad)} ignored")
        if good := [c for c in codes if c not in bad]:
            facts["countries"] = good
    for name in COUNT_FACTS:
        if name not in labels:
            continue
        text = labels[name].strip().replace("_", "")
        if text.isdigit() and len(text) <= 15:
            facts[name] = int(text)
        else:
            problems.append(f"{name}: {labels[name][:40]!r} is not a whole number; ignored")
    personal: bool | None = None
    if "personal_data" in labels:
        word = labels["personal_data"].strip().lower()
        if word in TRUE:
            personal = True
        elif word in FALSE:
            personal = False
        else:
            problems.append(f"personal_data: {labels['personal_data'][:40]!r} is not true/false")
    return LabelFacts(facts=facts, personal_data=personal, problems=tuple(problems))
