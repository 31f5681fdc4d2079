"""`ggzy-authority` as its operators run it: init, key, trust, load and serve each in a process of its
own (serve on the system clock: port 0, the "serving on" line, SIGTERM), and `load`'s refusals, which
write nothing, through `main(argv)`."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from authority_world import ITERATIONS, PASSPHRASE, USCC, batch, call, licence, lookup, make_folder, verify
from ggzy_authority import state
from ggzy_authority.cli import main
from ggzy_sm.sm2 import Sm2PublicKey


def authority(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ggzy_authority", *argv],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False,
        env={**os.environ, "GGZY_AUTHORITY_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip


def _init(folder: Path, name: str) -> str:
    made = authority("init", "--dir", str(folder), "--name", name, "--iterations", str(ITERATIONS))
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def test_init_key_trust_load_and_serve(tmp_path: Path) -> None:
    moha = _init(tmp_path / "moha", "住房和城乡建设部（模拟）")
    samr = _init(tmp_path / "samr", "国家市场监督管理总局（模拟）")
    assert json.loads((tmp_path / "moha" / "public.json").read_text("utf-8")) == {
        "format": "ggzy-authority-public-v1",
        "name": "住房和城乡建设部（模拟）",
        "key": moha,
    }
    assert set(json.loads((tmp_path / "moha" / "state.json").read_text("utf-8"))) == {
        "name",
        "created_at",
        "key",
    }
    assert (tmp_path / "moha" / "authority.key").stat().st_mode & 0o077 == 0
    assert authority("key", "--dir", str(tmp_path / "moha")).stdout.strip() == moha
    again = authority("init", "--dir", str(tmp_path / "moha"), "--name", "x", "--iterations", "1000")
    assert again.returncode == 1  # a key is never replaced
    assert authority("key", "--dir", str(tmp_path / "moha")).stdout.strip() == moha
    assert authority("key", "--dir", str(tmp_path / "nowhere")).returncode == 2

    trust = tmp_path / "trust.json"
    made = authority(
        "trust", "--out", str(trust), f"moha={tmp_path / 'moha'}", f"samr={tmp_path / 'samr' / 'public.json'}"
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(trust.read_text("utf-8")) == {
        "format": "ggzy-authority-trust-v1",
        "authorities": {
            "moha": {"name": "住房和城乡建设部（模拟）", "key": moha},
            "samr": {"name": "国家市场监督管理总局（模拟）", "key": samr},
        },
    }
    assert authority("trust", "--out", str(trust), "moha=" + str(tmp_path / "nowhere")).returncode == 2
    twice = authority("trust", "--out", str(trust), f"moha={tmp_path / 'moha'}", f"moha={tmp_path / 'samr'}")
    assert twice.returncode == 1

    loaded = authority("load", "--dir", str(tmp_path / "moha"), str(_write(tmp_path / "batch.json", batch())))
    assert loaded.returncode == 0, loaded.stderr
    assert "1 licences, 1 qualifications, 1 professionals" in loaded.stdout

    process = subprocess.Popen(
        [sys.executable, "-m", "ggzy_authority", "serve", "--dir", str(tmp_path / "moha"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "GGZY_AUTHORITY_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=30), "the authority did not start"
        line = process.stdout.readline()
        assert "ggzy-authority serving on http://127.0.0.1:" in line, line or process.stderr.read()
        url = line.split("serving on ", 1)[1].strip()
        second = authority("serve", "--dir", str(tmp_path / "moha"), "--port", "0")
        assert second.returncode == 2
        assert "in use" in second.stderr
        assert call(url, "/v1/admin/records", batch())[0] == 404  # no --test-controls
        status, reply = call(url, "/v1/lookup", lookup("licence", USCC))
        assert status == 200
        assert verify(reply, Sm2PublicKey.from_hex(moha))["record"] == licence()
        # load while served: answered from the next lookup on
        changed = _write(tmp_path / "changed.json", {"licences": [licence(status="cancelled")]})
        assert authority("load", "--dir", str(tmp_path / "moha"), str(changed)).returncode == 0
        status, reply = call(url, "/v1/lookup", lookup("licence", USCC))
        assert verify(reply, Sm2PublicKey.from_hex(moha))["record"]["status"] == "cancelled"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_serve_refuses_to_start_without_a_folder_or_with_a_wrong_passphrase(tmp_path: Path) -> None:
    assert authority("serve", "--dir", str(tmp_path / "nowhere"), "--port", "0").returncode == 2
    _init(tmp_path / "moha", "住房和城乡建设部（模拟）")
    wrong = subprocess.run(
        [sys.executable, "-m", "ggzy_authority", "serve", "--dir", str(tmp_path / "moha"), "--port", "0"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False,
        env={**os.environ, "GGZY_AUTHORITY_PASSPHRASE": "another passphrase"},
    )  # fmt: skip
    assert wrong.returncode == 2
    assert "refusing to start" in wrong.stderr


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            {"licences": [licence(), licence(code="91210100MA0Y000002", registered_capital_fen=1.5)]},
            "licences[1]",
        ),
        ({"qualifications": [{"certificate": "D1"}]}, "lacks"),
        ({"permits": []}, "unknown lists"),
        ("{nope", "not JSON"),
    ],
)
def test_load_refuses_a_bad_file_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: object, words: str
) -> None:
    folder = tmp_path / "moha"
    make_folder(folder)
    assert main(["load", "--dir", str(folder), str(_write(tmp_path / "first.json", batch()))]) == 0
    before = (folder / state.RECORDS).read_bytes()
    bad = tmp_path / "bad.json"
    if isinstance(content, str):
        bad.write_text(content, "utf-8")
    else:
        _write(bad, content)
    capsys.readouterr()
    assert main(["load", "--dir", str(folder), str(bad)]) == 1
    said = capsys.readouterr().err
    assert "refused" in said
    assert words in said
    assert (folder / state.RECORDS).read_bytes() == before


def test_load_needs_an_authority_and_a_file(tmp_path: Path) -> None:
    assert main(["load", "--dir", str(tmp_path / "nowhere"), str(_write(tmp_path / "b.json", batch()))]) == 2
    make_folder(tmp_path / "moha")
    assert main(["load", "--dir", str(tmp_path / "moha"), str(tmp_path / "missing.json")]) == 2
    assert not (tmp_path / "moha" / state.RECORDS).exists()
