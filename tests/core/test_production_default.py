"""Production is the default (issue 17): an instance without GGZY_SANDBOX refuses test CAs and demo
custodian sets and says so at start-up; the sandbox is the explicit choice `make demo` makes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GGZY_", "DJANGO_"))}
    code = "import ggzy.settings as s; print(s.GGZY_PRODUCTION, s.GGZY_SANDBOX)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env=clean | {"GGZY_VAR_DIR": str(tmp_path)} | env,
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )


@pytest.mark.clause("9.2.1")
def test_an_instance_is_production_unless_it_asks_for_the_sandbox(tmp_path: Path) -> None:
    assert _settings(tmp_path).stdout.split() == ["True", "False"]
    assert _settings(tmp_path, GGZY_SANDBOX="1").stdout.split() == ["False", "True"]
    assert _settings(tmp_path, GGZY_PRODUCTION="1").stdout.split() == ["True", "False"]
    refused = _settings(tmp_path, GGZY_PRODUCTION="0")
    assert refused.returncode != 0
    assert "GGZY_PRODUCTION=0 is not a mode" in refused.stderr


@pytest.mark.clause("9.2.1")
def test_a_default_instance_refuses_test_cas_and_demo_custodians(settings: object, db: None) -> None:
    from ggzy.certs.checks import ca_mode
    from ggzy.sealing.checks import custodian_mode

    settings.GGZY_PRODUCTION, settings.GGZY_SANDBOX = True, False  # type: ignore[attr-defined]
    settings.GGZY_CUSTODIAN_TRANSPORT = "ggzy.demo.custodians.IN_PROCESS"  # type: ignore[attr-defined]
    assert [e.id for e in custodian_mode()] == ["ggzy.E213"]
    assert ca_mode() == []  # no CA yet; a test CA is refused when added (tests/certs)
