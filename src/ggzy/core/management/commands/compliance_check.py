"""Check that docs/compliance.md agrees with the standard's clauses and the tests' clause markers.

    ggzy compliance_check [--root CHECKOUT]

Reads docs/standard-clauses.txt, docs/compliance.md and the `@pytest.mark.clause` markers under
tests/ of the checkout (by default the one this package runs from, else the current folder) and
nothing outside it. Exits non-zero, naming each disagreement, when they disagree (`make lint`)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.core import compliance


def default_root() -> Path:
    root = compliance.checkout_root()
    return root if (root / compliance.MATRIX_FILE).exists() else Path.cwd()


class Command(BaseCommand):
    help = "Check docs/compliance.md against docs/standard-clauses.txt and the tests' clause markers."
    requires_system_checks: list[str] = []  # reads files only

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--root", type=Path, default=None, help="the checkout to check")

    def handle(self, *args: object, **options: object) -> None:
        given = options.get("root")
        root = Path(str(given)) if given else default_root()
        problems = compliance.check(root)
        if problems and not (root / compliance.MATRIX_FILE).exists():
            raise CommandError(problems[0])
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"docs/compliance.md disagrees with the tests in {len(problems)} place(s)")
        clauses = len(compliance.standard_clauses(root))
        self.stdout.write(
            f"docs/compliance.md agrees with the {clauses} clauses and the tests' markers ({root})"
        )
