"""The zh-hans role guides (docs/guide/) say what works today: no stale "coming soon" (即将提供) section —
what is not built yet is listed as such (尚未提供) — and no hard-coded port: the platform runs on 8000 or
$GGZY_PORT (README.md), and an address or a signing agent's --origin with :8000 breaks on any other."""

from __future__ import annotations

import re
from pathlib import Path

GUIDES = Path(__file__).resolve().parents[2] / "docs" / "guide"
STALE = ("即将提供", ":8000")


def offending(folder: Path) -> list[str]:
    found = []
    for guide in sorted(folder.glob("*.md")):
        for number, line in enumerate(guide.read_text(encoding="utf-8").splitlines(), start=1):
            found += [f"{guide.name}:{number}: {word}" for word in STALE if word in line]
    return found


def test_the_guides_promise_nothing_coming_and_hard_code_no_port() -> None:
    guides = sorted(GUIDES.glob("*.md"))
    assert len(guides) >= 10  # one per role, and the index
    assert offending(GUIDES) == []


def test_the_check_finds_a_stale_section_and_a_hard_coded_port(tmp_path: Path) -> None:
    (tmp_path / "role.md").write_text(
        "# 指南\n\n打开 http://127.0.0.1:8000/accounts/login/\n\n## 即将提供\n\n- 公告\n", encoding="utf-8"
    )
    assert offending(tmp_path) == ["role.md:3: :8000", "role.md:5: 即将提供"]


def test_every_guide_is_listed_in_the_guides_index() -> None:
    index = (GUIDES / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([\w-]+\.md)\)", index))
    assert {g.name for g in GUIDES.glob("*.md")} - {"README.md"} <= linked
