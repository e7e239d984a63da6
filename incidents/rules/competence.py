"""Which authority must be told: `resolve_authorities(registry, ...)`.

Pure (no Django). The planner calls it once per obligation addressed to an authority; the
reasoning below is written out in docs/authorities.md.

1. Only rules whose audience is an authority ("supervisory_authority", "other_regulator")
   resolve; any other audience gets no code.
2. GDPR one-stop-shop rules (the registry's `one_stop_shop` list: Art. 33(1) and 33(4)):
   - the organisation has an EU/EEA establishment -> its lead authority (Art. 56(1), 56(6))
     when `lead_authority` is an EU/EEA data-protection authority of the registry; otherwise
     the DPA of the main establishment's country (`org_country`).
   - it has none -> no one-stop-shop: one authority per member state where affected people
     live (each is told separately; a German Land code such as DE-BY picks that Land's DPA).
   - `has_eu_establishment=None` means "not recorded": an EU/EEA `org_country` counts as an
     establishment.
3. Other EU-wide rules (ePrivacy 611/2013, NIS2, DORA, eIDAS): the national competent
   authority of the member state of establishment, or, without one there, of each member
   state where affected people live. For the registry's `representative` rules (NIS2
   Art. 26(3)) an organisation without an EU/EEA establishment falls under the member state
   of its EU representative (`representative_country`); while that is not recorded, the
   member states where affected people live are named and the reason and `recipient` say
   the representative's state is missing. Per member state: the entries the registry names for
   the rule, else (for an authority of the "supervisory_authority" audience) that state's
   DPA; an EU-level entry named for the rule (the ECB for DORA) when no national one is
   known.
4. National, state and federal rules: the entries the registry names for the rule (its
   `rule_ids`); else the rule's jurisdiction's data-protection authority or, for a US state,
   its attorney general.
5. `mode` says how to use several codes: "each" = every one must be told (separate filings,
   same clock); "one_of" = the organisation tells the one that supervises it (registry's
   `choose_one`, e.g. OCC / Federal Reserve / FDIC).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import regions
from .authorities import AuthorityEntry, Registry

AUTHORITY_AUDIENCES: frozenset[str] = frozenset({"supervisory_authority", "other_regulator"})

EACH = "each"
ONE_OF = "one_of"


@dataclass(frozen=True)
class Resolution:
    """The competent authorities for one rule, in a stable order, and why.

    codes: registry codes (empty when none could be named: `reason` says why).
    mode: "each" (tell every one) or "one_of" (tell the one that supervises you).
    basis: "lead_authority" | "main_establishment" | "member_states" | "representative" |
    "named" | "jurisdiction" | "not_an_authority" | "unresolved".
    recipient: the recipient in words when `codes` is empty and more than the rule's own
    recipient text is known (e.g. "…of the member state of the EU representative").
    """

    codes: tuple[str, ...]
    mode: str
    basis: str
    reason: str
    recipient: str = ""  # who to tell, in words, when no code could be named
    # A further recipient in words, besides `codes`: a German Land DPA the DPO must choose.
    to_choose: str = ""


def _primary(entries: list[AuthorityEntry]) -> AuthorityEntry | None:
    """One entry per jurisdiction: the one whose code is the jurisdiction itself (Bavaria's
    private-sector BayLDA "DE-BY" before the public-sector "DE-BY-PUB"), else the first."""
    if not entries:
        return None
    exact = [e for e in entries if e.code == e.jurisdiction]
    return (exact or sorted(entries, key=lambda e: e.code))[0]


def _dpa_for(registry: Registry, country: str, codes: Iterable[str]) -> list[AuthorityEntry]:
    """The DPA for people in `country`: of each Land/region recorded, else the national one."""
    subdivisions = sorted({c for c in codes if "-" in c and regions.country_of(c) == country})
    found = [_primary(registry.in_jurisdiction(sub, "dpa")) for sub in subdivisions]
    chosen = [e for e in found if e is not None]
    if chosen:
        return chosen
    national = _primary(registry.in_jurisdiction(country, "dpa"))
    return [national] if national else []


def _land_to_choose(country: str) -> str:
    return (
        f"A Land data-protection authority of {regions.region_name(country)} (BDSG §40): choose "
        "the one of the Land of the organisation's establishment or representative (set it as "
        "the lead authority, e.g. DE-BE)"
    )


def _gdpr_dpa(
    registry: Registry, country: str, affected: Iterable[str], lead: AuthorityEntry | None
) -> list[AuthorityEntry]:
    """`_dpa_for`, except where private controllers answer to a Land DPA (registry
    `land_authorities`): the organisation's recorded Land DPA (its lead authority), else the
    Land where affected people live, else none (the DPO chooses; never the federal DPA)."""
    if country not in registry.land_authorities:
        return _dpa_for(registry, country, affected)
    if lead is not None and lead.kind == "dpa" and lead.jurisdiction.startswith(f"{country}-"):
        return [lead]
    subdivisions = [c for c in affected if "-" in c and regions.country_of(c) == country]
    return _dpa_for(registry, country, subdivisions) if subdivisions else []


def _land_note(registry: Registry, country: str) -> str:
    if not country:
        return ""
    why = registry.land_authorities[country]
    return f" {country}: no Land recorded, the DPO chooses the Land DPA. {why}"


def _unique(entries: Iterable[AuthorityEntry]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e.code for e in entries))


def _names(registry: Registry, codes: Iterable[str]) -> str:
    return ", ".join(f"{registry.get(c).name} ({c})" for c in codes if registry.get(c))


def _group_countries(
    group: frozenset[str],
    *,
    org_country: str | None,
    established: bool,
    affected: frozenset[str],
) -> tuple[list[str], str]:
    """Member states whose authority is concerned, and a phrase saying why."""
    if established and org_country in group:
        return [org_country], f"the organisation is established in {org_country}"
    where = sorted({regions.country_of(c) for c in affected} & group)
    if established:
        return where, (
            "the organisation has an EU/EEA establishment but its country is "
            f"{org_country or 'not recorded'}; every member state where affected people live"
        )
    return where, "no EU/EEA establishment: every member state where affected people live"


def _one_stop_shop(
    registry: Registry,
    *,
    rule_id: str,
    org_country: str | None,
    lead_authority: str | None,
    established: bool,
    affected: frozenset[str],
) -> Resolution:
    why = registry.one_stop_shop[rule_id]
    eea = regions.EEA_MEMBER_STATES
    lead = registry.get(lead_authority)
    lead_ok = lead is not None and lead.kind == "dpa" and lead.country in eea
    if established and lead_ok:
        return Resolution(
            (lead.code,),
            EACH,
            "lead_authority",
            f"Lead supervisory authority (GDPR Art. 56): {lead.name} ({lead.code}); the "
            f"organisation has an "
            f"EU/EEA establishment. {why}",
        )
    ignored = ""
    if lead_authority and not lead_ok:
        ignored = f" Lead authority {lead_authority!r} is not an EU/EEA DPA of the registry."
    elif lead_authority and not established:
        ignored = f" Lead authority {lead_authority} is ignored: no one-stop-shop applies."
    if established and org_country in eea:
        entries = _gdpr_dpa(registry, org_country, (), None)
        codes = _unique(entries)
        choose = "" if codes or org_country not in registry.land_authorities else org_country
        return Resolution(
            codes,
            EACH,
            "main_establishment" if codes else "unresolved",
            f"Authority of the main establishment in {org_country}: "
            f"{_names(registry, codes) or 'none in the registry'}. "
            f"Set lead_authority to name the lead (or Land) authority.{ignored}"
            f"{_land_note(registry, choose)} {why}",
            _land_to_choose(choose) if choose else "",
        )
    countries, phrase = _group_countries(
        eea, org_country=org_country, established=established, affected=affected
    )
    entries, choose = [], ""
    for country in countries:
        found = _gdpr_dpa(registry, country, affected, lead)
        entries += found
        if not found and country in registry.land_authorities:
            choose = country
    codes = _unique(entries)
    if lead is not None and lead.code in codes:
        ignored = f" Lead authority {lead.code} is named as its Land's DPA (no one-stop-shop)."
    to_choose = _land_to_choose(choose) if choose else ""
    return Resolution(
        codes,
        EACH,
        "member_states" if codes or choose else "unresolved",
        f"One authority per concerned member state ({phrase}): "
        f"{_names(registry, codes) or 'no affected people in an EU/EEA member state recorded'}."
        f"{ignored}{_land_note(registry, choose)} {why}",
        to_choose if not codes else "",
        to_choose if codes else "",
    )


def _eu_national(
    registry: Registry,
    *,
    rule_id: str,
    jurisdiction: str,
    audience: str,
    org_country: str | None,
    established: bool,
    affected: frozenset[str],
    representative: str | None,
) -> Resolution:
    group = regions.GROUP_JURISDICTIONS[jurisdiction]
    by_representative = not established and rule_id in registry.representative
    if by_representative and representative in group:
        countries = [representative]
        phrase = f"no EU/EEA establishment; the EU representative is in {representative}"
    else:
        countries, phrase = _group_countries(
            group, org_country=org_country, established=established, affected=affected
        )
    named = registry.named_by(rule_id)
    chosen: list[AuthorityEntry] = []
    missing: list[str] = []
    for country in countries:
        here = [e for e in named if e.jurisdiction == country]
        if not here and audience == "supervisory_authority" and rule_id not in registry.known_gaps:
            # ePrivacy 611/2013: "the competent national authority", in most states the DPA.
            here = _dpa_for(registry, country, affected)
        chosen += here
        if not here:
            missing.append(country)
    eu_level = [e for e in named if e.jurisdiction == "EU"]
    note = ""
    if missing and eu_level:
        chosen += eu_level
        note = (
            f" No national authority for {', '.join(missing)} in the registry; the EU-level "
            f"recipient is named (check it applies to the organisation)."
        )
    elif missing:
        note = f" No national authority for {', '.join(missing)} in the registry."
        if rule_id in registry.known_gaps:
            note += f" {registry.known_gaps[rule_id]}"
    codes = _unique(chosen)
    mode = ONE_OF if rule_id in registry.choose_one else EACH
    basis, recipient = "member_states" if codes else "unresolved", ""
    if by_representative and representative in group:
        basis = "representative" if codes else basis
        recipient = (
            f"National CSIRT or competent authority of {representative} "
            "(the member state of the EU representative)"
        )
        note += f" {registry.representative[rule_id]}"
    elif by_representative:
        recipient = (
            "National CSIRT or competent authority of the member state of the EU "
            "representative: not recorded in the organisation profile (eu_representative_country)"
        )
        note += (
            " The member state of the organisation's EU representative is not recorded "
            "(organisation profile: eu_representative_country); it decides the competent "
            f"authority. {registry.representative[rule_id]}"
        )
    return Resolution(
        codes,
        mode,
        basis,
        f"National competent authority ({phrase}): "
        f"{_names(registry, codes) or 'none found'}.{note}",
        recipient if not codes else "",
    )


def _national(registry: Registry, *, rule_id: str, jurisdiction: str, audience: str) -> Resolution:
    country = regions.country_of(jurisdiction)
    named = [e for e in registry.named_by(rule_id) if e.country == country]
    if named:
        mode = ONE_OF if rule_id in registry.choose_one else EACH
        codes = _unique(named)
        extra = f" {registry.choose_one[rule_id]}" if mode == ONE_OF else ""
        return Resolution(
            codes, mode, "named", f"Named by the rule: {_names(registry, codes)}.{extra}"
        )
    fallback: AuthorityEntry | None = None
    if audience == "supervisory_authority":
        kind = "attorney_general" if country == "US" and "-" in jurisdiction else "dpa"
        fallback = _primary(registry.in_jurisdiction(jurisdiction, kind))
    if fallback is None:
        gap = registry.known_gaps.get(rule_id, "No registry entry matches the rule's recipient.")
        return Resolution((), EACH, "unresolved", gap)
    return Resolution(
        (fallback.code,),
        EACH,
        "jurisdiction",
        f"Authority of {regions.region_name(jurisdiction)}: {fallback.name} ({fallback.code}).",
    )


def resolve_authorities(
    registry: Registry,
    *,
    rule_id: str,
    jurisdiction: str,
    audience: str,
    org_country: str | None,
    lead_authority: str | None,
    has_eu_establishment: bool | None,
    affected: Iterable[str],
    representative_country: str | None = None,
) -> Resolution:
    """The competent authority code(s) for one rule and one organisation/incident.

    rule_id, jurisdiction, audience: the rule's own values (`Rule.id`, `.jurisdiction`,
    `.audience`). org_country: ISO country of the main establishment. lead_authority: the
    organisation's registry code (may be empty). has_eu_establishment: True/False, or None
    when not recorded (then an EU/EEA org_country counts as one). affected: ISO 3166-1/-2
    codes where affected people live ("FR", "US-CA", "DE-BY"). representative_country: the
    EU/EEA member state of the organisation's EU representative, if recorded.
    """
    if audience not in AUTHORITY_AUDIENCES:
        return Resolution((), EACH, "not_an_authority", "The rule does not notify an authority.")
    org_country = org_country.strip().upper() if org_country else None
    places = frozenset(c.strip().upper() for c in affected)
    established = (
        has_eu_establishment
        if has_eu_establishment is not None
        else org_country in regions.EEA_MEMBER_STATES
    )
    if rule_id in registry.one_stop_shop:
        return _one_stop_shop(
            registry,
            rule_id=rule_id,
            org_country=org_country,
            lead_authority=lead_authority,
            established=established,
            affected=places,
        )
    if jurisdiction in regions.GROUP_JURISDICTIONS:
        return _eu_national(
            registry,
            rule_id=rule_id,
            jurisdiction=jurisdiction,
            audience=audience,
            org_country=org_country,
            established=established,
            affected=places,
            representative=(representative_country or "").strip().upper() or None,
        )
    return _national(registry, rule_id=rule_id, jurisdiction=jurisdiction, audience=audience)


@dataclass(frozen=True)
class Coverage:
    """How far one authority rule resolves: in how many of its countries, and any gap."""

    rule_id: str
    resolved: int
    of: int
    gap: str | None


def rule_coverage(registry: Registry, rules: Iterable[tuple[str, str, str]]) -> list[Coverage]:
    """For (rule id, jurisdiction, audience) triples addressed to an authority: does each
    resolve to a registry entry? Group rules are tried once per member state (established
    there, people there); other rules with people in their own jurisdiction."""
    out = []
    for rule_id, jurisdiction, audience in rules:
        if audience not in AUTHORITY_AUDIENCES:
            continue
        group = regions.GROUP_JURISDICTIONS.get(jurisdiction) or frozenset({jurisdiction})
        resolved = 0
        for place in sorted(group):
            result = resolve_authorities(
                registry,
                rule_id=rule_id,
                jurisdiction=jurisdiction,
                audience=audience,
                org_country=regions.country_of(place),
                lead_authority=None,
                has_eu_establishment=None,
                affected=[place],
            )
            resolved += bool(result.codes)
        gap = registry.known_gaps.get(rule_id) if not resolved else None
        out.append(Coverage(rule_id, resolved, len(group), gap))
    return out
