"""BreachDesk's pure risk-assessment engine (no Django): facts -> GDPR Art. 33/34 outcome.

    from incidents.risk import Facts, assess
    result = assess(Facts(data_categories=("health",), exposure="published"))
    result.risk_level, result.notify_authority, result.communicate_subjects

The method and its sources are documented in docs/risk-method.md.
"""

from incidents.risk import vocab
from incidents.risk.engine import METHOD_VERSION, assess
from incidents.risk.values import (
    CHOICE,
    COUNT,
    FACT_KINDS,
    FLAG,
    HOURS,
    LIST,
    MAX_AVAILABILITY_HOURS,
    Assessment,
    Facts,
    RationaleLine,
    Severity,
)

__all__ = [
    "CHOICE",
    "COUNT",
    "FACT_KINDS",
    "FLAG",
    "HOURS",
    "LIST",
    "MAX_AVAILABILITY_HOURS",
    "METHOD_VERSION",
    "Assessment",
    "Facts",
    "RationaleLine",
    "Severity",
    "assess",
    "vocab",
]
