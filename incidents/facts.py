"""The incident's risk facts as the engine sees them: one snapshot, one hash, one translation.

The facts themselves are declared once, in `incidents.risk.values.FACT_KINDS`; this module
translates between that declaration and the Incident row (selectors, services and the API all
use it, so none of them lists the facts again).
"""

import hashlib
import json
from typing import Any

from breachdesk.errors import InvalidInput
from incidents import risk

FACT_FIELDS: tuple[str, ...] = tuple(risk.FACT_KINDS)
LIST_FACTS = frozenset(name for name, (kind, _) in risk.FACT_KINDS.items() if kind == risk.LIST)
CHOICE_FACTS = frozenset(name for name, (kind, _) in risk.FACT_KINDS.items() if kind == risk.CHOICE)


def fact_stored_value(field: str, value: Any) -> Any:
    """What the model stores for a fact given as `value` (None = unknown: '' or [])."""
    if value is not None:
        return value
    if field in CHOICE_FACTS:
        return ""
    if field in LIST_FACTS:
        return []
    return None


def incident_facts(incident: Any) -> dict[str, Any]:
    """The engine's facts as plain JSON values; '' and [] become None (unknown)."""
    facts: dict[str, Any] = {}
    for field in FACT_FIELDS:
        value = getattr(incident, field)
        if value in ("", [], None):
            facts[field] = None
        elif field in LIST_FACTS:
            facts[field] = sorted(value)
        else:
            facts[field] = value
    return facts


def facts_hash(facts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def engine_facts(facts: dict[str, Any]) -> risk.Facts:
    """The snapshot as the engine's value; a value the engine refuses is a 400 on its field."""
    kwargs = {k: tuple(v) if k in LIST_FACTS and v is not None else v for k, v in facts.items()}
    try:
        return risk.Facts(**kwargs)
    except ValueError as exc:
        field = str(exc).split(":", 1)[0]
        raise InvalidInput(str(exc), field=field) from exc
