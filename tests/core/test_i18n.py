"""Chinese first: every string of ours has a zh-hans translation, and the compiled catalogue is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.utils import translation

from ggzy.core.errors import CoreError

REPO = Path(__file__).resolve().parents[2]


def test_catalogue_is_complete_and_compiled() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "compile_messages.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_error_code_speaks_chinese_by_default_and_english_when_asked() -> None:
    for code in CoreError:
        with translation.override("zh-hans"):
            zh = str(code.message)
        with translation.override("en"):
            en = str(code.message)
        assert zh != en, code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), code
