"""plan_obligations: which duties an incident owes, and when."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from incidents.rules import PlannedObligation, Situation, load_rules, plan_obligations
from incidents.rules.regions import jurisdiction_matches

RULES = load_rules()
AWARE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DISCOVERY = AWARE - timedelta(hours=6)
H = timedelta(hours=1)


def situation(**overrides: Any) -> Situation:
    facts: dict[str, Any] = {
        "countries": frozenset({"DE", "US-CA"}),
        "org_country": "DE",
        "org_role": "controller",
        "residents": {"US-CA": 800},
        "risk_level": "high",
        "triggers": {"awareness": AWARE, "discovery": DISCOVERY},
    }
    facts.update(overrides)
    return Situation(**facts)


def plan(at: datetime = AWARE, **overrides: Any) -> dict[str, PlannedObligation]:
    return {p.rule.id: p for p in plan_obligations(RULES, situation(**overrides), at=at)}


def test_done_when_scenario_controller_in_de_with_californians() -> None:
    result = plan()
    assert set(result) == {
        "eu-gdpr-33-1-sa",
        "eu-gdpr-33-4-phased",
        "eu-gdpr-34-individuals",
        "us-ca-1798-82-individuals",
        "us-ca-1798-82-ag",
    }
    assert all(p.required for p in result.values())

    sa = result["eu-gdpr-33-1-sa"]
    assert sa.clock_started_at == AWARE
    assert sa.due is not None
    assert sa.due.kind == "hard"
    assert sa.due.due_at == AWARE + 72 * H

    individuals = result["eu-gdpr-34-individuals"]
    assert individuals.due is not None
    assert individuals.due.kind == "standard"
    assert individuals.due.due_at is None

    ca = result["us-ca-1798-82-individuals"]
    assert ca.clock_started_at == DISCOVERY
    assert ca.due is not None
    assert ca.due.due_at == DISCOVERY + timedelta(days=30)

    ag = result["us-ca-1798-82-ag"]  # chained: waits for the resident notice
    assert ag.clock_started_at is None
    assert ag.due is None
    assert "clock starts when us-ca-1798-82-individuals is met" in ag.reason
    assert "800 California residents affected (threshold 501)" in ag.reason


def test_chained_clock_starts_when_the_predecessor_is_met() -> None:
    notified = AWARE + timedelta(days=9, hours=3)
    ag = plan(met={"us-ca-1798-82-individuals": notified})["us-ca-1798-82-ag"]
    assert ag.clock_started_at == notified
    assert ag.due is not None
    assert ag.due.due_at == notified + timedelta(days=15)


def test_nis2_essential_entity_adds_the_nis2_sequence() -> None:
    result = plan(org_entity_types=frozenset({"nis2_essential"}))
    warning = result["eu-nis2-23-4a-early-warning"]
    notification = result["eu-nis2-23-4b-incident-notification"]
    final = result["eu-nis2-23-4d-final"]
    assert warning.due is not None
    assert warning.due.due_at == AWARE + 24 * H
    assert notification.due is not None
    assert notification.due.due_at == AWARE + 72 * H
    assert final.required
    assert final.due is None
    assert "eu-nis2-23-4b-trust-service-provider" not in result

    filed = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    final = plan(
        org_entity_types=frozenset({"nis2_essential"}),
        met={"eu-nis2-23-4b-incident-notification": filed},
    )["eu-nis2-23-4d-final"]
    assert final.clock_started_at == filed
    assert final.due is not None
    assert final.due.due_at == datetime(2026, 4, 30, 16, 0, tzinfo=UTC)  # 31 Apr -> 30 Apr


def test_trust_service_provider_24h_notice_replaces_the_72h_one() -> None:
    result = plan(org_entity_types=frozenset({"trust_service_provider"}))
    assert "eu-nis2-23-4b-incident-notification" not in result
    tsp = result["eu-nis2-23-4b-trust-service-provider"]
    assert tsp.due is not None
    assert tsp.due.due_at == AWARE + 24 * H
    assert "eu-nis2-23-4a-early-warning" in result
    # The final report now runs from the notice that replaced the 72h one.
    filed = AWARE + 20 * H
    final = plan(
        org_entity_types=frozenset({"trust_service_provider"}),
        met={"eu-nis2-23-4b-trust-service-provider": filed},
    )["eu-nis2-23-4d-final"]
    assert final.clock_started_at == filed


def test_unlikely_risk_keeps_gdpr_33_with_a_reason() -> None:
    result = plan(risk_level="unlikely")
    sa = result["eu-gdpr-33-1-sa"]
    assert sa.required is False
    assert sa.due is None
    assert sa.reason == (
        "risk assessment concluded the breach is unlikely to result in a risk "
        "(GDPR Art. 33(1), 33(3))"
    )
    assert result["eu-gdpr-34-individuals"].required is False
    phased = result["eu-gdpr-33-4-phased"]
    assert phased.required is False
    assert phased.reason.startswith("depends on eu-gdpr-33-1-sa, which is not required")
    # California's duty has no risk-of-harm test.
    assert result["us-ca-1798-82-individuals"].required is True


def test_risk_but_not_high_risk() -> None:
    result = plan(risk_level="risk")
    assert result["eu-gdpr-33-1-sa"].required is True
    individuals = result["eu-gdpr-34-individuals"]
    assert individuals.required is False
    assert "not a high risk" in individuals.reason


def test_unknown_risk_is_required_pending_the_assessment() -> None:
    result = plan(risk_level=None)
    for rule_id in ("eu-gdpr-33-1-sa", "eu-gdpr-34-individuals"):
        assert result[rule_id].required is True
        assert "risk not assessed yet" in result[rule_id].reason


def test_processor_gets_the_processor_duty_with_an_internal_target() -> None:
    result = plan(org_role="processor")
    assert "eu-gdpr-33-1-sa" not in result
    assert "us-ca-1798-82-individuals" not in result
    processor = result["eu-gdpr-33-2-processor"]
    assert processor.required
    assert processor.due is not None
    assert processor.due.kind == "standard"
    assert processor.due.due_at is None
    assert processor.due.soft_due_at == AWARE + 24 * H
    assert "us-ca-1798-82-maintainer" in result


def test_controller_and_processor_at_once() -> None:
    result = plan(org_role="both")
    assert {"eu-gdpr-33-1-sa", "eu-gdpr-33-2-processor"} <= set(result)


@pytest.mark.parametrize(
    ("residents", "subjects_max", "required", "reason"),
    [
        ({"US-CA": 800}, None, True, "800 California residents affected (threshold 501)"),
        ({"US-CA": 501}, None, True, "501 California residents affected"),
        ({"US-CA": 500}, None, False, "fewer than 501 California residents affected (500 counted)"),
        ({}, None, True, "number of California residents unknown: threshold (501) treated as met"),
        ({}, 120, False, "fewer than 501 California residents affected (at most 120 people)"),
    ],
)
def test_resident_thresholds(
    residents: Mapping[str, int], subjects_max: int | None, required: bool, reason: str
) -> None:
    ag = plan(residents=residents, subjects_max=subjects_max)["us-ca-1798-82-ag"]
    assert ag.required is required
    assert reason in ag.reason


def test_rules_that_do_not_reach_the_incident_are_left_out() -> None:
    result = plan(countries=frozenset({"US-TX"}), org_country="US", residents={"US-TX": 300})
    assert not any(rule_id.startswith("eu-") for rule_id in result)
    assert "us-ca-1798-82-individuals" not in result
    assert result["us-tx-521-053-ag"].required is True  # 250 or more Texans
    assert "us-hipaa-164-404-individuals" not in result  # not a covered entity


def test_gdpr_applies_by_establishment_or_by_residents() -> None:
    # Established in the EEA: GDPR even though only Californians are affected.
    assert "eu-gdpr-33-1-sa" in plan(countries=frozenset({"US-CA"}), org_country="NL")
    # Not established in the EEA, but French residents affected.
    assert "eu-gdpr-33-1-sa" in plan(countries=frozenset({"FR"}), org_country="US")
    # Norway applies the GDPR through the EEA Agreement.
    assert "eu-gdpr-33-1-sa" in plan(countries=frozenset({"NO"}), org_country="US")


def test_filing_profile_is_attached_not_raised() -> None:
    result = plan(countries=frozenset({"CY"}), org_country="CY")
    assert "cy-gdpr-33-commissioner" not in result
    profiles = result["eu-gdpr-33-1-sa"].filing_profiles
    assert [p.id for p in profiles] == ["cy-gdpr-33-commissioner"]
    assert plan()["eu-gdpr-33-1-sa"].filing_profiles == ()


def test_pecr_replaces_uk_gdpr_33_for_telecoms() -> None:
    base = {"countries": frozenset({"GB"}), "org_country": "GB", "residents": {}}
    plain = plan(**base)
    assert "uk-gdpr-33-ico" in plain
    assert "uk-pecr-5a-ico-initial" not in plain
    telecom = plan(**base, org_entity_types=frozenset({"telecom_provider"}))
    assert "uk-gdpr-33-ico" not in telecom
    assert "uk-pecr-5a-ico-initial" in telecom
    assert "uk-gdpr-34-individuals" in telecom
    initial = telecom["uk-pecr-5a-ico-initial"]
    assert initial.due is None  # awareness_of_essential_facts not recorded yet
    assert "awareness_of_essential_facts not recorded" in initial.reason


DORA_FACTS: dict[str, Any] = {
    "countries": frozenset({"FR"}),
    "org_country": "FR",
    "org_entity_types": frozenset({"dora_financial_entity"}),
    "residents": {},
}


@pytest.mark.parametrize(
    ("classified_after", "due_after", "capped"),
    [
        (None, 24 * H, True),  # not classified yet: the 24h cap from awareness binds
        (2 * H, 6 * H, False),  # classification + 4h comes first
        (20 * H, 24 * H, False),  # 20h + 4h = 24h: equal, the own limit stands
        (22 * H, 24 * H, True),  # min(26h, 24h)
        (30 * H, 34 * H, False),  # classified after 24h: the cap does not apply (Art. 5(2))
    ],
)
def test_dora_initial_is_min_of_classification_4h_and_awareness_24h(
    classified_after: timedelta | None, due_after: timedelta, capped: bool
) -> None:
    triggers = {"awareness": AWARE}
    if classified_after is not None:
        triggers["classification_as_major"] = AWARE + classified_after
    result = plan(**DORA_FACTS, triggers=triggers)
    assert "eu-dora-initial-24h-awareness-cap" not in result  # a cap, never its own duty
    initial = result["eu-dora-initial-4h-classification"]
    assert initial.due is not None
    assert initial.due.due_at == AWARE + due_after
    assert initial.due.kind == "hard"
    if capped:
        assert initial.capped_by == "eu-dora-initial-24h-awareness-cap"
        assert initial.clock_started_at == AWARE
    else:
        assert initial.capped_by is None
    if classified_after == 30 * H:
        assert "eu-dora-initial-24h-awareness-cap does not apply" in initial.reason


def test_dora_intermediate_and_final_reports() -> None:
    initial_filed = AWARE + 10 * H
    intermediate_filed = initial_filed + 60 * H
    update_filed = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    result = plan(
        **DORA_FACTS,
        met={
            "eu-dora-initial-4h-classification": initial_filed,
            "eu-dora-intermediate-72h": intermediate_filed,
        },
    )
    intermediate = result["eu-dora-intermediate-72h"]
    assert intermediate.due is not None
    assert intermediate.due.due_at == initial_filed + 72 * H
    final = result["eu-dora-final-1m"]
    assert final.due is not None
    assert final.due.due_at == intermediate_filed.replace(month=4)
    # An updated intermediate report restarts the final report's month.
    final = plan(
        **DORA_FACTS,
        met={
            "eu-dora-initial-4h-classification": initial_filed,
            "eu-dora-intermediate-72h": intermediate_filed,
            "eu-dora-intermediate-update": update_filed,
        },
    )["eu-dora-final-1m"]
    assert final.clock_started_at == update_filed
    assert final.due is not None
    assert final.due.due_at == datetime(2026, 4, 30, 12, 0, tzinfo=UTC)


def test_dora_does_not_apply_before_17_january_2025() -> None:
    aware = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    result = plan(at=aware, **DORA_FACTS, triggers={"awareness": aware})
    assert not any(rule_id.startswith("eu-dora") for rule_id in result)
    assert "eu-gdpr-33-1-sa" in result


def test_effective_from_is_judged_on_the_local_date_of_the_trigger() -> None:
    pacific = ZoneInfo("America/Los_Angeles")
    # 20:00 on 31 Dec 2025 in California is already 1 Jan 2026 in UTC.
    late_2025 = datetime(2025, 12, 31, 20, 0, tzinfo=pacific)
    result = plan(at=late_2025, triggers={"awareness": late_2025, "discovery": late_2025})
    assert "us-ca-1798-82-individuals" not in result
    early_2026 = datetime(2026, 1, 1, 9, 0, tzinfo=pacific)
    result = plan(at=early_2026, triggers={"awareness": early_2026, "discovery": early_2026})
    assert "us-ca-1798-82-individuals" in result


def test_scheduled_rules_wait_for_their_start_date() -> None:
    india = {"countries": frozenset({"IN"}), "org_country": "IN", "residents": {}}
    assert "in-dpdp-rule7-board-72h" not in plan(**india)
    later = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
    result = plan(at=later, **india, triggers={"awareness": later})
    board = result["in-dpdp-rule7-board-72h"]
    assert board.due is not None
    assert board.due.due_at == later + 72 * H
    assert "in-certin-6h" in result


def test_disabled_rules_never_plan() -> None:
    result = plan(
        countries=frozenset({"US"}),
        org_country="US",
        org_entity_types=frozenset({"critical_infrastructure"}),
        triggers={"reasonable_belief_incident_occurred": AWARE, "ransom_payment": AWARE},
    )
    assert not any(rule_id.startswith("us-circia") for rule_id in result)


@pytest.mark.parametrize(
    ("subjects_max", "residents", "expect_required"),
    [
        (
            300,
            {"US-NY": 300},
            {
                "us-hipaa-164-408-hhs-under500": True,
                "us-hipaa-164-408-hhs-500plus": False,
                "us-hipaa-164-406-media": False,
            },
        ),
        (
            None,
            {},
            {
                "us-hipaa-164-408-hhs-under500": False,
                "us-hipaa-164-408-hhs-500plus": True,
                "us-hipaa-164-406-media": True,
            },
        ),
        (
            900,
            {"US-NY": 600, "US-NJ": 300},
            {
                "us-hipaa-164-408-hhs-under500": False,
                "us-hipaa-164-408-hhs-500plus": True,
                "us-hipaa-164-406-media": True,
            },
        ),
        (
            900,
            {"US-NY": 450, "US-NJ": 450},
            {
                "us-hipaa-164-408-hhs-under500": False,
                "us-hipaa-164-408-hhs-500plus": True,
                "us-hipaa-164-406-media": False,
            },
        ),
    ],
)
def test_hipaa_thresholds(
    subjects_max: int | None, residents: dict[str, int], expect_required: dict[str, bool]
) -> None:
    result = plan(
        countries=frozenset({"US-NY", "US-NJ"}),
        org_country="US",
        org_entity_types=frozenset({"hipaa_covered_entity"}),
        subjects_max=subjects_max,
        residents=residents,
        risk_level=None,
    )
    for rule_id, required in expect_required.items():
        assert result[rule_id].required is required, (rule_id, result[rule_id].reason)


def test_hipaa_small_breach_log_is_due_60_days_after_year_end() -> None:
    result = plan(
        countries=frozenset({"US-NY"}),
        org_country="US",
        org_entity_types=frozenset({"hipaa_covered_entity"}),
        subjects_max=40,
        residents={"US-NY": 40},
    )
    log = result["us-hipaa-164-408-hhs-under500"]
    new_york = ZoneInfo("America/New_York")
    assert log.clock_started_at == datetime(2026, 12, 31, 23, 59, 59, tzinfo=new_york)
    assert log.due is not None
    assert log.due.due_at == datetime(2027, 3, 1, 23, 59, 59, tzinfo=new_york)
    individuals = result["us-hipaa-164-404-individuals"]
    assert individuals.due is not None
    assert individuals.due.due_at == DISCOVERY + timedelta(days=60)


def test_brazil_anpd_three_business_days() -> None:
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    aware = datetime(2026, 11, 17, 10, 0, tzinfo=sao_paulo)
    result = plan(
        at=aware,
        countries=frozenset({"BR"}),
        org_country="BR",
        residents={},
        triggers={"awareness": aware},
    )
    anpd = result["br-lgpd-anpd"]
    assert anpd.due is not None
    assert anpd.due.due_at == datetime(2026, 11, 23, 10, 0, tzinfo=sao_paulo)  # over Zumbi day


def test_australia_assessment_gate() -> None:
    suspected = AWARE - timedelta(days=2)
    result = plan(
        countries=frozenset({"AU"}),
        org_country="AU",
        residents={},
        triggers={"suspicion_of_breach": suspected, "awareness": AWARE},
    )
    assessment = result["au-ndb-26wh-assessment"]
    assert assessment.rule.audience == "internal_assessment"
    assert assessment.due is not None
    assert assessment.due.due_at == suspected + timedelta(days=30)
    assert result["au-ndb-26wl-individuals"].due is None  # follows the OAIC statement


@pytest.mark.parametrize(
    ("risk_level", "subjects_max", "pdpc_required", "individuals_required"),
    [
        ("high", 10, True, True),
        ("unlikely", 600, True, False),  # significant scale alone: PDPC, not individuals
        ("unlikely", 100, False, False),
        ("unlikely", None, True, False),  # count unknown: scale treated as met
    ],
)
def test_singapore_significant_harm_or_scale(
    risk_level: str, subjects_max: int | None, pdpc_required: bool, individuals_required: bool
) -> None:
    result = plan(
        countries=frozenset({"SG"}),
        org_country="SG",
        residents={},
        risk_level=risk_level,
        subjects_max=subjects_max,
        triggers={"awareness": AWARE, "notifiability_assessment": AWARE + 48 * H},
    )
    pdpc = result["sg-pdpa-26d-pdpc"]
    assert pdpc.required is pdpc_required
    assert result["sg-pdpa-26d-individuals"].required is individuals_required
    if pdpc_required:
        assert pdpc.due is not None
        assert pdpc.due.due_at == AWARE + 48 * H + timedelta(days=3)


def test_illinois_ag_notice_not_later_than_the_consumer_notice() -> None:
    facts = {"countries": frozenset({"US-IL"}), "org_country": "US", "residents": {"US-IL": 900}}
    ag = plan(**facts)["us-il-pipa-ag"]
    assert ag.required
    assert ag.due is not None
    assert ag.due.due_at is None
    assert "not later than us-il-pipa-individuals" in ag.reason
    consumers_told = AWARE + timedelta(days=12)
    ag = plan(**facts, met={"us-il-pipa-individuals": consumers_told})["us-il-pipa-ag"]
    assert ag.due is not None
    assert ag.due.due_at == consumers_told
    assert ag.due.kind == "hard"


def test_sector_entity_reaches_its_regulator_wherever_people_live() -> None:
    result = plan(
        countries=frozenset({"DE"}),
        org_country="US",
        org_entity_types=frozenset({"ny_dfs_covered"}),
        triggers={"awareness": AWARE, "determination_of_incident": AWARE},
    )
    dfs = result["us-ny-dfs-500-17-72h"]
    assert dfs.due is not None
    assert dfs.due.due_at == AWARE + 72 * H


def test_unknown_trigger_leaves_the_clock_unstarted() -> None:
    result = plan(triggers={"awareness": AWARE})  # no discovery timestamp yet
    ca = result["us-ca-1798-82-individuals"]
    assert ca.required
    assert ca.clock_started_at is None
    assert ca.due is None
    assert "clock not started: discovery not recorded" in ca.reason


def test_output_follows_rule_order() -> None:
    order = [r.id for r in RULES]
    planned = [p.rule.id for p in plan_obligations(RULES, situation(), at=AWARE)]
    assert planned == sorted(planned, key=order.index)


@pytest.mark.parametrize(
    "bad",
    [
        {"triggers": {"awareness": datetime(2026, 3, 2, 9, 0)}},  # noqa: DTZ001
        {"met": {"eu-gdpr-33-1-sa": datetime(2026, 3, 2, 9, 0)}},  # noqa: DTZ001
        {"org_role": "owner"},
        {"risk_level": "severe"},
        {"org_entity_types": frozenset({"bank"})},
        {"triggers": {"noticed": AWARE}},
    ],
)
def test_situation_rejects_bad_facts(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        situation(**bad)


def test_naive_at_is_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        plan_obligations(RULES, situation(), at=datetime(2026, 3, 2, 9, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("jurisdiction", "countries", "org_country", "establishment", "expected"),
    [
        ("EU/EEA", {"DE"}, None, False, True),
        ("EU/EEA", {"NO"}, None, False, True),
        ("EU/EEA", {"US-CA"}, "IE", True, True),
        ("EU/EEA", {"US-CA"}, "IE", False, False),
        ("EU/EEA", {"CH"}, None, False, False),
        ("EU", {"NO"}, None, False, False),
        ("EU (as transposed)", {"AT"}, None, False, True),
        ("US", {"US-CA"}, None, False, True),
        ("US", {"US"}, None, False, True),
        ("US-CA", {"US-CA"}, None, False, True),
        ("US-CA", {"US"}, None, False, False),
        ("US-CA", {"US-NY"}, None, False, False),
        ("GB", {"GB-SCT"}, None, False, True),
        ("CA", {"CA-QC"}, None, False, True),
        ("CA-QC", {"CA-ON"}, None, False, False),
        ("CA-QC", {"CA-QC"}, None, False, True),
    ],
)
def test_jurisdiction_matching(
    jurisdiction: str,
    countries: set[str],
    org_country: str | None,
    establishment: bool,
    expected: bool,
) -> None:
    assert (
        jurisdiction_matches(
            jurisdiction,
            countries=countries,
            org_country=org_country,
            match_establishment=establishment,
        )
        is expected
    )
