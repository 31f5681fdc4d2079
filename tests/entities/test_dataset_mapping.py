"""Every row of the data-set mapping in docs/entities.md §6 names a field the library has, and every
kind says which data set it feeds (requirement 9: exchange later needs no remodelling)."""

from __future__ import annotations

import re
from pathlib import Path

from ggzy.entities.kinds import SPECS

DOC = Path(__file__).resolve().parents[2] / "docs" / "entities.md"
ROW = re.compile(r"^\| (1[01][0-9]) \| ([^|]+) \| `([a-z_]+)\.([a-z_]+)` \|$", re.MULTILINE)


def test_every_mapped_element_is_a_field_of_the_library() -> None:
    rows = ROW.findall(DOC.read_text(encoding="utf-8"))
    assert len(rows) >= 30
    for dataset, element, kind, field in rows:
        assert kind in SPECS, (dataset, element)
        assert field in {f.name for f in SPECS[kind].fields}, (dataset, element, kind, field)
    assert {d for d, *_rest in rows} >= {"100", "110", "111", "112"}


def test_every_kind_names_its_data_set() -> None:
    for kind, spec in SPECS.items():
        assert spec.dataset in {"100", "110", "111", "112"}, kind
