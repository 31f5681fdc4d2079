"""Agreement between docs/compliance.md and the `@pytest.mark.clause` markers of the tests.

`ggzy compliance_check` runs it on a checkout (`make lint`); `tests/core/test_compliance.py` runs it
too, and shows that it catches each kind of mistake. It reads only files inside the checkout:
`docs/standard-clauses.txt` (the standard's 158 leaf clauses, kept in the project),
`docs/compliance.md` and the tests under `tests/`.

Rules (docs/compliance.md says them too):
- every clause of the standard has exactly one row, with a known status;
- a test marked for a clause is named in that clause's row, and a test named in a row carries
  that clause's marker and exists;
- `done` names at least one test; `organisational` is never used in sections 6, 8 and 10.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

STATUSES = {"done", "partly", "planned", "organisational"}
NO_ORGANISATIONAL = ("6", "8", "10")
TEST_REF = re.compile(r"(tests/[\w/.\-]+\.py)::(\w+)")
#: The files the check reads, relative to the checkout.
CLAUSES_FILE = Path("docs") / "standard-clauses.txt"
MATRIX_FILE = Path("docs") / "compliance.md"
TESTS_DIR = Path("tests")


@dataclass(frozen=True)
class Row:
    clause: str
    status: str
    tests: frozenset[str]  # "tests/x/test_y.py::test_name"


def parse_matrix(text: str) -> tuple[dict[str, Row], list[str]]:
    rows: dict[str, Row] = {}
    problems: list[str] = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not re.fullmatch(r"\d+(\.\d+)+", cells[0]):  # noqa: PLR2004
            continue
        clause, status = cells[0], cells[2].lower()
        if clause in rows:
            problems.append(f"{clause}: more than one row")
        tests = frozenset(f"{p}::{n}" for p, n in TEST_REF.findall(cells[4]))
        rows[clause] = Row(clause, status, tests)
    return rows, problems


def collect_markers(tests_dir: Path, root: Path) -> dict[str, set[str]]:
    """clause -> the tests ("path::name") carrying `@pytest.mark.clause(clause)`, read from source."""
    found: dict[str, set[str]] = {}
    for path in sorted(tests_dir.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for deco in node.decorator_list:
                if (
                    isinstance(deco, ast.Call)
                    and isinstance(deco.func, ast.Attribute)
                    and deco.func.attr == "clause"
                    and deco.args
                    and isinstance(deco.args[0], ast.Constant)
                ):
                    ref = f"{path.relative_to(root).as_posix()}::{node.name}"
                    found.setdefault(str(deco.args[0].value), set()).add(ref)
    return found


def disagreements(matrix_text: str, clauses: list[str], tests_dir: Path, root: Path) -> list[str]:
    """What is wrong between the matrix, the standard's clauses and the tests' markers ([] if nothing)."""
    rows, problems = parse_matrix(matrix_text)
    markers = collect_markers(tests_dir, root)
    for clause in clauses:
        row = rows.get(clause)
        if row is None:
            problems.append(f"{clause}: no row")
            continue
        if row.status not in STATUSES:
            problems.append(f"{clause}: unknown status {row.status!r}")
        if row.status == "done" and not row.tests:
            problems.append(f"{clause}: done but names no test")
        if row.status == "organisational" and clause.split(".")[0] in NO_ORGANISATIONAL:
            problems.append(f"{clause}: organisational is not accepted in section {clause.split('.')[0]}")
    problems.extend(
        f"{c}: row for a clause the standard does not have" for c in sorted(set(rows) - set(clauses))
    )
    for clause, refs in sorted(markers.items()):
        named = rows[clause].tests if clause in rows else frozenset()
        problems.extend(
            f"{clause}: {ref} carries the marker but the row does not name it" for ref in sorted(refs - named)
        )
    for clause, row in sorted(rows.items()):
        for ref in sorted(row.tests - markers.get(clause, set())):
            problems.append(f"{clause}: the row names {ref}, which does not exist or lacks the clause marker")
    return problems


def standard_clauses(root: Path) -> list[str]:
    """The standard's leaf clauses, in order, as the checkout keeps them."""
    return (root / CLAUSES_FILE).read_text(encoding="utf-8").split()


def check(root: Path) -> list[str]:
    """The disagreements of the checkout at `root` (its matrix, clauses file and tests)."""
    missing = [str(p) for p in (CLAUSES_FILE, MATRIX_FILE, TESTS_DIR) if not (root / p).exists()]
    if missing:
        return [f"{root} has no {', '.join(missing)}: not a ggzy checkout"]
    matrix = (root / MATRIX_FILE).read_text(encoding="utf-8")
    return disagreements(matrix, standard_clauses(root), root / TESTS_DIR, root)


def checkout_root() -> Path:
    """The checkout this package runs from (src/ggzy/core/compliance.py → the folder holding src/)."""
    return Path(__file__).resolve().parents[3]
