from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.rules import RULES_DIR, check_rules, load_rules


class Command(BaseCommand):
    help = "Validate the notification rule files (unknown fields, bad durations, citations…)."

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=str(RULES_DIR))

    def handle(self, *args, directory, **options):
        problems = check_rules(Path(directory))
        if problems:
            for problem in problems:
                self.stderr.write(f"- {problem}")
            raise CommandError(f"{len(problems)} problem(s) in {directory}")
        rules = load_rules(Path(directory))
        enabled = sum(1 for rule in rules if rule.enabled)
        self.stdout.write(
            self.style.SUCCESS(f"{len(rules)} rules OK ({enabled} enabled) in {directory}")
        )
