"""Write the role × endpoint matrix (ggzy/core/access_matrix.csv) from the declarations, or check it.

The matrix is reviewed like the OpenAPI document: a changed declaration shows as a changed line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.core.access import ACCESS_MATRIX, render_matrix, walk_endpoints
from ggzy_sm.files import write_atomic


class Command(BaseCommand):
    help = "Write or check the committed role × endpoint matrix."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        current = render_matrix(walk_endpoints())
        if options["check"]:
            committed = ACCESS_MATRIX.read_text(encoding="utf-8") if ACCESS_MATRIX.exists() else ""
            if committed != current:
                raise CommandError(f"{ACCESS_MATRIX} differs from the declarations: run `ggzy access_matrix`")
            self.stdout.write(f"{ACCESS_MATRIX.name} is current")
            return
        write_atomic(ACCESS_MATRIX, current)
        self.stdout.write(f"wrote {ACCESS_MATRIX}")
