"""The demo's simulated national platforms: `ggzy serve` in the sandbox makes them (`ggzy-national init`,
each its own key) and the trust file, and runs `ggzy-national serve` for each beside the web server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.outside import free_port, serving_on


@pytest.mark.usefixtures("sandbox")
def test_the_demo_makes_and_serves_two_national_platforms(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ggzy.demo import national

    ports = {"ebid": free_port(), "ccgp": free_port()}
    settings.GGZY_DEMO_NATIONAL_DIR = str(tmp_path / "national")
    settings.GGZY_NATIONAL_PLATFORMS = ",".join(f"{c}=http://127.0.0.1:{p}" for c, p in ports.items())
    settings.GGZY_NATIONAL_TRUST = str(tmp_path / "national" / "trust.json")
    monkeypatch.setenv("GGZY_NATIONAL_PASSPHRASE", national.PASSPHRASE)
    served = national.serve_commands()
    assert [name for name, _command in served] == ["national platform ebid", "national platform ccgp"]
    trust = json.loads((tmp_path / "national" / "trust.json").read_text("utf-8"))
    assert set(trust["receivers"]) == {"ebid", "ccgp"}
    assert trust["receivers"]["ebid"]["name"] == national.NAMES["ebid"]
    keys = {code: entry["key"] for code, entry in trust["receivers"].items()}
    assert national.serve_commands() == served  # made once: the same keys the second time
    assert (
        json.loads((tmp_path / "national" / "trust.json").read_text("utf-8"))["receivers"]["ebid"]["key"]
        == (keys["ebid"])
    )
    process = subprocess.Popen(
        served[0][1], env=national.TOOL.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert serving_on(process, "ebid") == f"http://127.0.0.1:{ports['ebid']}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_outside_the_sandbox_nothing_is_made(settings: Any, tmp_path: Path) -> None:
    from ggzy.demo import national

    settings.GGZY_SANDBOX = False
    settings.GGZY_DEMO_NATIONAL_DIR = str(tmp_path / "national")
    assert national.serve_commands() == []
    assert not (tmp_path / "national").exists()
