"""docs/compliance.md and the clause markers of the tests agree, and the check can fail."""

from __future__ import annotations

from pathlib import Path

from tests.core.compliance import disagreements

ROOT = Path(__file__).resolve().parents[2]
#: The standard's 158 leaf clauses, copied into the project (nothing here reads outside the clone).
CLAUSES_FILE = ROOT / "docs" / "standard-clauses.txt"


def _clauses() -> list[str]:
    return CLAUSES_FILE.read_text(encoding="utf-8").split()


def test_standard_has_158_leaf_clauses() -> None:
    assert len(_clauses()) == 158


def test_compliance_matrix_agrees_with_test_markers() -> None:
    text = (ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")
    assert disagreements(text, _clauses(), ROOT / "tests", ROOT) == []


def test_agreement_check_catches_each_kind_of_mistake(tmp_path: Path) -> None:
    tests = tmp_path / "tests" / "x"
    tests.mkdir(parents=True)
    (tests / "test_a.py").write_text(
        "import pytest\n\n"
        '@pytest.mark.clause("6.2.4")\n'
        "def test_marked_but_unlisted():\n    pass\n\n"
        "def test_listed_but_unmarked():\n    pass\n",
        encoding="utf-8",
    )
    text = "\n".join(
        [
            "| clause | requirement | status | where | test |",
            "|---|---|---|---|---|",
            "| 6.2.4 | 2 个工作日办结 | done | registry | — |",
            "| 6.2.5 | 服务责任人 | partly | registry | tests/x/test_a.py::test_listed_but_unmarked |",
            "| 8.1.1 | 电子交易系统 | organisational | — | — |",
            "| 9.9.9 | 不存在的条款 | planned | — | — |",
            "| 12.1.1 | 承诺时限 | maybe | — | — |",
        ]
    )
    found = disagreements(text, ["6.2.4", "6.2.5", "8.1.1", "12.1.1", "12.1.2"], tmp_path / "tests", tmp_path)
    assert sorted(found) == sorted(
        [
            "6.2.4: done but names no test",
            "8.1.1: organisational is not accepted in section 8",
            "12.1.1: unknown status 'maybe'",
            "12.1.2: no row",
            "9.9.9: row for a clause the standard does not have",
            (
                "6.2.4: tests/x/test_a.py::test_marked_but_unlisted carries the marker "
                "but the row does not name it"
            ),
            (
                "6.2.5: the row names tests/x/test_a.py::test_listed_but_unmarked, "
                "which does not exist or lacks the clause marker"
            ),
        ]
    )
