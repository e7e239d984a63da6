"""Rule files: the shipped data loads cleanly, and check_rules catches each kind of problem."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from incidents.rules import (
    RULES_DIR,
    DeadlineSpec,
    Rule,
    RuleFileError,
    check_rules,
    load_rules,
    vocab,
)

RULES = load_rules()
BY_ID = {r.id: r for r in RULES}

LOW_CONFIDENCE = {
    "us-fl-501-171-third-party-agent",
    "us-ftc-hbnr-media",
    "us-ny-dfs-500-17-extortion",
    "sg-pdpa-26d-individuals",
    "sg-pdpa-26c-data-intermediary",
    "ch-isa-critical-infrastructure-ncsc",
    "za-popia-21-operator",
    "sa-pdpl-individuals",
    "qa-pdppl-14-ncgaa",
    "qa-pdppl-14-individuals",
}


def test_shipped_rules_have_no_problems() -> None:
    assert check_rules() == []
    assert RULES_DIR.name == "data"
    assert len(RULES) == 132
    assert len(BY_ID) == len(RULES)


def test_confidence_is_kept_from_the_research() -> None:
    assert Counter(r.confidence for r in RULES) == {"high": 106, "medium": 16, "low": 10}
    assert {r.id for r in RULES if r.confidence == "low"} == LOW_CONFIDENCE
    for rule in RULES:
        assert rule.version == 1
        assert rule.citation
        if rule.confidence != "high":
            assert rule.confidence_note, rule.id  # says what still needs confirming


def test_not_in_effect_rules_ship_disabled() -> None:
    disabled = {r.id for r in RULES if not r.enabled}
    assert disabled == {"us-circia-covered-incident", "us-circia-ransom-payment"}
    assert {r.id for r in RULES if r.status == "not_in_effect"} == disabled


@pytest.mark.parametrize(
    ("rule_id", "deadline"),
    [
        ("eu-gdpr-33-1-sa", DeadlineSpec(hours=72, standard="without undue delay")),
        (
            "eu-gdpr-33-2-processor",
            DeadlineSpec(standard="without undue delay", internal_target_hours=24),
        ),
        ("eu-nis2-23-4a-early-warning", DeadlineSpec(hours=24, standard="without undue delay")),
        ("eu-nis2-23-4d-final", DeadlineSpec(months=1)),
        ("eu-dora-intermediate-72h", DeadlineSpec(hours=72)),
        ("us-hipaa-164-408-hhs-under500", DeadlineSpec(days=60, year_end_anchor=True)),
        ("us-ca-1798-82-ag", DeadlineSpec(days=15)),
        ("br-lgpd-anpd", DeadlineSpec(business_days=3)),
        ("us-sec-8k-item-1-05", DeadlineSpec(business_days=4)),
        ("au-ndb-26wh-assessment", DeadlineSpec(days=30, standard="reasonable and expeditious")),
    ],
)
def test_key_deadlines(rule_id: str, deadline: DeadlineSpec) -> None:
    assert BY_ID[rule_id].deadline == deadline


def test_links_between_rules() -> None:
    assert BY_ID["eu-nis2-23-4d-final"].follows == "eu-nis2-23-4b-incident-notification"
    assert BY_ID["us-ca-1798-82-ag"].follows == "us-ca-1798-82-individuals"
    assert BY_ID["eu-dora-final-1m"].restart_on == ("eu-dora-intermediate-update",)
    assert BY_ID["uk-pecr-5a-ico-initial"].replaces == ("uk-gdpr-33-ico",)
    assert BY_ID["eu-nis2-23-4b-trust-service-provider"].replaces == (
        "eu-nis2-23-4b-incident-notification",
    )
    assert BY_ID["cy-gdpr-33-commissioner"].filing_profile_of == "eu-gdpr-33-1-sa"
    assert BY_ID["eu-dora-initial-24h-awareness-cap"].caps == "eu-dora-initial-4h-classification"
    assert BY_ID["us-il-pipa-ag"].deadline.not_later_than == "us-il-pipa-individuals"
    assert BY_ID["br-lgpd-anpd"].holiday_calendar == "BR"
    assert BY_ID["us-ca-1798-82-individuals"].effective_from.isoformat() == "2026-01-01"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_round_trip_through_json(rule: Rule) -> None:
    stored = json.loads(json.dumps(rule.to_dict()))
    assert Rule.from_dict(stored) == rule
    assert hash(Rule.from_dict(stored)) == hash(rule)


def test_vocabularies() -> None:
    assert len(vocab.TRIGGERS) == 22
    assert len(set(vocab.TRIGGERS)) == 22
    assert set(vocab.CHAINED_TRIGGERS) <= set(vocab.TRIGGERS)
    assert len(vocab.AUDIENCES) == 6
    assert set(vocab.ENTITY_TYPE_HOME) <= vocab.ENTITY_TYPE_VALUES
    used = {t for r in RULES for t in r.conditions.entity_types}
    assert used <= vocab.ENTITY_TYPE_VALUES


def test_docs_table_lists_every_shipped_rule() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    text = docs.read_text(encoding="utf-8")
    missing = [r.id for r in RULES if f"`{r.id}`" not in text]
    assert missing == []


# --- check_rules on bad files ----------------------------------------------------------

BASE = """\
schema_version = 1

[[rules]]
id = "xx-test-rule"
version = 1
regime = "Test Act"
jurisdiction = "DE"
audience = "supervisory_authority"
recipient = "Test authority"
trigger = "awareness"
citation = "Test Act s. 1"
status = "in_force"
confidence = "high"
{rule_extra}

[rules.deadline]
hours = 72
{deadline_extra}

[rules.conditions]
roles = ["controller"]
{conditions_extra}

[[rules.sources]]
url = "https://example.test/act"
kind = "official"
"""


def write(
    directory: Path,
    name: str = "test.toml",
    *,
    rule_extra: str = "",
    deadline_extra: str = "",
    conditions_extra: str = "",
    replace: dict[str, str] | None = None,
) -> Path:
    text = BASE.format(
        rule_extra=rule_extra, deadline_extra=deadline_extra, conditions_extra=conditions_extra
    )
    for old, new in (replace or {}).items():
        assert old in text
        text = text.replace(old, new)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_base_fixture_is_valid(tmp_path: Path) -> None:
    write(tmp_path)
    assert check_rules(tmp_path) == []
    (rule,) = load_rules(tmp_path)
    assert rule.id == "xx-test-rule"
    assert rule.enabled is True


def test_standard_only_deadline_without_internal_target_is_allowed(tmp_path: Path) -> None:
    write(tmp_path, replace={"hours = 72": 'standard = "without undue delay"'})
    assert check_rules(tmp_path) == []


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({"rule_extra": 'colour = "red"'}, "rule 'xx-test-rule'.colour: unknown field"),
        ({"deadline_extra": "hourz = 4"}, "rule 'xx-test-rule'.deadline.hourz: unknown field"),
        (
            {"conditions_extra": "min_affected_resident = 5"},
            "rule 'xx-test-rule'.conditions.min_affected_resident: unknown field",
        ),
        ({"replace": {"hours = 72": "hours = -72"}}, ".deadline.hours: must be a positive"),
        ({"replace": {"hours = 72": "days = 0"}}, ".deadline.days: must be a positive"),
        ({"replace": {"hours = 72": 'hours = "72"'}}, ".deadline.hours: must be a whole number"),
        ({"replace": {"hours = 72": "months = 1.5"}}, ".deadline.months: must be a whole number"),
        ({"replace": {"hours = 72": ""}}, ".deadline: needs at least one of"),
        (
            {"replace": {'"supervisory_authority"': '"dpa"'}},
            "rule 'xx-test-rule'.audience: unknown audience 'dpa'",
        ),
        (
            {"replace": {'trigger = "awareness"': 'trigger = "noticed"'}},
            ".trigger: unknown trigger 'noticed'",
        ),
        (
            {"replace": {'["controller"]': '["owner"]'}},
            ".conditions.roles: unknown role 'owner'",
        ),
        (
            {"conditions_extra": 'entity_types = ["bank"]'},
            ".conditions.entity_types: unknown entity type 'bank'",
        ),
        (
            {"conditions_extra": 'risk_levels = ["severe"]'},
            ".conditions.risk_levels: unknown risk level 'severe'",
        ),
        (
            {"replace": {'"high"': '"certain"'}},
            ".confidence: unknown confidence 'certain'",
        ),
        ({"replace": {'"in_force"': '"live"'}}, ".status: unknown status 'live'"),
        ({"replace": {'citation = "Test Act s. 1"\n': ""}}, ".citation: missing (required)"),
        ({"replace": {'"Test Act s. 1"': '""'}}, ".citation: must be a non-empty string"),
        ({"replace": {'"Test Act s. 1"': '"  "'}}, ".citation: must be a non-empty string"),
        ({"replace": {"version = 1": "version = 0"}}, ".version: must be a positive"),
        ({"replace": {'jurisdiction = "DE"': 'jurisdiction = "Germany"'}}, ".jurisdiction:"),
        (
            {"rule_extra": "effective_from = 2026-01-01\neffective_to = 2025-12-31"},
            ".effective_to: 2025-12-31 is before effective_from 2026-01-01",
        ),
        ({"rule_extra": 'effective_from = "2026-01-01"'}, ".effective_from: must be a TOML date"),
        (
            {"replace": {'"in_force"': '"not_in_effect"'}},
            ".enabled: status is not_in_effect, so the rule must ship disabled",
        ),
        (
            {
                "rule_extra": 'follows = "xx-nowhere"',
                "replace": {'"awareness"': '"ransom_payment"'},
            },
            ".follows: trigger 'ransom_payment' is not a chained trigger",
        ),
        (
            {
                "rule_extra": 'follows = "xx-nowhere"',
                "replace": {'"awareness"': '"submission_of_previous_notification"'},
            },
            ".follows: unknown rule id 'xx-nowhere'",
        ),
        (
            {"replace": {'"awareness"': '"submission_of_previous_notification"'}},
            ".follows: trigger 'submission_of_previous_notification' needs the predecessor",
        ),
        ({"rule_extra": 'replaces = ["xx-gone"]'}, ".replaces: unknown rule id 'xx-gone'"),
        ({"rule_extra": 'replaces = ["xx-test-rule"]'}, ".replaces: refers to the rule itself"),
        (
            {"deadline_extra": 'not_later_than = "xx-other"'},
            ".deadline.not_later_than: unknown rule id 'xx-other'",
        ),
        ({"rule_extra": 'filing_profile_of = "xx-main"'}, ".filing_profile_of: unknown rule id"),
        ({"rule_extra": 'restart_on = ["xx-gone"]'}, ".restart_on: unknown rule id 'xx-gone'"),
        (
            {"replace": {"hours = 72": "business_days = 3"}},
            ".deadline.business_days: needs holiday_calendar",
        ),
        ({"rule_extra": 'holiday_calendar = "ZZ"'}, ".holiday_calendar: no holiday calendar"),
        ({"deadline_extra": "year_end_anchor = true"}, ".deadline.year_end_anchor: needs days"),
        ({"rule_extra": "enabled = 1"}, ".enabled: must be true or false"),
        (
            {"replace": {'kind = "official"': 'kind = "blog"'}},
            ".sources[0].kind: unknown source kind 'blog'",
        ),
        (
            {"conditions_extra": "min_affected = 500\nmax_affected = 499"},
            ".conditions.max_affected: is below min_affected",
        ),
        ({"replace": {'"xx-test-rule"': '"XX Test"'}}, ".id: must be a lowercase slug"),
        ({"replace": {"schema_version = 1": "schema_version = 2"}}, "schema_version: must be 1"),
        ({"replace": {"schema_version = 1": 'title = "x"\nschema_version = 1'}}, "title: unknown"),
        ({"replace": {"[rules.deadline]": "[rules.deadline"}}, "invalid TOML"),
    ],
)
def test_check_rules_reports_each_problem(
    tmp_path: Path, parts: dict[str, Any], expected: str
) -> None:
    write(tmp_path, "bad.toml", **parts)
    problems = check_rules(tmp_path)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("bad.toml: ") for p in problems), problems
    with pytest.raises(RuleFileError) as excinfo:
        load_rules(tmp_path)
    assert excinfo.value.problems == problems
    assert expected in str(excinfo.value)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.toml")
    write(tmp_path, "b.toml")
    problems = check_rules(tmp_path)
    assert problems == ["b.toml: rule 'xx-test-rule'.id: duplicate id (also defined earlier)"]


def test_follows_cycle(tmp_path: Path) -> None:
    chained = '"submission_of_previous_notification"'
    write(
        tmp_path,
        "a.toml",
        rule_extra='follows = "xx-other-rule"',
        replace={'"awareness"': chained},
    )
    write(
        tmp_path,
        "b.toml",
        rule_extra='follows = "xx-test-rule"',
        replace={'"awareness"': chained, 'id = "xx-test-rule"': 'id = "xx-other-rule"'},
    )
    problems = check_rules(tmp_path)
    assert any(
        "follows: cycle xx-test-rule -> xx-other-rule -> xx-test-rule" in p for p in problems
    )


def test_problems_name_file_rule_and_field(tmp_path: Path) -> None:
    write(tmp_path, "bad.toml", replace={"hours = 72": "hours = -1"})
    assert check_rules(tmp_path) == [
        "bad.toml: rule 'xx-test-rule'.deadline.hours: must be a positive whole number, got -1"
    ]


def test_empty_or_missing_directory(tmp_path: Path) -> None:
    assert check_rules(tmp_path) == [f"{tmp_path}: no *.toml rule files"]
    assert check_rules(tmp_path / "nope") == [f"{tmp_path / 'nope'}: not a directory"]
