from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.rules import RULES_DIR, check_rules, load_rules
from incidents.rules import authorities as registry_data
from incidents.rules.competence import rule_coverage
from incidents.rules.content import catalogue, check_content
from incidents.rules.phases import check_phases


class Command(BaseCommand):
    help = (
        "Validate the notification rule files (unknown fields, bad durations, citations…), "
        "their content element codes (incidents/rules/content), the filing phases and the "
        "authority registry: every rule that notifies an authority must name one."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=str(RULES_DIR))

    def handle(self, *args, directory, **options):
        problems = check_rules(Path(directory))
        if not problems and Path(directory).resolve() == RULES_DIR.resolve():
            # The element mapping names the shipped rules, so it is checked against them only.
            shipped = load_rules(Path(directory))
            problems = check_content(shipped)
            # Filing phases name shipped rules and shared element codes (filing_phases.toml).
            problems += check_phases({rule.id for rule in shipped}, set(catalogue()))
        if problems:
            for problem in problems:
                self.stderr.write(f"- {problem}")
            raise CommandError(f"{len(problems)} problem(s) in {directory}")
        rules = load_rules(Path(directory))
        enabled = sum(1 for rule in rules if rule.enabled)
        self.stdout.write(
            self.style.SUCCESS(f"{len(rules)} rules OK ({enabled} enabled) in {directory}")
        )
        path = Path(directory) / registry_data.AUTHORITIES_FILE.name
        if path.exists():
            self._check_registry(path, rules)

    def _check_registry(self, path: Path, rules) -> None:
        document = registry_data.read_document(path)
        problems = registry_data.check_authorities(document, {rule.id for rule in rules})
        if problems:
            for problem in problems:
                self.stderr.write(f"- {problem}")
            raise CommandError(f"{len(problems)} problem(s) in {path}")
        registry = registry_data.registry_from(document)
        coverage = rule_coverage(
            registry, [(r.id, r.jurisdiction, r.audience) for r in rules if r.enabled]
        )
        failures = []
        for item in coverage:
            if item.resolved == 0 and item.gap is None:
                failures.append(f"{item.rule_id}: no registry entry is competent for it")
            elif item.resolved == 0:
                self.stdout.write(f"known gap {item.rule_id}: {item.gap}")
            elif item.resolved < item.of:
                self.stdout.write(
                    f"partial {item.rule_id}: authority named in {item.resolved} of "
                    f"{item.of} member states"
                )
        resolved = {item.rule_id for item in coverage if item.resolved}
        for rule_id in sorted(set(registry.known_gaps) & resolved):
            failures.append(f"{rule_id}: listed in known_gaps but resolves; remove the gap")
        if failures:
            for failure in failures:
                self.stderr.write(f"- {failure}")
            raise CommandError(f"{len(failures)} rule(s) without a competent authority")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(registry.entries)} authorities OK; {len(resolved)} of {len(coverage)} "
                "authority rules resolve to a registry entry"
            )
        )
