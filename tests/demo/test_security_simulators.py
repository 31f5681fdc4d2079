"""The demo's bank and guarantee issuers: `ggzy serve` in the sandbox makes them (`ggzy-bank init` and
`configure` with the platform's request key and callback; `ggzy-guarantee init` of a bank, an insurer and a
guarantee company, the platform's key pinned), writes the trust files the platform pins, and runs each with
its test controls beside the web server; `running()` runs them for `demo_load`."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from ggzy_sm import canonical
from tests.outside import free_port, serving_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]


def _listening(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/v1/nothing", timeout=5):  # noqa: S310  (the test's own service)
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


def _bank_settings(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    from ggzy.demo import bank

    port = free_port()
    settings.GGZY_DEMO_BANK_DIR = str(tmp_path / "bank")
    settings.GGZY_BANKS = f"demo=http://127.0.0.1:{port}"
    settings.GGZY_BANK_TRUST = str(tmp_path / "bank" / "trust.json")
    settings.PORT = 8123
    monkeypatch.setenv("GGZY_BANK_PASSPHRASE", bank.PASSPHRASE)
    return port


def test_the_demo_makes_configures_and_serves_the_bank(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ggzy.demo import bank
    from ggzy.securities import bank as client

    port = _bank_settings(settings, tmp_path, monkeypatch)
    served = bank.serve_commands()
    assert [name for name, _command in served] == ["bank demo"]
    assert served[0][1][-1] == "--test-controls"
    configured = json.loads((tmp_path / "bank" / "demo" / "settings.json").read_text("utf-8"))
    assert configured["platform_key"] == client.platform_key_hex()
    assert configured["callback"] == "http://127.0.0.1:8123/api/v1/securities/bank/notifications"
    trust = json.loads((tmp_path / "bank" / "trust.json").read_text("utf-8"))
    assert trust["banks"]["demo"]["name"] == bank.NAMES["demo"]
    assert bank.serve_commands() == served  # made once: the same key the second time
    again = json.loads((tmp_path / "bank" / "trust.json").read_text("utf-8"))
    assert again["banks"]["demo"]["key"] == trust["banks"]["demo"]["key"]
    process = subprocess.Popen(
        served[0][1], env=bank.TOOL.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert serving_on(process, "bank") == f"http://127.0.0.1:{port}"
        # the platform's client asks it, signed by the key the demo pinned, and trusts its answer
        deadline = canonical.format_instant(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        answer = client.ask(
            client.bank("demo"),
            "open",
            "/v1/sub-accounts",
            {"section": "S-1", "bidder": "91210100730000017Q", "required_fen": 100_000, "deadline": deadline},
        )
        assert answer["outcome"] == "opened"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_bank_runs_for_a_while_and_stops(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ggzy.demo import bank

    port = _bank_settings(settings, tmp_path, monkeypatch)
    with bank.running() as processes:
        assert len(processes) == 1
        assert _listening(f"http://127.0.0.1:{port}")
    assert processes[0].poll() is not None
    assert not _listening(f"http://127.0.0.1:{port}")


def test_the_demo_makes_three_issuers_of_three_kinds_and_serves_them(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ggzy.demo import guarantees
    from ggzy.securities.bank import platform_key_hex

    ports = {code: free_port() for code in guarantees.ISSUERS}
    settings.GGZY_DEMO_GUARANTEE_DIR = str(tmp_path / "guarantee")
    settings.GGZY_GUARANTEE_ISSUERS = ",".join(f"{c}=http://127.0.0.1:{p}" for c, p in ports.items())
    settings.GGZY_GUARANTEE_TRUST = str(tmp_path / "guarantee" / "trust.json")
    monkeypatch.setenv("GGZY_GUARANTEE_PASSPHRASE", guarantees.PASSPHRASE)
    served = guarantees.serve_commands()
    assert [name for name, _command in served] == [
        "guarantee issuer bank",
        "guarantee issuer insurer",
        "guarantee issuer guarantor",
    ]
    trust = json.loads((tmp_path / "guarantee" / "trust.json").read_text("utf-8"))
    assert {code: entry["kind"] for code, entry in trust["issuers"].items()} == {
        code: kind for code, (kind, _name) in guarantees.ISSUERS.items()
    }
    for code in guarantees.ISSUERS:
        pinned = json.loads((tmp_path / "guarantee" / code / "platforms.json").read_text("utf-8"))
        assert pinned["keys"] == [platform_key_hex()]
    assert guarantees.serve_commands() == served  # made once: the same roots the second time
    again = json.loads((tmp_path / "guarantee" / "trust.json").read_text("utf-8"))
    assert again == trust
    with guarantees.running() as processes:
        assert len(processes) == 3
        assert all(_listening(f"http://127.0.0.1:{port}") for port in ports.values())
    assert all(process.poll() is not None for process in processes)


def test_an_issuer_the_demo_does_not_simulate_is_refused(settings: Any, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    from ggzy.demo import guarantees

    settings.GGZY_DEMO_GUARANTEE_DIR = str(tmp_path / "guarantee")
    settings.GGZY_GUARANTEE_ISSUERS = "91110000100000001B=http://127.0.0.1:18641"
    with pytest.raises(CommandError, match="does not simulate"):
        guarantees.serve_commands()
    assert not (tmp_path / "guarantee").exists()


def test_outside_the_sandbox_nothing_is_made(settings: Any, tmp_path: Path) -> None:
    from ggzy.demo import bank, guarantees

    settings.GGZY_SANDBOX = False
    settings.GGZY_DEMO_BANK_DIR = str(tmp_path / "bank")
    settings.GGZY_BANKS = "demo=http://127.0.0.1:18631"
    settings.GGZY_DEMO_GUARANTEE_DIR = str(tmp_path / "guarantee")
    settings.GGZY_GUARANTEE_ISSUERS = ",".join(f"{c}=http://127.0.0.1:18641" for c in guarantees.ISSUERS)
    assert bank.serve_commands() == []
    assert guarantees.serve_commands() == []
    with bank.running() as processes:
        assert processes == []
    assert not (tmp_path / "bank").exists()
    assert not (tmp_path / "guarantee").exists()
