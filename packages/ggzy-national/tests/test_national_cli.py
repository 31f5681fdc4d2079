"""`ggzy-national` as its operators run it, each command in a process of its own: init, key, trust, and
serve on the system clock (port 0, the "serving on" line, SIGTERM)."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path

from ggzy_sm.sm2 import Sm2PublicKey
from national_world import ITERATIONS, PASSPHRASE, call, notice, verify


def national(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ggzy_national", *argv],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False,
        env={**os.environ, "GGZY_NATIONAL_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip


def _init(folder: Path, name: str) -> str:
    made = national("init", "--dir", str(folder), "--name", name, "--iterations", str(ITERATIONS))
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def test_init_key_trust_and_serve(tmp_path: Path) -> None:
    ebid = _init(tmp_path / "ebid", "中国招标投标公共服务平台（模拟）")
    ccgp = _init(tmp_path / "ccgp", "中国政府采购网（模拟）")
    assert national("key", "--dir", str(tmp_path / "ebid")).stdout.strip() == ebid
    again = national("init", "--dir", str(tmp_path / "ebid"), "--name", "x", "--iterations", "1000")
    assert again.returncode == 1  # a key is never replaced
    assert national("key", "--dir", str(tmp_path / "ebid")).stdout.strip() == ebid
    trust = tmp_path / "trust.json"
    made = national(
        "trust", "--out", str(trust), f"ebid={tmp_path / 'ebid'}", f"ccgp={tmp_path / 'ccgp' / 'public.json'}"
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(trust.read_text("utf-8")) == {
        "format": "ggzy-national-trust-v1",
        "receivers": {
            "ebid": {"name": "中国招标投标公共服务平台（模拟）", "key": ebid},
            "ccgp": {"name": "中国政府采购网（模拟）", "key": ccgp},
        },
    }
    assert national("trust", "--out", str(trust), "ebid=" + str(tmp_path / "nowhere")).returncode == 2

    process = subprocess.Popen(
        [sys.executable, "-m", "ggzy_national", "serve", "--dir", str(tmp_path / "ebid"), "--port", "0",
         "--test-controls"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "GGZY_NATIONAL_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=30), "the platform did not start"
        line = process.stdout.readline()
        assert "ggzy-national serving on http://127.0.0.1:" in line, line or process.stderr.read()
        url = line.split("serving on ", 1)[1].strip()
        second = national("serve", "--dir", str(tmp_path / "ebid"), "--port", "0")
        assert second.returncode == 2
        assert "in use" in second.stderr
        assert call(url, "/v1/admin/fail-next", {"count": 1})[0] == 200
        sent = notice()
        assert call(url, "/v1/notices", sent)[0] == 503
        status, reply = call(url, "/v1/notices", sent)
        assert status == 200
        assert verify(reply, Sm2PublicKey.from_hex(ebid))["notice"] == sent["notice"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
