"""Write docs/events.md from the catalogue of event types (each app's `event_types.py`), or check it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.events import catalogue
from ggzy_sm.files import write_atomic

DEFAULT_PATH = Path("docs/events.md")


class Command(BaseCommand):
    help = "Write or check docs/events.md, the catalogue of event types."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true")
        parser.add_argument("--path", type=Path, default=DEFAULT_PATH)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        current = catalogue.markdown()
        if options["check"]:
            committed = path.read_text(encoding="utf-8") if path.exists() else ""
            if committed != current:
                raise CommandError(f"{path} differs from the catalogue: run `ggzy events_catalogue`")
            self.stdout.write(f"{path} is current")
            return
        write_atomic(path, current)
        self.stdout.write(f"wrote {path}")
