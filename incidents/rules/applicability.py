"""Which rules an incident owes, and when: `plan_obligations(rules, situation, at=...)`.

Steps (docs/rules.md has the long form):

1. Candidates: enabled rules that are neither filing profiles nor caps.
2. Reach: the jurisdiction matches (`regions.jurisdiction_matches`), the organisation's role
   and entity types match, and the rule is in force on the local date of its trigger (or of
   `at` while the trigger is unknown). Rules that fail here are not returned at all.
3. Replacement: a matched rule drops every rule it `replaces` (PECR for UK telecoms, the
   NIS2 trust-service 24 h notice). Chained rules whose predecessor is gone are dropped.
4. Conditions: risk level and counts. Unknown facts are conservative: an unassessed risk
   or an unknown count counts as met, and the reason says so. A failed condition returns
   the rule with required=False and the reason.
5. Clocks: the trigger timestamp, or for `follows` rules the time the predecessor (or the
   rule that replaced it) was met; then `compute_due`. Caps and `not_later_than` may bring
   the due time forward.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from . import regions, vocab
from .clock import compute_due, resolve_zone, year_end_anchor
from .model import Due, PlannedObligation, Rule, Situation

_ENTITY_LABELS = dict(vocab.ENTITY_TYPES)


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got naive {value!r}")
    return value.astimezone(UTC)


def local_date(rule: Rule, instant: datetime) -> date:
    """The date of `instant` in the rule's jurisdiction (UTC when no zone is known)."""
    name = regions.zone_for(rule.holiday_calendar) or regions.zone_for(rule.jurisdiction)
    return instant.astimezone(ZoneInfo(name or "UTC")).date()


def in_force(rule: Rule, instant: datetime) -> bool:
    """Is the rule in force on the local date of `instant`? (effective_to is inclusive.)"""
    day = local_date(rule, _aware(instant, "instant"))
    if rule.effective_from is not None and day < rule.effective_from:
        return False
    return rule.effective_to is None or day <= rule.effective_to


def reaches(rule: Rule, situation: Situation) -> bool:
    """Jurisdiction, role and entity-type match: does the rule concern this organisation?"""
    cond = rule.conditions
    held = situation.org_entity_types & set(cond.entity_types)
    if cond.entity_types and not held:
        return False
    if cond.roles and situation.org_role != "both" and situation.org_role not in cond.roles:
        return False
    if any(_home_reaches(vocab.ENTITY_TYPE_HOME.get(t), rule.jurisdiction) for t in held):
        return True
    return regions.jurisdiction_matches(
        rule.jurisdiction,
        countries=situation.countries,
        org_country=situation.org_country,
        match_establishment=cond.match_establishment,
    )


def _home_reaches(home: str | None, jurisdiction: str) -> bool:
    if home is None:
        return False
    if home == "EU":
        return jurisdiction in regions.GROUP_JURISDICTIONS
    return home == jurisdiction


def _own_trigger_time(rule: Rule, situation: Situation) -> datetime | None:
    """Timestamp of a non-chained rule's trigger (derived triggers included)."""
    if rule.trigger in situation.triggers:
        return _aware(situation.triggers[rule.trigger], rule.trigger)
    source = vocab.DERIVED_TRIGGERS.get(rule.trigger)
    if source and source in situation.triggers:
        instant = _aware(situation.triggers[source], source)
        return year_end_anchor(instant, resolve_zone(None, rule.holiday_calendar))
    return None


@dataclass
class _Plan:
    rule: Rule
    required: bool = True
    reasons: list[str] = field(default_factory=list)
    clock_started_at: datetime | None = None
    due: Due | None = None
    capped_by: str | None = None
    filing_profiles: tuple[Rule, ...] = ()


class _Planner:
    def __init__(self, rules: Sequence[Rule], situation: Situation, at: datetime) -> None:
        self.situation = situation
        self.at = _aware(at, "at")
        active = [r for r in rules if r.enabled]
        self.profiles = [r for r in active if r.filing_profile_of]
        self.caps = [r for r in active if r.caps and not r.filing_profile_of]
        self.candidates = [r for r in active if not r.filing_profile_of and not r.caps]
        self.matched: dict[str, Rule] = {}

    # -- step 2 and 3 -------------------------------------------------------------------
    def predecessors(self, rule: Rule) -> list[str]:
        """Ids whose fulfilment starts this rule's clock: `follows` or what replaced it."""
        if rule.follows is None:
            return []
        ids = [rule.follows] if rule.follows in self.matched else []
        ids += [r.id for r in self.matched.values() if rule.follows in r.replaces]
        return ids

    def clock_start(self, rule: Rule) -> datetime | None:
        if rule.follows is None:
            return _own_trigger_time(rule, self.situation)
        met = self.situation.met
        times = [met[i] for i in (*self.predecessors(rule), *rule.restart_on) if i in met]
        return max(_aware(t, "met") for t in times) if times else None

    def match(self) -> None:
        for rule in self.candidates:
            if not reaches(rule, self.situation):
                continue
            # A chained rule's own trigger is a filing; judge it by the date the predecessor
            # was met, or by `at` while it has not been.
            if rule.follows:
                start = self.situation.met.get(rule.follows)
            else:
                start = _own_trigger_time(rule, self.situation)
            if in_force(rule, start or self.at):
                self.matched[rule.id] = rule
        for rule in list(self.matched.values()):
            for target in rule.replaces:
                self.matched.pop(target, None)
        changed = True
        while changed:  # drop chained rules whose predecessor did not survive
            changed = False
            for rule in list(self.matched.values()):
                if rule.follows is not None and not self.predecessors(rule):
                    del self.matched[rule.id]
                    changed = True

    # -- step 4 ---------------------------------------------------------------------------
    def evaluate(self, rule: Rule) -> tuple[bool, list[str]]:
        """(required, reasons) from the rule's own conditions."""
        s, cond = self.situation, rule.conditions
        reasons = [self._reach_reason(rule)]

        if cond.risk_levels:
            if s.risk_level is None:
                reasons.append("risk not assessed yet: required pending the assessment")
            elif s.risk_level in cond.risk_levels:
                reasons.append(f"risk assessment: {vocab.RISK_LEVEL_PHRASES[s.risk_level]}")
            else:
                scale = cond.min_affected_regardless_of_risk
                if scale is None or (s.subjects_max is not None and s.subjects_max < scale):
                    phrase = vocab.RISK_LEVEL_PHRASES[s.risk_level]
                    return False, [f"risk assessment concluded {phrase} ({rule.citation})"]
                if s.subjects_max is None:
                    reasons.append(
                        f"number affected unknown: the scale test ({scale} or more) is treated "
                        "as met whatever the risk level, until counted"
                    )
                else:
                    reasons.append(f"{s.subjects_max} people affected: meets the scale test")

        for check in (self._min_affected, self._max_affected, self._residents, self._one_state):
            ok, text = check(rule)
            if not ok:
                return False, [text]
            if text:
                reasons.append(text)

        if cond.incident_threshold:
            reasons.append(f"to confirm: {cond.incident_threshold}")
        if cond.condition:
            reasons.append(f"to confirm: {cond.condition}")
        return True, reasons

    def _reach_reason(self, rule: Rule) -> str:
        s = self.situation
        where = sorted(
            code
            for code in s.countries
            if regions.jurisdiction_matches(rule.jurisdiction, countries=[code])
        )
        types = sorted(s.org_entity_types & set(rule.conditions.entity_types))
        if where:
            text = f"affected people in {', '.join(where)} ({rule.jurisdiction})"
        elif s.org_country and regions.jurisdiction_matches(
            rule.jurisdiction, countries=(), org_country=s.org_country, match_establishment=True
        ):
            text = f"organisation established in {s.org_country} ({rule.jurisdiction})"
        else:
            text = f"organisation regulated in {rule.jurisdiction}"
        if rule.conditions.roles:
            text += f"; organisation acts as {s.org_role}"
        if types:
            text += "; organisation is " + ", ".join(_ENTITY_LABELS[t] for t in types)
        return text

    def _min_affected(self, rule: Rule) -> tuple[bool, str | None]:
        threshold, most = rule.conditions.min_affected, self.situation.subjects_max
        if threshold is None:
            return True, None
        if most is None:
            return True, f"number affected unknown: threshold ({threshold}) treated as met"
        if most < threshold:
            return False, f"fewer than {threshold} people affected (at most {most})"
        return True, f"up to {most} people affected (threshold {threshold})"

    def _max_affected(self, rule: Rule) -> tuple[bool, str | None]:
        ceiling, most = rule.conditions.max_affected, self.situation.subjects_max
        if ceiling is None:
            return True, None
        if most is None:
            return False, (
                f"number affected unknown: more than {ceiling} people may be affected, so the "
                "rule for the larger count applies until the figure is settled"
            )
        if most > ceiling:
            return False, f"more than {ceiling} people may be affected (up to {most})"
        return True, f"at most {most} people affected (limit {ceiling})"

    def _residents(self, rule: Rule) -> tuple[bool, str | None]:
        threshold = rule.conditions.min_affected_residents
        if threshold is None:
            return True, None
        region, most = rule.jurisdiction, self.situation.subjects_max
        name = regions.region_name(region)
        count = self.situation.residents.get(region)
        if count is None:
            if most is not None and most < threshold:
                return False, (
                    f"fewer than {threshold} {name} residents affected (at most {most} people)"
                )
            return True, (
                f"number of {name} residents unknown: threshold ({threshold}) treated as met"
            )
        if count < threshold:
            return False, f"fewer than {threshold} {name} residents affected ({count} counted)"
        return True, f"{count} {name} residents affected (threshold {threshold})"

    def _one_state(self, rule: Rule) -> tuple[bool, str | None]:
        threshold = rule.conditions.min_affected_in_one_state
        if threshold is None:
            return True, None
        s = self.situation
        prefix = regions.country_of(rule.jurisdiction) + "-"
        states = {c for c in s.countries if c.startswith(prefix)}
        states |= {c for c in s.residents if c.startswith(prefix)}
        counts = {c: s.residents[c] for c in states if c in s.residents}
        over = sorted((n, c) for c, n in counts.items() if n >= threshold)
        if over:
            count, code = over[-1]
            return True, f"{count} residents of {regions.region_name(code)} affected"
        if s.subjects_max is not None and s.subjects_max < threshold:
            return False, f"fewer than {threshold} people affected in all"
        if states and len(counts) == len(states):
            return False, f"no single state has {threshold} or more affected residents"
        return True, (
            f"per-state counts incomplete: threshold ({threshold} residents of one state) "
            "treated as met"
        )

    # -- step 5 ---------------------------------------------------------------------------
    def plan(self) -> list[PlannedObligation]:
        self.match()
        plans: dict[str, _Plan] = {}

        def resolve(rule: Rule) -> _Plan:
            if rule.id in plans:
                return plans[rule.id]
            required, reasons = self.evaluate(rule)
            for pred_id in self.predecessors(rule):
                pred = resolve(self.matched[pred_id])
                if not pred.required:
                    required = False
                    reasons = [f"depends on {pred_id}, which is not required: {pred.reasons[0]}"]
            plan = _Plan(rule=rule, required=required, reasons=reasons)
            plans[rule.id] = plan
            if not required:
                return plan
            plan.clock_started_at = self.clock_start(rule)
            if plan.clock_started_at is None:
                if rule.follows:
                    plan.reasons.append(f"clock starts when {rule.follows} is met")
                else:
                    plan.reasons.append(f"clock not started: {rule.trigger} not recorded")
            else:
                plan.due = compute_due(
                    rule.deadline,
                    start=plan.clock_started_at,
                    holiday_calendar=rule.holiday_calendar,
                )
            return plan

        for rule in self.matched.values():
            resolve(rule)
        for cap in self.caps:
            self._apply_cap(cap, plans)
        for plan in plans.values():
            self._apply_not_later_than(plan, plans)
            plan.filing_profiles = tuple(
                p
                for p in self.profiles
                if p.filing_profile_of == plan.rule.id and reaches(p, self.situation)
            )
        ordered = [plans[rule_id] for rule_id in self.matched]
        return [
            PlannedObligation(
                rule=p.rule,
                required=p.required,
                reason="; ".join(p.reasons),
                clock_started_at=p.clock_started_at,
                due=p.due,
                capped_by=p.capped_by,
                filing_profiles=p.filing_profiles,
            )
            for p in ordered
        ]

    def _apply_cap(self, cap: Rule, plans: dict[str, _Plan]) -> None:
        """An outer cap (DORA 24 h from awareness) on another rule (DORA 4 h from
        classification): the earlier limit wins, unless the capped rule's own trigger came
        after the cap expired (RTS 2025/301 Art. 5(2)), when the cap does not apply."""
        plan = plans.get(cap.caps or "")
        if plan is None or not plan.required or not reaches(cap, self.situation):
            return
        cap_start = _own_trigger_time(cap, self.situation)
        if cap_start is None or not in_force(cap, cap_start):
            return
        cap_due = compute_due(
            cap.deadline, start=cap_start, holiday_calendar=cap.holiday_calendar
        ).due_at
        if cap_due is None:
            return
        own_trigger = _own_trigger_time(plan.rule, self.situation)
        if own_trigger is not None and own_trigger > cap_due:
            plan.reasons.append(
                f"{cap.id} does not apply: {plan.rule.trigger} came after its limit "
                f"({cap.deadline.describe()} from {cap.trigger})"
            )
            return
        own_due = plan.due.due_at if plan.due else None
        if own_due is not None and own_due <= cap_due:
            plan.reasons.append(f"own limit falls before the cap {cap.id}")
            return
        soft = plan.due.soft_due_at if plan.due else None
        plan.due = Due(
            due_at=cap_due,
            soft_due_at=soft if soft is not None and soft < cap_due else None,
            kind="hard",
        )
        plan.clock_started_at = cap_start
        plan.capped_by = cap.id
        plan.reasons.append(
            f"due at the cap {cap.id} ({cap.deadline.describe()} from {cap.trigger}), "
            f"earlier than {plan.rule.deadline.describe()} from {plan.rule.trigger}"
        )

    def _apply_not_later_than(self, plan: _Plan, plans: dict[str, _Plan]) -> None:
        ref = plan.rule.deadline.not_later_than
        if not ref or not plan.required:
            return
        limit: datetime | None = None
        if ref in self.situation.met:
            limit = _aware(self.situation.met[ref], "met")
            source = f"{ref} was met at {limit.isoformat()}"
        elif ref in plans and plans[ref].due is not None and plans[ref].due.due_at is not None:
            limit = plans[ref].due.due_at
            source = f"{ref} is due at {limit.isoformat()}"
        if limit is None:
            plan.reasons.append(f"not later than {ref}")
            return
        if plan.due is not None and plan.due.due_at is not None and plan.due.due_at <= limit:
            return
        soft = plan.due.soft_due_at if plan.due else None
        plan.due = Due(
            due_at=limit,
            soft_due_at=soft if soft is not None and soft < limit else None,
            kind="hard",
        )
        plan.reasons.append(f"not later than {ref}: {source}")


def plan_obligations(
    rules: Sequence[Rule], situation: Situation, *, at: datetime
) -> list[PlannedObligation]:
    """Every obligation `rules` raise for `situation`, in the order of `rules`.

    `at` (aware) decides which rules are in force while a rule's trigger is not known yet.
    Rules that do not reach the organisation are left out; rules that reach it but whose
    conditions fail come back with required=False and the reason.
    """
    return _Planner(rules, situation, at).plan()
