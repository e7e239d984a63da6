"""Unit tests of the pure risk engine: ENISA arithmetic, validation, unknowns, exemptions."""

import ast
import dataclasses
import itertools
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import incidents.risk
from incidents.risk import METHOD_VERSION, Assessment, Facts, assess, tables, vocab

D = Decimal
# Facts a DPO has established; tests override what they are about.
KNOWN = {
    "breach_types": ("confidentiality",),
    "cause": "accidental_internal",
    "subject_categories": ("customers",),
    "subjects_count": 10,
    "identifiability": "direct",
    "exposure": "none",
    "data_protection": "none",
    "sensitive_context": False,
}


def known(**overrides: object) -> Facts:
    return Facts(**KNOWN | overrides)


def outcome(result: Assessment) -> tuple[str, bool, bool, str, tuple[str, ...]]:
    return (
        result.risk_level,
        result.notify_authority,
        result.communicate_subjects,
        result.communication_mode,
        result.exemptions,
    )


# ----------------------------------------------------------------------------------------
# ENISA arithmetic: SE = DPC x EI + CB, bands at exactly 2, 3 and 4 (ENISA 2013 section 3.2)
# ----------------------------------------------------------------------------------------

ARITHMETIC = [
    pytest.param(
        known(data_categories=("identity",), identifiability="negligible"),
        (1, "0.25", "0", "0.25", "low"),
        id="lowest-score-0.25",
    ),
    pytest.param(
        known(
            data_categories=("identity",),
            exposure="known_untrusted_recipient",
            cause="malicious_insider",
        ),
        (1, "1", "0.75", "1.75", "low"),
        id="1.75-is-low",
    ),
    pytest.param(
        known(data_categories=("identity",), exposure="exfiltrated", cause="malicious_external"),
        (1, "1", "1", "2", "medium"),
        id="exactly-2-is-medium",
    ),
    pytest.param(
        known(
            data_categories=("behavioural",),
            exposure="known_untrusted_recipient",
            cause="malicious_external",
        ),
        (2, "1", "0.75", "2.75", "medium"),
        id="2.75-is-medium",
    ),
    pytest.param(
        known(data_categories=("location",), exposure="published", cause="malicious_external"),
        (2, "1", "1", "3", "high"),
        id="exactly-3-is-high",
    ),
    pytest.param(
        known(
            data_categories=("financial",),
            exposure="known_trusted_recipient",
            cause="malicious_insider",
        ),
        (3, "1", "0.75", "3.75", "high"),
        id="3.75-is-high",
    ),
    pytest.param(
        known(data_categories=("health",)),
        (4, "1", "0", "4", "very_high"),
        id="exactly-4-is-very-high",
    ),
    pytest.param(
        known(
            breach_types=("confidentiality", "integrity", "availability"),
            data_categories=("health",),
            exposure="published",
            integrity_impact="altered_unrecoverable",
            availability_impact="permanent",
            cause="malicious_external",
        ),
        (4, "1", "2", "6", "very_high"),
        id="highest-score-6",
    ),
    pytest.param(
        known(data_categories=("financial",), identifiability="easy"),
        (3, "0.75", "0", "2.25", "medium"),
        id="ei-significant-0.75",
    ),
    pytest.param(
        known(
            data_categories=("health",),
            identifiability="difficult",
            exposure="exfiltrated",
            cause="accidental_third_party",
        ),
        (4, "0.5", "0.5", "2.5", "medium"),
        id="ei-limited-0.5",
    ),
    pytest.param(
        known(data_categories=("health",), data_protection="pseudonymised"),
        (4, "0.75", "0", "3", "high"),
        id="pseudonymised-lowers-ei-one-level",
    ),
    pytest.param(
        known(data_categories=("health",), data_protection="encrypted_key_safe"),
        (4, "0.25", "0", "1", "low"),
        id="encrypted-key-safe-ei-negligible",
    ),
    pytest.param(
        known(data_categories=("health",), data_protection="encrypted_key_compromised"),
        (4, "1", "0", "4", "very_high"),
        id="encrypted-key-compromised-no-effect",
    ),
    pytest.param(
        known(
            breach_types=("integrity",),
            data_categories=("identity",),
            integrity_impact="altered_recoverable",
        ),
        (1, "1", "0.25", "1.25", "low"),
        id="integrity-recoverable-0.25",
    ),
    pytest.param(
        known(
            breach_types=("availability",),
            data_categories=("identity",),
            availability_impact="prolonged",
        ),
        (1, "1", "0.25", "1.25", "low"),
        id="availability-temporary-0.25",
    ),
    pytest.param(
        known(
            breach_types=("availability",),
            data_categories=("identity",),
            availability_impact="restored_quickly",
        ),
        (1, "1", "0", "1", "low"),
        id="availability-recovered-without-difficulty-0",
    ),
    pytest.param(
        known(data_categories=("identity", "location")),
        (2, "1", "0", "2", "medium"),
        id="highest-category-is-kept",
    ),
]


@pytest.mark.parametrize(("facts", "expected"), ARITHMETIC)
def test_enisa_severity_is_exact(facts: Facts, expected: tuple) -> None:
    dpc, ei, cb, score, band = expected
    severity = assess(facts).severity
    assert (severity.dpc, severity.ei, severity.cb, severity.score, severity.band) == (
        dpc,
        D(ei),
        D(cb),
        D(score),
        band,
    )
    assert all(isinstance(v, Decimal) for v in (severity.ei, severity.cb, severity.score))
    assert severity.score == severity.dpc * severity.ei + severity.cb
    assert severity.score % D("0.25") == 0


@pytest.mark.parametrize(
    ("categories", "protection", "expected_dpc"),
    [
        pytest.param(("credentials", "financial"), "plaintext", 3, id="unlock-financial"),
        pytest.param(("credentials", "behavioural"), "weak_hash", 2, id="unlock-behavioural"),
        pytest.param(("credentials", "online_identifiers"), "plaintext", 4, id="scope-unknown"),
        pytest.param(("credentials",), None, 4, id="protection-unknown-is-plaintext"),
        pytest.param(("credentials",), "strong_salted_hash", 1, id="strong-hash-unlocks-nothing"),
        pytest.param(("credentials", "location"), "strong_salted_hash", 2, id="hash-plus-data"),
    ],
)
def test_credentials_are_scored_by_what_they_unlock(
    categories: tuple[str, ...], protection: str | None, expected_dpc: int
) -> None:
    facts = known(data_categories=categories, credentials_protection=protection)
    assert assess(facts).severity.dpc == expected_dpc


@pytest.mark.parametrize(
    ("overrides", "expected_dpc"),
    [
        pytest.param({"sensitive_context": True}, 2, id="special-nature-of-controller"),
        pytest.param({"subject_categories": ("children",)}, 2, id="minors"),
        pytest.param({"subject_categories": ("public_figures",)}, 2, id="well-known-people"),
        pytest.param({"subject_categories": ("students", "employees")}, 1, id="not-vulnerable"),
        pytest.param(
            {"sensitive_context": True, "subject_categories": ("vulnerable_adults",)},
            3,
            id="two-factors-two-steps",
        ),
        pytest.param(
            {"data_categories": ("identity", "contact", "education", "employment")},
            2,
            id="volume-four-categories-combined",
        ),
        pytest.param(
            {"data_categories": ("identity", "contact", "education")},
            1,
            id="three-categories-no-volume",
        ),
        pytest.param(
            {"data_categories": ("health",), "subject_categories": ("patients",)},
            4,
            id="capped-at-4",
        ),
    ],
)
def test_contextual_factors_raise_dpc_one_step_each(overrides: dict, expected_dpc: int) -> None:
    facts = known(**{"data_categories": ("identity",)} | overrides)
    assert assess(facts).severity.dpc == expected_dpc


def test_outage_longer_than_quick_restore_is_prolonged() -> None:
    facts = known(
        breach_types=("availability",),
        data_categories=("identity",),
        availability_impact="restored_quickly",
        availability_hours=tables.QUICK_RESTORE_MAX_HOURS + 1,
    )
    result = assess(facts)
    assert result.severity.cb == tables.AVAILABILITY_CB["prolonged"]
    assert any(
        line.factor == "availability_hours" and line.effect == "raises" for line in result.rationale
    )


def test_facts_imply_breach_types_not_declared() -> None:
    result = assess(
        known(
            breach_types=("availability",),
            data_categories=("identity",),
            exposure="exfiltrated",
            availability_impact="restored_quickly",
        )
    )
    assert result.severity.cb == tables.EXPOSURE_CB["exfiltrated"]
    assert any(
        line.factor == "breach_types" and line.effect == "raises" for line in result.rationale
    )


# ----------------------------------------------------------------------------------------
# Validation: ValueError("<field>: <problem>")
# ----------------------------------------------------------------------------------------

INVALID = [
    ("breach_types", ("lost",)),
    ("breach_types", "confidentiality"),
    ("breach_types", 3),
    ("cause", "hacker"),
    ("cause", 1),
    ("data_categories", ("health", "dna")),
    ("data_categories", (None,)),
    ("credentials_protection", "md5"),
    ("subject_categories", ("kids",)),
    ("subjects_count", -1),
    ("subjects_count", 1.5),
    ("subjects_count", True),
    ("subjects_count", "12"),
    ("records_count", -5),
    ("identifiability", "high"),
    ("exposure", "leaked"),
    ("data_protection", "encrypted"),
    ("availability_impact", "down"),
    ("availability_hours", -1),
    ("availability_hours", float("nan")),
    ("availability_hours", float("inf")),
    ("availability_hours", 1e308),
    ("availability_hours", 87_601),
    ("availability_hours", "3"),
    ("availability_hours", True),
    ("backup_available", "yes"),
    ("integrity_impact", "changed"),
    ("sensitive_context", 1),
    ("mitigations", ("apology",)),
    ("contact_effort", "hard"),
]


@pytest.mark.parametrize(
    ("field", "value"), [pytest.param(f, v, id=f"{f}={v!r}") for f, v in INVALID]
)
def test_invalid_fact_names_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: "):
        Facts(**{field: value})


def test_list_facts_become_canonical_tuples() -> None:
    facts = Facts(data_categories=["health", "identity", "health"], mitigations={"access_revoked"})
    assert facts.data_categories == ("identity", "health")
    assert facts.mitigations == ("access_revoked",)
    assert facts == Facts(data_categories=("identity", "health"), mitigations=("access_revoked",))


def test_numbers_are_accepted_in_any_numeric_type() -> None:
    assert Facts(availability_hours=3).availability_hours == 3.0
    assert Facts(availability_hours=D("2.5")).availability_hours == 2.5


def test_facts_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Facts().cause = "unknown"  # type: ignore[misc]


def test_order_of_list_facts_does_not_matter() -> None:
    a = known(data_categories=("health", "identity"), subject_categories=("patients", "other"))
    b = known(data_categories=("identity", "health"), subject_categories=("other", "patients"))
    assert assess(a) == assess(b)


# ----------------------------------------------------------------------------------------
# Unknown facts are conservative and reported in missing_facts
# ----------------------------------------------------------------------------------------


def test_nothing_known_is_at_least_risk() -> None:
    result = assess(Facts())
    assert outcome(result) == ("risk", True, False, "none", ())
    assert "data_categories" in result.missing_facts
    assert "mitigations" not in result.missing_facts
    assert "contact_effort" not in result.missing_facts


def test_each_missing_fact_has_an_unknown_rationale_line() -> None:
    result = assess(Facts())
    unknown = [line.factor for line in result.rationale if line.effect == "unknown"]
    assert unknown == list(result.missing_facts)


def test_fully_known_facts_leave_nothing_missing() -> None:
    result = assess(
        known(data_categories=("identity", "contact"), exposure="known_untrusted_recipient")
    )
    assert result.missing_facts == ()
    assert not any(line.effect == "unknown" for line in result.rationale)


def test_unknown_data_categories_are_at_least_a_risk() -> None:
    facts = known(exposure="known_trusted_recipient", data_categories=None)
    result = assess(facts)
    assert result.risk_level == "risk"
    assert "data_categories" in result.missing_facts
    assert assess(dataclasses.replace(facts, data_categories=("identity",))).risk_level == (
        "unlikely"
    )


def test_unknown_identifiability_is_direct() -> None:
    # Contact data beside the protected hashes: usernames and hashes alone are unlikely to
    # harm anyone whatever the identifiability (01/2021 Case 06, see test_scenarios).
    hashed = known(
        data_categories=("credentials", "online_identifiers", "contact"),
        credentials_protection="strong_salted_hash",
        exposure="exfiltrated",
        cause="malicious_external",
        identifiability=None,
    )
    result = assess(hashed)
    assert result.severity.ei == D("1")
    assert result.risk_level == "risk"
    assert result.missing_facts == ("identifiability",)
    assert assess(dataclasses.replace(hashed, identifiability="difficult")).risk_level == (
        "unlikely"
    )


def test_unknown_exposure_is_unknown_recipients() -> None:
    facts = known(data_categories=("identity",), exposure=None)
    result = assess(facts)
    assert result.severity.cb == tables.EXPOSURE_CB["unknown_recipients"]
    assert result.risk_level == "risk"
    assert "exposure" in result.missing_facts


def test_exposure_is_known_when_no_confidentiality_breach_is_declared() -> None:
    facts = known(
        breach_types=("availability",),
        data_categories=("identity",),
        exposure=None,
        availability_impact="restored_quickly",
    )
    result = assess(facts)
    assert result.severity.cb == 0
    assert "exposure" not in result.missing_facts


def test_unknown_cause_counts_as_malicious() -> None:
    trusted = known(data_categories=("identity",), exposure="known_trusted_recipient")
    for cause in (None, "unknown"):
        result = assess(dataclasses.replace(trusted, cause=cause))
        assert result.severity.cb == D("0.75")
        assert result.risk_level == "risk"
        assert result.missing_facts == ("cause",)
    assert assess(trusted).risk_level == "unlikely"


def test_unknown_backup_makes_encrypted_loss_uncertain() -> None:
    facts = known(
        breach_types=("confidentiality", "availability"),
        data_categories=("identity",),
        exposure="unknown_recipients",
        data_protection="encrypted_key_safe",
        cause="malicious_external",
    )
    result = assess(facts)
    assert result.risk_level == "risk"  # the only copy may be gone (9/2022 II.D)
    assert "backup_available" in result.missing_facts
    with_backup = assess(dataclasses.replace(facts, backup_available=True))
    assert outcome(with_backup) == ("unlikely", False, False, "none", ("art34_3_a",))


# ----------------------------------------------------------------------------------------
# Art. 34(3) exemptions
# ----------------------------------------------------------------------------------------

HEALTH_LETTER = known(
    data_categories=("identity", "health"),
    subject_categories=("patients",),
    exposure="known_untrusted_recipient",
)
PASSWORD_DUMP = known(
    data_categories=("online_identifiers", "credentials"),
    credentials_protection="plaintext",
    exposure="exfiltrated",
    cause="malicious_external",
)
STOLEN_LAPTOP = known(
    data_categories=("identity", "health"),
    subject_categories=("patients",),
    exposure="unknown_recipients",
    cause="malicious_external",
    availability_impact="none",
    backup_available=True,
)


def test_exemption_a_encryption_with_key_safe() -> None:
    result = assess(dataclasses.replace(STOLEN_LAPTOP, data_protection="encrypted_key_safe"))
    assert outcome(result) == ("unlikely", False, False, "none", ("art34_3_a",))
    assert any(line.factor == "art34_3_a" and line.effect == "decides" for line in result.rationale)


def test_exemption_a_does_not_cover_a_lost_only_copy() -> None:
    facts = dataclasses.replace(
        STOLEN_LAPTOP,
        data_protection="encrypted_key_safe",
        breach_types=("confidentiality", "availability"),
        availability_impact="permanent",
        backup_available=False,
    )
    result = assess(facts)
    assert result.risk_level == "risk"  # an availability breach remains (9/2022 II.D)
    assert result.notify_authority


@pytest.mark.parametrize(
    ("facts", "measure"),
    [
        pytest.param(HEALTH_LETTER, "recipient_deleted_or_returned", id="letter-returned"),
        pytest.param(PASSWORD_DUMP, "credentials_reset", id="passwords-reset"),
        pytest.param(STOLEN_LAPTOP, "device_remote_wiped", id="laptop-wiped"),
        pytest.param(
            known(
                data_categories=("identity", "health"),
                exposure="internal_unauthorised",
                cause="malicious_insider",
            ),
            "access_revoked",
            id="insider-access-revoked",
        ),
    ],
)
def test_exemption_b_subsequent_measures(facts: Facts, measure: str) -> None:
    before = assess(facts)
    assert outcome(before) == ("high", True, True, "individual", ())
    after = assess(dataclasses.replace(facts, mitigations=(measure,)))
    assert outcome(after) == ("high", True, False, "none", ("art34_3_b",))
    assert after.severity == before.severity  # the breach as it happened
    assert any(
        line.factor == "mitigations" and line.effect == "decides" for line in after.rationale
    )


@pytest.mark.parametrize("measure", ["monitoring_in_place", "data_restored_from_backup"])
def test_measures_that_do_not_remove_high_risk(measure: str) -> None:
    result = assess(dataclasses.replace(HEALTH_LETTER, mitigations=(measure,)))
    assert outcome(result) == ("high", True, True, "individual", ())


def test_exemption_b_needs_the_whole_high_risk_removed() -> None:
    bank = known(
        data_categories=("identity", "government_id", "credentials", "financial"),
        credentials_protection="plaintext",
        exposure="exfiltrated",
        cause="malicious_external",
        mitigations=("credentials_reset",),
    )
    assert outcome(assess(bank)) == ("high", True, True, "individual", ())


def test_containment_lowers_a_risk_but_never_a_high_risk() -> None:
    customer_list = known(
        data_categories=("identity", "contact"), exposure="known_untrusted_recipient"
    )
    assert assess(customer_list).risk_level == "risk"
    returned = dataclasses.replace(customer_list, mitigations=("recipient_deleted_or_returned",))
    assert assess(returned).risk_level == "unlikely"
    letter = dataclasses.replace(HEALTH_LETTER, mitigations=("recipient_deleted_or_returned",))
    assert assess(letter).risk_level == "high"


def test_exemption_c_public_communication() -> None:
    result = assess(dataclasses.replace(HEALTH_LETTER, contact_effort="disproportionate_effort"))
    assert outcome(result) == ("high", True, True, "public", ("art34_3_c",))


def test_exemption_c_only_when_communication_is_due() -> None:
    not_high = known(data_categories=("identity",), contact_effort="disproportionate_effort")
    assert assess(not_high).exemptions == ()
    mitigated = dataclasses.replace(
        HEALTH_LETTER,
        contact_effort="disproportionate_effort",
        mitigations=("recipient_deleted_or_returned",),
    )
    assert outcome(assess(mitigated)) == ("high", True, False, "none", ("art34_3_b",))


# ----------------------------------------------------------------------------------------
# Invariants over many combinations of facts
# ----------------------------------------------------------------------------------------

GRID = [
    known(
        breach_types=types,
        data_categories=categories,
        exposure=exposure,
        cause=cause,
        mitigations=mitigations,
        contact_effort="disproportionate_effort" if len(categories) > 1 else None,
        availability_impact="prolonged" if "availability" in types else None,
    )
    for types, categories, exposure, cause, mitigations in itertools.product(
        [("confidentiality",), ("confidentiality", "availability")],
        [("identity",), ("identity", "financial"), ("health",), ("credentials",)],
        ["none", "known_trusted_recipient", "known_untrusted_recipient", "published"],
        ["accidental_internal", "malicious_external"],
        [(), ("recipient_deleted_or_returned",), ("credentials_reset",)],
    )
]


@pytest.mark.parametrize("facts", GRID)
def test_outcome_is_consistent(facts: Facts) -> None:
    result = assess(facts)
    assert result.risk_level in vocab.RISK_LEVELS
    assert result.severity.band in vocab.BANDS
    assert result.notify_authority == (result.risk_level in ("risk", "high"))
    assert not result.communicate_subjects or result.risk_level == "high"
    assert (result.communication_mode == "none") == (not result.communicate_subjects)
    assert (result.communication_mode == "public") == ("art34_3_c" in result.exemptions)
    assert list(result.exemptions) == [e for e in vocab.EXEMPTIONS if e in result.exemptions]
    if result.risk_level == "high" and not result.communicate_subjects:
        assert {"art34_3_a", "art34_3_b"} & set(result.exemptions)
    assert set(result.missing_facts) <= {f.name for f in dataclasses.fields(Facts)}
    for line in result.rationale:
        assert line.factor
        assert line.explanation
        assert line.reference
        assert line.effect in vocab.EFFECTS


EXPOSURE_ORDER = ["known_trusted_recipient", "known_untrusted_recipient", "published"]


@pytest.mark.parametrize("categories", [("identity",), ("financial",), ("health",)])
def test_worse_facts_never_lower_the_outcome(categories: tuple[str, ...]) -> None:
    rank = vocab.RISK_LEVELS.index
    levels = [
        rank(assess(known(data_categories=categories, exposure=e)).risk_level)
        for e in EXPOSURE_ORDER
    ]
    assert levels == sorted(levels)
    for exposure in EXPOSURE_ORDER:
        base = known(data_categories=categories, exposure=exposure)
        worse = [
            dataclasses.replace(base, cause="malicious_external"),
            dataclasses.replace(base, data_categories=(*categories, "health")),
            dataclasses.replace(base, subject_categories=("children",)),
        ]
        for facts in worse:
            assert rank(assess(facts).risk_level) >= rank(assess(base).risk_level)


# ----------------------------------------------------------------------------------------
# Public API, serialisation, purity
# ----------------------------------------------------------------------------------------


def test_to_dict_is_json_with_decimal_strings() -> None:
    result = assess(
        known(
            data_categories=("behavioural",),
            exposure="known_untrusted_recipient",
            cause="malicious_external",
        )
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert data["severity"] == {
        "dpc": 2,
        "ei": "1.00",
        "cb": "0.75",
        "score": "2.75",
        "band": "medium",
    }
    assert data["risk_level"] == result.risk_level
    assert data["notify_authority"] is result.notify_authority
    assert data["communicate_subjects"] is result.communicate_subjects
    assert data["communication_mode"] == result.communication_mode
    assert data["exemptions"] == list(result.exemptions)
    assert data["missing_facts"] == list(result.missing_facts)
    assert data["method_version"] == METHOD_VERSION
    assert data["rationale"][0].keys() == {"factor", "effect", "explanation", "reference"}
    assert len(data["rationale"]) == len(result.rationale)


def test_method_version_is_reported() -> None:
    assert isinstance(METHOD_VERSION, str)
    assert METHOD_VERSION
    assert assess(Facts()).method_version == METHOD_VERSION


def test_public_api() -> None:
    assert set(incidents.risk.__all__) >= {
        "Facts",
        "Assessment",
        "Severity",
        "RationaleLine",
        "assess",
        "METHOD_VERSION",
        "vocab",
    }
    assert vocab.DATA_CATEGORIES[-9:] == vocab.SPECIAL_CATEGORIES
    assert vocab.RISK_LEVELS == ("unlikely", "risk", "high")
    assert vocab.EXEMPTIONS == ("art34_3_a", "art34_3_b", "art34_3_c")


def test_tables_cover_every_vocabulary_value() -> None:
    # Credentials have no basic score: they take the score of what they unlock (ENISA A3).
    assert set(tables.CATEGORY_DPC) | {"credentials"} == set(vocab.DATA_CATEGORIES)
    assert set(tables.IDENTIFIABILITY_EI) == set(vocab.IDENTIFIABILITY)
    assert set(tables.EXPOSURE_CB) == set(vocab.EXPOSURE) == set(tables.EXPOSURE_LIKELIHOOD)
    assert set(tables.INTEGRITY_CB) == set(vocab.INTEGRITY_IMPACT)
    assert set(tables.AVAILABILITY_CB) == set(vocab.AVAILABILITY_IMPACT)
    assert set(tables.RISK_MATRIX) == set(vocab.BANDS)
    for row in tables.RISK_MATRIX.values():
        assert set(row) == set(vocab.LIKELIHOODS)
        assert set(row.values()) <= set(vocab.RISK_LEVELS)
    assert all(tables.DPC_MIN <= v <= tables.DPC_MAX for v in tables.CATEGORY_DPC.values())
    assert {tables.CATEGORY_DPC[c] for c in vocab.SPECIAL_CATEGORIES} == {4}


def test_engine_imports_only_the_standard_library() -> None:
    package = Path(incidents.risk.__file__).parent
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or name.startswith("incidents.risk"), (
                    f"{module.name} imports {name}"
                )
