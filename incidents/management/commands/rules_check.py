from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.rules import RULES_DIR, check_rules, load_rules
from incidents.rules.content import catalogue, check_content
from incidents.rules.phases import check_phases


class Command(BaseCommand):
    help = (
        "Validate the notification rule files (unknown fields, bad durations, citations…) and "
        "their content element codes (incidents/rules/content) and filing phases."
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
