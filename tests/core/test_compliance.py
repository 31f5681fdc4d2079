"""docs/compliance.md and the clause markers of the tests agree, and the check can fail; the check
(`ggzy compliance_check`, in `make lint`) runs on a plain clone of the committed tree, which reads and
links nothing outside itself."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ggzy.core.compliance import check, disagreements, standard_clauses

ROOT = Path(__file__).resolve().parents[2]
#: Where the committed tree may not point outside itself.
SELF_CONTAINED = ("tests", "src", "docs", "Makefile", "README.md", ".ci")
#: The folder beside the project that nothing may use (spelt in two parts, so this file does not name it).
OUTSIDE = "../" + "shared"


def test_standard_has_158_leaf_clauses() -> None:
    assert len(standard_clauses(ROOT)) == 158


def test_compliance_matrix_agrees_with_test_markers() -> None:
    assert check(ROOT) == []


def test_the_compliance_check_command_passes_and_fails_as_the_checkout_agrees(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "standard-clauses.txt").write_text("6.2.4\n6.2.5\n", encoding="utf-8")
    tests = tmp_path / "tests" / "x"
    tests.mkdir(parents=True)
    (tests / "test_a.py").write_text(
        'import pytest\n\n@pytest.mark.clause("6.2.4")\ndef test_in_two_days():\n    pass\n', encoding="utf-8"
    )
    rows = [
        "| clause | requirement | status | where | test |",
        "|---|---|---|---|---|",
        "| 6.2.4 | 2 个工作日办结 | done | registry | tests/x/test_a.py::test_in_two_days |",
        "| 6.2.5 | 服务责任人 | planned | registry | — |",
    ]
    matrix = tmp_path / "docs" / "compliance.md"
    matrix.write_text("\n".join(rows), encoding="utf-8")
    out = io.StringIO()
    call_command("compliance_check", "--root", str(tmp_path), stdout=out)
    assert "agrees with the 2 clauses" in out.getvalue()
    matrix.write_text("\n".join(rows[:-1]), encoding="utf-8")  # a clause without its row
    errors = io.StringIO()
    with pytest.raises(CommandError, match="disagrees"):
        call_command("compliance_check", "--root", str(tmp_path), stdout=io.StringIO(), stderr=errors)
    assert "6.2.5: no row" in errors.getvalue()
    with pytest.raises(CommandError, match="not a ggzy checkout"):
        call_command("compliance_check", "--root", str(tmp_path / "tests"), stdout=io.StringIO())


def _git(*args: str, cwd: Path, ok: tuple[int, ...] = (0,)) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    ran = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert ran.returncode in ok, ran.stderr
    return ran.stdout


@pytest.mark.slow
def test_a_plain_clone_checks_its_compliance_and_points_nowhere_outside(tmp_path: Path) -> None:
    """The committed tree, cloned alone into an empty folder (nothing beside it): its own compliance
    check passes with its own code, and no file under tests/, src/, docs/, .ci/, the Makefile or the
    README reads or links the shared folder beside the project (OUTSIDE)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "alone" / "ggzy"
    _git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone), cwd=tmp_path)
    assert sorted(p.name for p in clone.parent.iterdir()) == ["ggzy"]  # nothing beside it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GGZY_", "DJANGO_", "PYTHONPATH"))}
    env |= {
        "PYTHONPATH": f"{clone / 'src'}{os.pathsep}{clone}",
        "DJANGO_SETTINGS_MODULE": "ggzy.settings_test",
        "GGZY_VAR_DIR": str(tmp_path / "var"),
    }
    ran = subprocess.run(  # the venv's own interpreter, on the clone's code
        [sys.executable, "-m", "ggzy", "compliance_check"],
        cwd=tmp_path,  # not the clone: the command finds the checkout its package runs from
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert "agrees with the 158 clauses" in ran.stdout
    assert ran.stdout.rstrip().endswith(f"({clone})"), ran.stdout  # the clone's code and files, not ours
    # git grep answers 1 when nothing matches
    outside = _git(
        "grep", "-n", "-I", "--fixed-strings", OUTSIDE, "--", *SELF_CONTAINED, cwd=clone, ok=(0, 1)
    )
    assert outside == ""


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
