"""The qualification types' code table (`data/qualification_types.json`, each type with the rule it comes
from), loaded after every migrate — as the registry's and the calendar's tables are, so a database that
was flushed (a test, a restore of data without reference tables) has it again. A type is added or brought
up to date by its code and never deleted: an entry may name it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TABLE = Path(__file__).resolve().parent / "data" / "qualification_types.json"


def seed(using: str = "default") -> None:
    from ggzy.entities.models import QualificationType

    for row in json.loads(TABLE.read_text(encoding="utf-8")):
        QualificationType.objects.using(using).update_or_create(code=row["code"], defaults=row)


def seed_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    seed(using)
