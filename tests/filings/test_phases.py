"""Filing phases as data: regimes, completeness (GDPR Art. 33(1), (4)) and field changes."""

import pytest

from incidents.rules import load_rules
from incidents.rules.content import catalogue
from incidents.rules.phases import (
    DEFAULT_REGIME,
    check_phases,
    completeness,
    content_changes,
    regime_for_rule,
)

GDPR_ELEMENTS = {
    "what_happened": "Stolen VPN credential used to copy the customer table.",
    "breach_type": ["confidentiality"],
    "subject_categories": ["customers"],
    "approx_subjects": {"count": 5800},
    "data_involved": ["identity", "contact"],
    "approx_records": {"count": 6100},
    "dpo_contact": "Dana DPO, dpo@example.test",
    "likely_consequences": "Phishing.",
    "measures_taken": "Credential revoked.",
    "measures_proposed": "Hardware keys.",
}


def test_phase_data_names_only_shipped_rules_and_known_elements():
    rule_ids = {rule.id for rule in load_rules()}
    assert check_phases(rule_ids, set(catalogue())) == []


def test_check_phases_reports_an_unknown_rule_and_element():
    problems = check_phases(set(), {"what_happened"})
    assert any("unknown rule id 'eu-gdpr-33-1-sa'" in p for p in problems)
    assert any("unknown element 'dpo_contact'" in p for p in problems)


@pytest.mark.parametrize(
    ("rule_id", "regime", "phases"),
    [
        ("eu-gdpr-33-1-sa", "gdpr", ("initial", "follow_up", "final")),
        (
            "eu-nis2-23-4a-early-warning",
            "nis2",
            ("early_warning", "notification", "intermediate", "final"),
        ),
        ("eu-dora-final-1m", "dora", ("initial", "intermediate", "final")),
        ("us-tx-521-053-ag", "us_ag", ("notification", "update")),
        ("eu-gdpr-33-2-processor", "processor", ("initial", "follow_up")),
        ("jp-appi-26-ppc-final", DEFAULT_REGIME, ("initial", "follow_up", "final")),
    ],
)
def test_each_regime_has_its_stages(rule_id, regime, phases):
    found = regime_for_rule(rule_id)
    assert found.key == regime
    assert found.phase_codes == phases


def test_every_gdpr_initial_element_cites_article_33():
    initial = regime_for_rule("eu-gdpr-33-1-sa").phase("initial")
    assert set(initial.elements) == set(GDPR_ELEMENTS)
    assert all(citation.startswith("GDPR Art. 33(3)") for citation in initial.elements.values())


def test_attorney_general_filing_takes_the_statute_counts_from_the_rule():
    regime = regime_for_rule("us-tx-521-053-ag")
    phase = regime.phase_for_rule("notification", "us-tx-521-053-ag", "Tex. 521.053(i)")
    assert list(phase.elements) == [
        "what_happened",
        "affected_in_jurisdiction",
        "notified_count",
        "measures_taken",
        "measures_proposed",
        "law_enforcement_involved",
    ]
    assert phase.elements["notified_count"] == "Tex. 521.053(i)"
    california = regime.phase_for_rule("notification", "us-ca-1798-82-ag", "Cal. 1798.82")
    assert california.elements["notice_copy"] == "Cal. Civ. Code 1798.82(f)"
    assert regime.phase_for_rule("update", "us-tx-521-053-ag").elements == {
        "update_of_previous": "State statute (additional notice when new information is learned)"
    }


def _initial():
    return regime_for_rule("eu-gdpr-33-1-sa").phase("initial")


def test_complete_initial_on_time_is_submittable():
    result = completeness(_initial(), GDPR_ELEMENTS, late=False, follow_up_by_given=False)
    assert result.submittable
    assert result.missing == ()


def test_incomplete_initial_needs_what_follows_and_when():
    content = {**GDPR_ELEMENTS, "approx_records": None, "likely_consequences": ""}
    result = completeness(_initial(), content, late=False, follow_up_by_given=False)
    assert not result.submittable
    assert result.missing == ("approx_records", "likely_consequences")
    assert "information_to_follow" in result.problems[0]
    stated = {**content, "information_to_follow": "Record count after the forensic review."}
    assert not completeness(_initial(), stated, late=False, follow_up_by_given=False).submittable
    assert completeness(_initial(), stated, late=False, follow_up_by_given=True).submittable


def test_final_filing_may_not_be_incomplete():
    final = regime_for_rule("eu-gdpr-33-1-sa").phase("final")
    content = {**GDPR_ELEMENTS, "incident_reference": {"ours": "BD-1"}, "measures_taken": ""}
    content["information_to_follow"] = "later"
    result = completeness(final, content, late=False, follow_up_by_given=True)
    assert not result.submittable
    assert result.missing == ("measures_taken",)


def test_late_filing_needs_reasons_for_the_delay():
    late = completeness(_initial(), GDPR_ELEMENTS, late=True, follow_up_by_given=False)
    assert not late.submittable
    assert late.delay_reasons_missing
    reasons = {**GDPR_ELEMENTS, "reasons_for_delay": "Forensics took four days."}
    assert completeness(_initial(), reasons, late=True, follow_up_by_given=False).submittable


def test_changes_are_listed_field_by_field():
    before = {
        "approx_subjects": {"count": 5800},
        "cause": "unknown",
        "iocs": None,
        "a": "x",
        "b": "y",
    }
    after = {
        "approx_subjects": {"count": 6200},
        "cause": "unknown",
        "iocs": ["1.2.3.4"],
        "a": None,
    }
    assert content_changes(before, after) == [
        {
            "element": "approx_subjects",
            "change": "changed",
            "before": {"count": 5800},
            "after": {"count": 6200},
        },
        {"element": "iocs", "change": "added", "before": None, "after": ["1.2.3.4"]},
        {"element": "a", "change": "removed", "before": "x", "after": None},
        {"element": "b", "change": "not_in_this_phase", "before": "y", "after": None},
    ]
