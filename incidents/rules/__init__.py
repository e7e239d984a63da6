"""Notification rules engine: legal deadlines as versioned data plus exact clock arithmetic.

Pure Python (no Django). The rule files live in `RULES_DIR` (one TOML file per regime or
family); docs/rules.md describes the format, the counting methods and the rules shipped.
"""

from . import vocab
from .applicability import in_force, plan_obligations, reaches
from .clock import compute_due
from .loader import RULES_DIR, check_rules, load_rules
from .model import (
    Conditions,
    DeadlineSpec,
    Due,
    PlannedObligation,
    Rule,
    RuleFileError,
    Situation,
)

__all__ = [
    "RULES_DIR",
    "Conditions",
    "DeadlineSpec",
    "Due",
    "PlannedObligation",
    "Rule",
    "RuleFileError",
    "Situation",
    "check_rules",
    "compute_due",
    "in_force",
    "load_rules",
    "plan_obligations",
    "reaches",
    "vocab",
]
