"""`ggzy-guarantee` as its operators run it: init (two issuers of different kinds), key, trust (the
trust document, and a platform key pinned) and serve each in a process of its own (serve on the system
clock: port 0, the "serving on" line, SIGTERM); a guarantee issued by the served process verifying
against the printed trust document."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path

from ggzy_guarantee.cli import main
from ggzy_sm import guarantees
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey
from guarantee_world import (
    BANK,
    GUARANTOR,
    ITERATIONS,
    PASSPHRASE,
    PLATFORM,
    answer,
    application,
    call,
    request,
)


def guarantee(*argv: str, passphrase: str = PASSPHRASE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ggzy_guarantee", *argv],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False,
        env={**os.environ, "GGZY_GUARANTEE_PASSPHRASE": passphrase},
    )  # fmt: skip


def _init(folder: Path, who: tuple[str, str, str], *more: str) -> str:
    kind, name, code = who
    made = guarantee(
        "init", "--dir", str(folder), "--kind", kind, "--name", name, "--code", code,
        "--iterations", str(ITERATIONS), *more,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def test_init_key_trust_and_serve(tmp_path: Path) -> None:
    bank = _init(tmp_path / "bank", BANK, "--platform", PLATFORM.public_key.hex(), "--review-after", "0")
    guarantor = _init(tmp_path / "guarantor", GUARANTOR, "--amount-limit", "100")
    assert set(json.loads((tmp_path / "bank" / "state.json").read_text("utf-8"))) == {
        "name", "created_at", "key", "kind", "code", "root", "certificate",
    }  # fmt: skip
    assert guarantee("key", "--dir", str(tmp_path / "bank")).stdout.strip() == bank
    again = guarantee(
        "init", "--dir", str(tmp_path / "bank"), "--kind", "bank", "--name", "x", "--code", "X1"
    )
    assert again.returncode == 1  # a key is never replaced
    assert "holds a guarantee issuer already" in again.stderr
    assert guarantee("key", "--dir", str(tmp_path / "nowhere")).returncode == 2
    assert (
        guarantee(
            "init", "--dir", str(tmp_path / "x"), "--kind", "notary", "--name", "x", "--code", "X1"
        ).returncode
        == 2
    )

    printed = guarantee("trust", str(tmp_path / "bank"), str(tmp_path / "guarantor"))
    assert printed.returncode == 0, printed.stderr
    trust = json.loads(printed.stdout)
    assert trust["format"] == "ggzy-guarantee-trust-v1"
    assert {code: (e["kind"], e["key"]) for code, e in trust["issuers"].items()} == {
        BANK[2]: ("bank", bank),
        GUARANTOR[2]: ("guarantor", guarantor),
    }
    assert guarantee("trust", str(tmp_path / "bank"), str(tmp_path / "bank")).returncode == 1
    assert guarantee("trust", str(tmp_path / "nowhere")).returncode == 2
    assert guarantee("trust").returncode == 2
    assert guarantee("trust", "--dir", str(tmp_path / "guarantor"), "--platform", "nothex").returncode == 2
    pinned = guarantee("trust", "--dir", str(tmp_path / "guarantor"), "--platform", PLATFORM.public_key.hex())
    assert pinned.returncode == 0, pinned.stderr

    process = subprocess.Popen(
        [sys.executable, "-m", "ggzy_guarantee", "serve", "--dir", str(tmp_path / "bank"), "--port", "0",
         "--test-controls"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "GGZY_GUARANTEE_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=30), "the issuer did not start"
        line = process.stdout.readline()
        assert "ggzy-guarantee serving on http://127.0.0.1:" in line, line or process.stderr.read()
        url = line.split("serving on ", 1)[1].strip()
        second = guarantee("serve", "--dir", str(tmp_path / "bank"), "--port", "0")
        assert second.returncode == 2
        assert "in use" in second.stderr
        status, reply = call(url, "/v1/apply", request("apply", BANK[2], application()))
        assert status == 200
        assert answer(reply, Sm2PublicKey.from_hex(bank))["application"]["status"] == "awaiting_payment"
        assert call(url, "/v1/admin/pay", {"application": "APP-1"})[0] == 200
        status, reply = call(url, "/v1/status", request("status", BANK[2], {"application": "APP-1"}))
        issued = answer(reply, Sm2PublicKey.from_hex(bank))["guarantee"]
        assert guarantees.guarantee_check(issued, guarantees.trust_roots(trust))["issuer"]["code"] == BANK[2]
        stranger = Sm2PrivateKey.generate()
        assert (
            call(url, "/v1/status", request("status", BANK[2], {"application": "APP-1"}, key=stranger))[0]
            == 403
        )
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_serve_refuses_without_a_folder_or_with_a_wrong_passphrase(tmp_path: Path) -> None:
    assert guarantee("serve", "--dir", str(tmp_path / "nowhere"), "--port", "0").returncode == 2
    _init(tmp_path / "bank", BANK)
    wrong = guarantee(
        "serve",
        "--dir",
        str(tmp_path / "bank"),
        "--port",
        "0",
        passphrase="another passphrase",  # noqa: S106
    )
    assert wrong.returncode == 2
    assert "refusing to start" in wrong.stderr


def test_trust_writes_a_file_and_pins_only_with_a_folder(tmp_path: Path) -> None:
    _init(tmp_path / "bank", BANK)
    out = tmp_path / "trust.json"
    assert main(["trust", "--out", str(out), str(tmp_path / "bank")]) == 0
    assert list(json.loads(out.read_text("utf-8"))["issuers"]) == [BANK[2]]
    assert main(["trust", "--platform", PLATFORM.public_key.hex()]) == 2  # no --dir
    assert main(["trust", "--dir", str(tmp_path / "nowhere"), "--platform", PLATFORM.public_key.hex()]) == 2
    assert main(["trust", "--dir", str(tmp_path / "bank"), "--platform", PLATFORM.public_key.hex()]) == 0
    assert main(["trust", "--dir", str(tmp_path / "bank"), "--platform", PLATFORM.public_key.hex()]) == 0
    assert json.loads((tmp_path / "bank" / "platforms.json").read_text("utf-8"))["keys"] == [
        PLATFORM.public_key.hex()
    ]
    assert main(["serve", "--dir", "x", "--port", "0"]) == 2
