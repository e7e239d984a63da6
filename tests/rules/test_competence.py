"""resolve_authorities: which authority must be told, table-driven (no database)."""

from typing import Any

import pytest

from incidents.rules.authorities import load_registry
from incidents.rules.competence import resolve_authorities

REGISTRY = load_registry()
GDPR = {"rule_id": "eu-gdpr-33-1-sa", "jurisdiction": "EU/EEA", "audience": "supervisory_authority"}
PHASED = {**GDPR, "rule_id": "eu-gdpr-33-4-phased"}
NIS2 = {
    "rule_id": "eu-nis2-23-4a-early-warning",
    "jurisdiction": "EU (as transposed)",
    "audience": "other_regulator",
}
DORA = {"rule_id": "eu-dora-final-1m", "jurisdiction": "EU", "audience": "other_regulator"}
EPRIVACY = {
    "rule_id": "eu-611-2013-initial",
    "jurisdiction": "EU/EEA",
    "audience": "supervisory_authority",
}
EIDAS = {
    "rule_id": "eu-eidas-19a-supervisory-body",
    "jurisdiction": "EU",
    "audience": "supervisory_authority",
}


def rule(rule_id: str, jurisdiction: str, audience: str = "supervisory_authority") -> dict:
    return {"rule_id": rule_id, "jurisdiction": jurisdiction, "audience": audience}


def org(
    country: str | None, lead: str | None = None, established: bool | None = None, *affected: str
) -> dict[str, Any]:
    return {
        "org_country": country,
        "lead_authority": lead,
        "has_eu_establishment": established,
        "affected": affected,
    }


# (case, rule, organisation and affected people, expected codes, mode, basis)
TABLE = [
    # GDPR Art. 56: an EU/EEA establishment with a lead authority -> the lead authority only.
    (
        "de-lead-land",
        GDPR,
        org("DE", "DE-BE", None, "FR", "DE"),
        ("DE-BE",),
        "each",
        "lead_authority",
    ),
    ("ie-lead", GDPR, org("IE", "IE-DPC", True, "FR", "IT"), ("IE-DPC",), "each", "lead_authority"),
    ("cy-platform", GDPR, org("CY", "CY-CPDP", None, "GR"), ("CY-CPDP",), "each", "lead_authority"),
    (
        "phased-same-sa",
        PHASED,
        org("DE", "DE-BE", None, "FR"),
        ("DE-BE",),
        "each",
        "lead_authority",
    ),
    # No lead recorded: the DPA of the main establishment's country.
    (
        "no-cloud-host",
        GDPR,
        org("NO", None, None, "NO", "SE"),
        ("NO-DATATILSYNET",),
        "each",
        "main_establishment",
    ),
    ("ie-no-lead", GDPR, org("IE", "", True, "FR"), ("IE-DPC",), "each", "main_establishment"),
    (
        "bad-lead-ignored",
        GDPR,
        org("DE", "US-CA-AG", None, "DE"),
        (),
        "each",
        "unresolved",
    ),
    (
        "unknown-lead-ignored",
        GDPR,
        org("FR", "XX-NOPE", None, "FR"),
        ("FR-CNIL",),
        "each",
        "main_establishment",
    ),
    # No EU/EEA establishment: one authority per member state where affected people live.
    (
        "us-vendor-fr-ie",
        GDPR,
        org("US", None, None, "FR", "IE", "US-CA"),
        ("FR-CNIL", "IE-DPC"),
        "each",
        "member_states",
    ),
    (
        "us-lead-ignored",
        GDPR,
        org("US", "IE-DPC", False, "FR", "IE"),
        ("FR-CNIL", "IE-DPC"),
        "each",
        "member_states",
    ),
    (
        "om-analytics",
        GDPR,
        org("OM", None, None, "fr", "de-by", "US-CA"),
        ("DE-BY", "FR-CNIL"),
        "each",
        "member_states",
    ),
    (
        "om-germany-national",
        GDPR,
        org("OM", None, None, "DE", "AT"),
        ("AT-DSB",),
        "each",
        "member_states",
    ),
    (
        "om-germany-land-of-representative",
        GDPR,
        org("OM", "DE-HH", None, "DE", "AT"),
        ("AT-DSB", "DE-HH"),
        "each",
        "member_states",
    ),
    ("om-germany-only", GDPR, org("OM", None, None, "DE"), (), "each", "member_states"),
    (
        "eea-efta-people",
        GDPR,
        org("US", None, None, "NO", "IS", "LI"),
        ("IS-PERSONUVERND", "LI-DSS", "NO-DATATILSYNET"),
        "each",
        "member_states",
    ),
    (
        "declared-establishment-no-country",
        GDPR,
        org("US", None, True, "FR"),
        ("FR-CNIL",),
        "each",
        "member_states",
    ),
    ("no-eea-people", GDPR, org("US", None, None, "US-CA"), (), "each", "unresolved"),
    (
        "de-established-no-lead",
        GDPR,
        org("DE", None, None, "FR"),
        (),
        "each",
        "unresolved",
    ),
    # A filing profile names its own authority.
    ("cy-profile", rule("cy-gdpr-33-commissioner", "CY"), org("CY"), ("CY-CPDP",), "each", "named"),
    # National rules: the authority the rule names.
    ("uk", rule("uk-gdpr-33-ico", "GB"), org("GB"), ("GB-ICO",), "each", "named"),
    ("ch", rule("ch-fadp-24-fdpic", "CH"), org("CH"), ("CH-FDPIC",), "each", "named"),
    (
        "no-nkom",
        rule("no-ekomloven-nkom", "NO", "other_regulator"),
        org("NO"),
        ("NO-NKOM",),
        "each",
        "named",
    ),
    ("om", rule("om-pdpl-er-30-mtcit", "OM"), org("OM"), ("OM-MTCIT",), "each", "named"),
    ("br", rule("br-lgpd-anpd", "BR"), org("US", None, None, "BR"), ("BR-ANPD",), "each", "named"),
    # US states: the attorney general, plus whoever else the statute names.
    (
        "ca-ag",
        rule("us-ca-1798-82-ag", "US-CA"),
        org("US", None, None, "US-CA"),
        ("US-CA-AG",),
        "each",
        "named",
    ),
    ("il-ag", rule("us-il-pipa-ag", "US-IL"), org("US"), ("US-IL-AG",), "each", "named"),
    (
        "ma-two",
        rule("us-ma-93h-regulators", "US-MA"),
        org("US"),
        ("US-MA-AG", "US-MA-OCABR"),
        "each",
        "named",
    ),
    (
        "ny-three",
        rule("us-ny-gbl-899aa-state-agencies", "US-NY"),
        org("US"),
        ("US-NY-AG", "US-NY-DOS", "US-NY-SP"),
        "each",
        "named",
    ),
    (
        "state-fallback-ag",
        rule("unlisted-rule", "US-OR"),
        org("US"),
        ("US-OR-AG",),
        "each",
        "jurisdiction",
    ),
    (
        "country-fallback-dpa",
        rule("unlisted-rule", "JP"),
        org("JP"),
        ("JP-PPC",),
        "each",
        "jurisdiction",
    ),
    (
        "no-fallback-for-regulators",
        rule("unlisted-rule", "JP", "other_regulator"),
        org("JP"),
        (),
        "each",
        "unresolved",
    ),
    # Sector and federal rules: the regulator named.
    (
        "hhs",
        rule("us-hipaa-164-408-hhs-500plus", "US"),
        org("US"),
        ("US-HHS-OCR",),
        "each",
        "named",
    ),
    (
        "sec",
        rule("us-sec-8k-item-1-05", "US", "other_regulator"),
        org("US"),
        ("US-SEC",),
        "each",
        "named",
    ),
    (
        "ny-dfs",
        rule("us-ny-dfs-500-17-72h", "US-NY", "other_regulator"),
        org("US"),
        ("US-NY-DFS",),
        "each",
        "named",
    ),
    (
        "bank-one-of",
        rule("us-bank-computer-security-36h", "US", "other_regulator"),
        org("US"),
        ("US-FDIC", "US-FRB", "US-OCC"),
        "one_of",
        "named",
    ),
    (
        "kr-one-of",
        rule("kr-pipa-34-pipc", "KR"),
        org("KR"),
        ("KR-KISA", "KR-PIPC"),
        "one_of",
        "named",
    ),
    # EU-wide sector rules: the national competent authority of the establishment.
    ("nis2-fr", NIS2, org("FR", "FR-CNIL"), ("FR-ANSSI",), "each", "member_states"),
    (
        "nis2-no-establishment",
        NIS2,
        org("US", None, None, "NL", "IE"),
        ("IE-NCSC", "NL-NCSC"),
        "each",
        "member_states",
    ),
    ("nis2-pl-unknown", NIS2, org("PL"), (), "each", "unresolved"),
    # NIS2 Art. 26(3): no establishment -> the member state of the EU representative.
    (
        "nis2-representative",
        NIS2,
        {**org("US", None, False, "NL", "IE"), "representative_country": "fr"},
        ("FR-ANSSI",),
        "each",
        "representative",
    ),
    (
        "nis2-representative-without-authority",
        NIS2,
        {**org("US", None, False, "NL"), "representative_country": "PL"},
        (),
        "each",
        "unresolved",
    ),
    (
        "nis2-established-ignores-representative",
        NIS2,
        {**org("FR", None, True, "NL"), "representative_country": "IE"},
        ("FR-ANSSI",),
        "each",
        "member_states",
    ),
    (
        "gdpr-representative-brings-no-one-stop-shop",
        GDPR,
        {**org("US", None, False, "FR"), "representative_country": "IE"},
        ("FR-CNIL",),
        "each",
        "member_states",
    ),
    ("dora-ecb", DORA, org("FR"), ("EU-ECB",), "each", "member_states"),
    ("eprivacy-gr-adae", EPRIVACY, org("GR"), ("GR-ADAE",), "each", "member_states"),
    ("eprivacy-fr-dpa", EPRIVACY, org("FR"), ("FR-CNIL",), "each", "member_states"),
    ("eidas-gap", EIDAS, org("FR"), (), "each", "unresolved"),
    # Not an authority at all.
    (
        "individuals",
        rule("eu-gdpr-34-individuals", "EU/EEA", "individuals"),
        org("DE", "DE-BE"),
        (),
        "each",
        "not_an_authority",
    ),
]


@pytest.mark.parametrize(
    ("case", "the_rule", "situation", "codes", "mode", "basis"),
    TABLE,
    ids=[row[0] for row in TABLE],
)
def test_resolution(case, the_rule, situation, codes, mode, basis) -> None:
    result = resolve_authorities(REGISTRY, **the_rule, **situation)
    assert (result.codes, result.mode, result.basis) == (codes, mode, basis)
    assert result.reason


def test_every_code_returned_is_in_the_registry() -> None:
    for _case, the_rule, situation, *_ in TABLE:
        result = resolve_authorities(REGISTRY, **the_rule, **situation)
        assert all(REGISTRY.get(code) for code in result.codes)


def test_reasons_explain_the_legal_basis() -> None:
    lead = resolve_authorities(REGISTRY, **GDPR, **org("DE", "DE-BE"))
    assert "Art. 56" in lead.reason
    many = resolve_authorities(REGISTRY, **GDPR, **org("US", "IE-DPC", False, "FR"))
    assert "no one-stop-shop" in many.reason
    assert "IE-DPC is ignored" in many.reason
    bad = resolve_authorities(REGISTRY, **GDPR, **org("DE", "US-CA-AG"))
    assert "'US-CA-AG' is not an EU/EEA DPA" in bad.reason
    gap = resolve_authorities(REGISTRY, **EIDAS, **org("FR"))
    assert "eIDAS supervisory bodies" in gap.reason
    bank = resolve_authorities(
        REGISTRY, **rule("us-bank-computer-security-36h", "US", "other_regulator"), **org("US")
    )
    assert "primary federal regulator" in bank.reason


def test_a_missing_representative_is_said_in_the_reason_and_the_recipient() -> None:
    missing = resolve_authorities(REGISTRY, **NIS2, **org("US", None, False, "NL", "IE"))
    assert missing.codes == ("IE-NCSC", "NL-NCSC")  # Art. 26(4): where services are provided
    assert "eu_representative_country" in missing.reason
    assert "NIS2 Art. 26(3)" in missing.reason
    nowhere = resolve_authorities(REGISTRY, **NIS2, **org("US", None, False, "PL"))
    assert nowhere.codes == ()
    assert nowhere.recipient.startswith("National CSIRT or competent authority of the member")
    assert "not recorded" in nowhere.recipient
    represented = resolve_authorities(
        REGISTRY, **NIS2, **org("US", None, False, "PL"), representative_country="PL"
    )
    assert represented.recipient.startswith("National CSIRT or competent authority of PL ")
    dora = resolve_authorities(REGISTRY, **DORA, **org("US", None, False, "FR"))
    assert "representative" not in dora.reason  # only the rules the registry lists


def test_germany_without_a_land_names_no_bfdi_but_a_land_dpa_to_choose() -> None:
    """Private controllers answer to a Land DPA (BDSG §40), never the BfDI (federal bodies)."""
    alone = resolve_authorities(REGISTRY, **GDPR, **org("OM", None, None, "DE"))
    assert alone.codes == ()
    assert "Land data-protection authority" in alone.recipient
    assert "BDSG §40" in alone.recipient
    assert "BDSG §40" in alone.reason
    mixed = resolve_authorities(REGISTRY, **GDPR, **org("OM", None, None, "DE", "FR"))
    assert mixed.codes == ("FR-CNIL",)
    assert "choose" in mixed.to_choose
    established = resolve_authorities(REGISTRY, **GDPR, **org("DE", None, None, "FR"))
    assert established.codes == ()
    assert "choose" in established.recipient
    for result in (alone, mixed, established):
        assert "DE-BFDI" not in result.codes
    eprivacy = resolve_authorities(REGISTRY, **EPRIVACY, **org("DE", None, None, "DE"))
    assert eprivacy.codes == ("DE-BFDI",)  # telecom providers: the BfDI stays competent
