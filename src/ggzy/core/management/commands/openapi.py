"""Write the API's OpenAPI document to docs/openapi.json, or check that the committed copy is current.

ggzy openapi            # write
ggzy openapi --check    # exit 1 and show the difference when the API changed unnoticed
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from ggzy.core.access import mounted_apis
from ggzy_sm.files import write_atomic

DEFAULT_PATH = Path("docs/openapi.json")


def render_schema() -> str:
    """The OpenAPI document of the one API the project's URLconf mounts, at the prefix it is mounted at
    (the URLconf hands the API over: the kernel imports no project module)."""
    apis = mounted_apis()
    if len(apis) != 1:
        raise CommandError(f"the URLconf mounts {len(apis)} APIs; this command documents exactly one")
    [(api, prefix)] = apis
    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix=prefix)
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_drift(current: str, committed: str) -> list[str]:
    """The unified diff between the committed and the current document (empty: no drift)."""
    return list(
        difflib.unified_diff(
            committed.splitlines(), current.splitlines(), "committed", "current", lineterm="", n=2
        )
    )


class Command(BaseCommand):
    help = "Write or check the committed OpenAPI document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="fail if the committed copy is out of date")
        parser.add_argument("--path", type=Path, default=DEFAULT_PATH)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        current = render_schema()
        if options["check"]:
            committed = path.read_text(encoding="utf-8") if path.exists() else ""
            diff = schema_drift(current, committed)
            if diff:
                self.stdout.write("\n".join(diff[:200]))
                raise CommandError(f"{path} is out of date: run `ggzy openapi` and commit it")
            self.stdout.write(f"{path} is current")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, current)
        self.stdout.write(f"wrote {path}")
