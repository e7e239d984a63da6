"""Content element codes: the vocabulary, the per-rule mapping and its validation."""

import shutil

import pytest

from incidents.rules import load_rules
from incidents.rules.content import (
    CONTENT_DIR,
    ContentFacts,
    catalogue,
    check_content,
    elements_for,
    formats_for,
    prohibitions_for,
)

RULES = {rule.id: rule for rule in load_rules()}


def codes(rule_id, **facts):
    given = ContentFacts(**facts) if facts else None
    return [e.code for e in elements_for(RULES[rule_id], facts=given)]


def test_shipped_mapping_is_valid():
    assert check_content(RULES.values()) == []


def test_every_individual_and_authority_rule_is_mapped():
    unmapped = [
        r.id
        for r in RULES.values()
        if r.audience in ("individuals", "supervisory_authority")
        and r.content_required
        and not r.filing_profile_of
        and not elements_for(r)
    ]
    assert unmapped == []


def test_gdpr_art_34_elements_with_their_citations():
    elements = {e.code: e for e in elements_for(RULES["eu-gdpr-34-individuals"])}
    assert list(elements) == [
        "what_happened",
        "dpo_contact",
        "likely_consequences",
        "measures_taken",
        "measures_proposed",
        "what_you_can_do",
    ]
    assert elements["dpo_contact"].citation == "GDPR Art. 34(2) with Art. 33(3)(b)"
    assert elements["likely_consequences"].citation.endswith("33(3)(c)")
    assert [f.code for f in formats_for(RULES["eu-gdpr-34-individuals"])] == [
        "fmt_plain_language",
        "fmt_direct_dedicated",
        "fmt_recipient_language",
    ]


@pytest.mark.parametrize(
    ("categories", "expected_extra"),
    [
        (set(), []),
        ({"credentials"}, ["password_reset"]),
        ({"payment_card"}, []),
        ({"government_id"}, ["credit_bureaus", "credit_monitoring_offer"]),
        (
            {"identity", "credentials"},
            ["credit_bureaus", "credit_monitoring_offer", "password_reset"],
        ),
    ],
)
def test_california_conditional_elements_follow_the_data(categories, expected_extra):
    base = [
        "controller_identity",
        "contact_point",
        "data_involved",
        "date_of_notice",
        "date_of_breach",
        "law_enforcement_delay",
        "what_happened",
    ]
    assert codes("us-ca-1798-82-individuals", data_categories=categories) == base + expected_extra


def test_without_facts_conditional_elements_are_listed_with_their_condition():
    conditional = [
        e for e in elements_for(RULES["us-ca-1798-82-individuals"]) if e.condition is not None
    ]
    assert {e.code: e.condition for e in conditional} == {
        "credit_bureaus": "ssn_or_id",
        "credit_monitoring_offer": "source_and_ssn_or_id",
        "password_reset": "credentials",
    }
    assert conditional[0].to_dict()["condition_text"].startswith("a social security")


def test_reasons_for_delay_only_when_late():
    assert "reasons_for_delay" not in codes("eu-gdpr-33-1-sa", late=False)
    assert "reasons_for_delay" in codes("eu-gdpr-33-1-sa", late=True)


def test_california_format_is_data():
    formats = {f.code for f in formats_for(RULES["us-ca-1798-82-individuals"])}
    assert {"fmt_title_notice_of_data_breach", "fmt_ca_headings", "fmt_min_10pt"} <= formats
    assert catalogue()["fmt_title_notice_of_data_breach"].text == "Notice of Data Breach"
    assert catalogue()["fmt_ca_headings"].headings == (
        "What Happened",
        "What Information Was Involved",
        "What We Are Doing",
        "What You Can Do",
        "For More Information",
    )
    assert catalogue()["fmt_min_10pt"].min_points == 10


def test_massachusetts_prohibitions():
    assert [p.code for p in prohibitions_for(RULES["us-ma-93h-individuals"])] == [
        "not_nature_of_breach",
        "not_affected_count",
    ]


@pytest.fixture
def content_copy(tmp_path):
    for name in ("elements.toml", "mapping.toml"):
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    return tmp_path


def _append(path, text):
    with path.open("a") as handle:
        handle.write(text)


def test_check_names_unknown_codes_rules_and_conditions(content_copy):
    _append(
        content_copy / "mapping.toml",
        '\n[rules."no-such-rule"]\ncodes = ["what_happend"]\nwhen = { cause = "sometimes" }\n'
        'prohibited = ["what_happened"]\ncite = { ghost = "x" }\n',
    )
    problems = check_content(RULES.values(), directory=content_copy)
    text = "\n".join(problems)
    assert "mapping.toml: no-such-rule: unknown rule id" in text
    assert "unknown element code 'what_happend'" in text
    assert "unknown condition 'sometimes'" in text
    assert "'what_happened' is a content, not a prohibition" in text
    assert "cite.ghost: not listed in this rule" in text


def test_check_names_rules_without_codes(content_copy):
    mapping = (content_copy / "mapping.toml").read_text()
    start = mapping.index('[rules."us-fl-501-171-individuals"]')
    end = mapping.index("[rules.", start + 5)
    (content_copy / "mapping.toml").write_text(mapping[:start] + mapping[end:])
    problems = check_content(RULES.values(), directory=content_copy)
    assert problems == [
        "mapping.toml: rule 'us-fl-501-171-individuals' has content_required but no element codes"
    ]


def test_check_rejects_a_prohibition_without_its_prefix(content_copy):
    _append(content_copy / "elements.toml", '\n[elements.bad]\ntitle = "Bad"\nkind = "format"\n')
    problems = check_content(RULES.values(), directory=content_copy)
    assert problems == ["elements.toml: bad: a format code must start with 'fmt_'"]


def test_check_rejects_an_unknown_value_shape(content_copy):
    _append(
        content_copy / "elements.toml",
        '\n[elements.shoe_size]\ntitle = "Shoe size"\nfed_by = "user"\nvalue = "number"\n',
    )
    problems = check_content(RULES.values(), directory=content_copy)
    assert problems == [
        "elements.toml: shoe_size.value: must be one of text, list, object, boolean, count"
    ]
