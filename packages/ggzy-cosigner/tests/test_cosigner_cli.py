"""`ggzy-cosigner` as its operators run it, each command in a process of its own: init, key, serve on
the system clock (port 0, the "serving on" line, SIGTERM), trust and epoch-statement."""

from __future__ import annotations

import datetime as dt
import json
import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cosigner_world import ITERATIONS, PASSPHRASE, Platform, call, cosign, heads, make_state, write
from ggzy_sm import witness
from ggzy_sm.keys import write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey

STARTUP_TIMEOUT = 15.0
SUPERVISOR_PASSPHRASE = "supervisor-test-passphrase"  # noqa: S105  (a test key file's passphrase)


def cosigner(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m ggzy_cosigner argv…` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "ggzy_cosigner", *argv],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "GGZY_COSIGNER_PASSPHRASE": PASSPHRASE, **env},
        timeout=60,
        check=False,
    )


def _ready_line(process: subprocess.Popen[str]) -> str:
    """The "serving on" line the service prints once it listens (or the failure to start)."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=STARTUP_TIMEOUT):
            pytest.fail("the co-signer did not start in time")
    line = process.stdout.readline()
    if not line:
        why = process.stderr.read() if process.stderr else ""
        pytest.fail(f"the co-signer exited ({process.wait()}): {why}")
    return line.strip()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, Platform, subprocess.Popen[str]]]:
    """A co-signer made with `init` and served with `serve --port 0`, both as separate processes."""
    platform = Platform()
    folder = tmp_path / "notary"
    made = cosigner(
        "init",
        "--state",
        str(folder),
        "--name",
        "Shenyang Notary Office",
        "--operator-key",
        platform.key.public_key.hex(),
        "--iterations",
        str(ITERATIONS),
    )
    assert made.returncode == 0, made.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "ggzy_cosigner", "serve", "--state", str(folder), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "GGZY_COSIGNER_PASSPHRASE": PASSPHRASE},
    )
    try:
        yield folder, platform, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_init_serve_and_stop_as_separate_processes(
    served: tuple[Path, Platform, subprocess.Popen[str]],
) -> None:
    folder, platform, process = served
    line = _ready_line(process)
    assert line.startswith("ggzy-cosigner serving on http://127.0.0.1:")
    url = line.removeprefix("ggzy-cosigner serving on ")
    assert not url.endswith(":0")  # the real port
    public = json.loads((folder / "state.json").read_text(encoding="utf-8"))["key"]
    key = cosigner("key", "--state", str(folder), GGZY_COSIGNER_PASSPHRASE="")
    assert (key.returncode, key.stdout.strip()) == (0, public)
    assert (folder / "cosigner.key").stat().st_mode & 0o077 == 0

    platform.grow_to(7)
    head = platform.head(at=dt.datetime.now(dt.UTC))  # the co-signer judges it by the system clock
    status, answer = cosign(url, head)
    assert status == 200, answer
    assert witness.cosignature_check(answer)["sth"] == head["sth"]
    assert answer["cosigner_key"] == public
    status, health = call(url, "GET", "/health")
    assert (status, health["ok"], health["key"], health["tree_size"]) == (200, True, public, 7)
    stale = platform.head(at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
    assert cosign(url, stale)[1]["reason"] == "clock"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0  # stopped cleanly
    assert len(heads(folder)) == 1
    again = cosigner("init", "--state", str(folder), "--name", "X", "--operator-key", public)
    assert again.returncode == 1
    assert "already" in again.stderr


def test_serve_refuses_to_start_with_a_wrong_passphrase(tmp_path: Path) -> None:
    folder = make_state(tmp_path / "notary", Platform())
    wrong = {"GGZY_COSIGNER_PASSPHRASE": "wrong one!"}
    refused = cosigner("serve", "--state", str(folder), "--port", "0", **wrong)
    assert refused.returncode == 2
    assert "refusing to start" in refused.stderr
    assert "passphrase" in refused.stderr
    assert refused.stdout == ""
    missing = cosigner("serve", "--state", str(tmp_path / "nothing"), "--port", "0")
    assert missing.returncode == 2
    assert "not a co-signer's state folder" in missing.stderr


def test_trust_writes_the_file_verifiers_pin_and_refuses_a_bad_threshold(tmp_path: Path) -> None:
    operator, one, two, supervisor = (Sm2PrivateKey.generate().public_key for _ in range(4))
    out = tmp_path / "trust.json"
    common = ["--operator-key", operator.hex(), "--cosigner", f"notary={one.hex()}"]
    made = cosigner(
        "trust",
        "--out",
        str(out),
        *common,
        "--cosigner",
        f"auditor={two.hex()}",
        "--threshold",
        "2",
        "--supervisor-key",
        supervisor.hex(),
    )
    assert made.returncode == 0, made.stderr
    trust = witness.WitnessTrust.load(out)
    assert trust.threshold == 2
    assert trust.cosigners == (("notary", one), ("auditor", two))
    assert trust.supervisor_keys == (supervisor,)
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "ggzy-witness-trust-v1"
    for threshold in ("0", "2"):
        refused = cosigner(
            "trust", "--out", str(tmp_path / f"t{threshold}.json"), *common, "--threshold", threshold
        )
        assert refused.returncode == 1, threshold
        assert "threshold" in refused.stderr
        assert not (tmp_path / f"t{threshold}.json").exists()
    twice = cosigner(
        "trust",
        "--out",
        str(tmp_path / "t.json"),
        *common,
        "--cosigner",
        f"again={one.hex()}",
        "--threshold",
        "1",
    )
    assert (twice.returncode, "pinned twice" in twice.stderr) == (1, True)
    own = cosigner(
        "trust",
        "--out",
        str(tmp_path / "t.json"),
        "--operator-key",
        one.hex(),
        "--cosigner",
        f"notary={one.hex()}",
        "--threshold",
        "1",
    )
    assert (own.returncode, "operator key is pinned as a co-signer" in own.stderr) == (1, True)


def test_epoch_statement_is_signed_with_the_supervising_departments_key_file(tmp_path: Path) -> None:
    platform, supervisor = Platform(), Sm2PrivateKey.generate()
    key_file = tmp_path / "supervisor.key"
    write_key_file(supervisor, key_file, SUPERVISOR_PASSPHRASE, ITERATIONS)
    platform.grow_to(9)
    notary = Sm2PrivateKey.generate()
    last = witness.cosignature_make(
        notary, platform.head(at=dt.datetime.now(dt.UTC))["sth"], None, dt.datetime.now(dt.UTC)
    )
    restored = platform.forked(6, 8)
    first = {"tree_size": 8, "root_hash": restored.root().hex()}

    def sign(last_doc: Any, **env: str) -> subprocess.CompletedProcess[str]:
        return cosigner(
            "epoch-statement",
            "--key",
            str(key_file),
            "--previous-epoch",
            "0",
            "--last",
            str(write(tmp_path, last_doc)),
            "--first",
            str(write(tmp_path, first)),
            "--reason",
            "数据库故障，自 2026-12-01 备份恢复",
            **{"GGZY_SUPERVISOR_PASSPHRASE": SUPERVISOR_PASSPHRASE, **env},
        )

    signed = sign(last)
    assert signed.returncode == 0, signed.stderr
    document = json.loads(signed.stdout)
    statement = witness.epoch_statement_check(document, [supervisor.public_key])
    assert statement["last_head"] == witness.head_ref(last["body"]["sth"])
    assert statement["first_head"] == first
    assert (statement["previous_epoch"], statement["new_epoch"]) == (0, 1)
    assert statement["reason"] == "数据库故障，自 2026-12-01 备份恢复"
    as_ref = sign(witness.head_ref(last["body"]["sth"]))  # a bare head ref names the same head
    assert json.loads(as_ref.stdout)["statement"]["last_head"] == statement["last_head"]

    mistyped = {"GGZY_SUPERVISOR_PASSPHRASE": "not the passphrase"}
    wrong = sign(last, **mistyped)
    assert (wrong.returncode, wrong.stdout) == (1, "")
    tampered = {**last, "body": {**last["body"], "cosigned_at": "2026-12-05T10:00:00.000000Z"}}
    assert sign(tampered).returncode == 1  # a co-signature that does not verify names nothing
