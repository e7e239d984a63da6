"""The shipped authority registry (pure): shape, coverage of the jurisdictions, checks."""

import copy
from collections import Counter

import pytest

from incidents.rules import load_rules, regions
from incidents.rules.authorities import (
    CODE_MAX_LENGTH,
    check_authorities,
    load_registry,
    read_document,
)

REGISTRY = load_registry()
RULE_IDS = {rule.id for rule in load_rules()}


def _dpas(jurisdiction: str) -> list[str]:
    return [e.code for e in REGISTRY.in_jurisdiction(jurisdiction, "dpa")]


def test_shipped_file_has_no_problems_against_the_shipped_rules() -> None:
    assert check_authorities(read_document(), RULE_IDS) == []


def test_size_by_region_and_kind() -> None:
    by_region = Counter(e.region for e in REGISTRY.entries)
    by_kind = Counter(e.kind for e in REGISTRY.entries)
    # 32 national DPAs + 108 other recipients, 5 of which are the same authority in both.
    assert len(REGISTRY.entries) == 135
    assert by_region == {
        "eu": 51,
        "eea_efta": 5,
        "europe_other": 3,
        "us": 53,
        "americas": 3,
        "asia_pacific": 11,
        "middle_east_africa": 9,
    }
    assert by_kind == {
        "dpa": 69,
        "attorney_general": 35,
        "csirt": 11,
        "sector_regulator": 9,
        "federal_agency": 7,
        "ministry": 4,
    }


def test_codes_are_unique_and_some_are_longer_than_ten_characters() -> None:
    codes = [e.code for e in REGISTRY.entries]
    assert len(codes) == len(set(codes))
    assert max(len(c) for c in codes) <= CODE_MAX_LENGTH
    assert {"NO-DATATILSYNET", "IS-PERSONUVERND", "US-MA-OCABR"} <= set(codes)


@pytest.mark.parametrize("country", sorted(regions.EEA_MEMBER_STATES | {"GB", "CH"}))
def test_every_eea_uk_and_swiss_country_has_one_national_dpa(country: str) -> None:
    assert len(_dpas(country)) == 1


def test_every_german_land_has_its_dpa_and_bavaria_two() -> None:
    laender = [
        "BW",
        "BY",
        "BE",
        "BB",
        "HB",
        "HH",
        "HE",
        "MV",
        "NI",
        "NW",
        "RP",
        "SL",
        "SN",
        "ST",
        "SH",
        "TH",
    ]
    for land in laender:
        assert f"DE-{land}" in _dpas(f"DE-{land}")
    assert sorted(_dpas("DE-BY")) == ["DE-BY", "DE-BY-PUB"]


@pytest.mark.parametrize(
    ("code", "jurisdiction", "kind"),
    [
        ("GB-ICO", "GB", "dpa"),
        ("CH-FDPIC", "CH", "dpa"),
        ("NO-DATATILSYNET", "NO", "dpa"),
        ("NO-NKOM", "NO", "sector_regulator"),
        ("CY-CPDP", "CY", "dpa"),
        ("OM-MTCIT", "OM", "ministry"),
        ("US-CA-AG", "US-CA", "attorney_general"),
        ("US-HHS-OCR", "US", "federal_agency"),
        ("FR-CNIL", "FR", "dpa"),
        ("IE-DPC", "IE", "dpa"),
    ],
)
def test_named_authorities_are_there(code: str, jurisdiction: str, kind: str) -> None:
    entry = REGISTRY.get(code)
    assert entry is not None
    assert (entry.jurisdiction, entry.kind) == (jurisdiction, kind)


def test_merged_entries_keep_both_sources() -> None:
    ico = REGISTRY.get("GB-ICO")
    assert ico is not None
    document = read_document()
    raw = next(a for a in document["authorities"] if a["code"] == "GB-ICO")
    assert raw["provenance"] == [
        "supervisory-authorities.json#GB",
        "authorities-extra.json#GB-ICO",
    ]
    assert ico.report_url.startswith("https://ico.org.uk/")


def test_entries_without_a_breach_page_fall_back_to_the_edpb_directory() -> None:
    cz = REGISTRY.get("CZ-UOOU")
    assert cz is not None
    assert cz.breach_report_url is None
    assert cz.report_url == "https://www.edpb.europa.eu/notify-data-breach_en"


def _broken(mutate) -> list[str]:
    document = copy.deepcopy(read_document())
    mutate(document)
    return check_authorities(document, RULE_IDS)


def test_check_names_each_problem() -> None:
    def duplicate(doc):
        doc["authorities"].append(copy.deepcopy(doc["authorities"][0]))

    def bad_fields(doc):
        entry = doc["authorities"][0]
        entry.update(code="fr cnil", kind="court", languages=["fra"], sources=[])

    def unknown_rule(doc):
        doc["authorities"][0]["rule_ids"] = ["no-such-rule"]
        doc["known_gaps"]["also-missing"] = "x"

    assert any("duplicate code" in p for p in _broken(duplicate))
    problems = _broken(bad_fields)
    for expected in (
        ".code:",
        ".kind: unknown kind 'court'",
        "'fra' is not an ISO 639-1",
        "source",
    ):
        assert any(expected in p for p in problems), (expected, problems)
    problems = _broken(unknown_rule)
    assert any("unknown rule id 'no-such-rule'" in p for p in problems)
    assert any("known_gaps: unknown rule id 'also-missing'" in p for p in problems)


def test_land_authorities_need_land_dpas_in_the_registry() -> None:
    assert _broken(lambda doc: doc["land_authorities"].update(FR="x")) == [
        "land_authorities: 'FR' has no Land DPA in the registry"
    ]


def test_region_must_match_the_jurisdiction() -> None:
    def wrong(doc):
        next(a for a in doc["authorities"] if a["code"] == "FR-CNIL")["region"] = "us"

    assert any("FR-CNIL" in p and ".region" in p for p in _broken(wrong))
