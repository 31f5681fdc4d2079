"""`ggzy-bid release-key` makes the bidder's own release key — bound to its signing certificate, never
written over an existing file — and `ggzy-bid check` tells the bidder before the deadline that its bid
can be released with it, revealing nothing: no file written, nothing sent."""

from __future__ import annotations

import getpass
import json
import socket
import stat
from pathlib import Path
from typing import Any

import pytest

from bid_world import PASSPHRASE, SIGN, SIGN_DER, Bidder, World, no_prompt, signing_certificate
from ggzy_bid.cli import main
from ggzy_sm import sealedbid
from ggzy_sm.keys import write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey


def make(bidder: Bidder, out: str = "new-release.key", certificate: str = "sign.cer") -> list[str]:
    return [
        "release-key", "--key", str(bidder / "sign.key"), "--certificate", str(bidder / certificate),
        "--out", str(bidder / out),
    ]  # fmt: skip


def test_a_release_key_is_made_bound_to_the_signing_certificate(
    bidder: Bidder, capsys: pytest.CaptureFixture[str]
) -> None:
    before = bidder.files()
    assert main(make(bidder)) == 0
    captured = capsys.readouterr()
    field = json.loads(captured.out)
    assert set(field) == {"public_key", "binding"}
    key = sealedbid.release_key_load(bidder / "new-release.key", PASSPHRASE)
    assert sealedbid.release_key_check(field, SIGN_DER) == key.public_key
    assert key.public_key != SIGN.public_key
    assert stat.S_IMODE((bidder / "new-release.key").stat().st_mode) == 0o600
    assert bidder.files() == sorted([*before, "new-release.key"])  # no temporary file left
    assert "请另行备份此文件与口令" in captured.err


def test_a_release_key_file_is_never_overwritten(
    bidder: Bidder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = (bidder / "release.key").read_bytes()
    no_prompt(monkeypatch)
    assert main(make(bidder, "release.key")) == 2
    assert "已存在：解密密钥文件从不覆盖" in capsys.readouterr().err
    assert (bidder / "release.key").read_bytes() == kept


def test_a_file_appearing_while_the_key_is_made_is_not_overwritten(
    bidder: Bidder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    save = sealedbid.release_key_save

    def racing(key: Sm2PrivateKey, path: Path, passphrase: str) -> None:
        save(key, path, passphrase)
        (bidder / "new-release.key").write_text("another program's", encoding="utf-8")

    monkeypatch.setattr(sealedbid, "release_key_save", racing)
    before = bidder.files()
    assert main(make(bidder)) == 2
    assert "从不覆盖" in capsys.readouterr().err
    assert (bidder / "new-release.key").read_text(encoding="utf-8") == "another program's"
    assert bidder.files() == sorted([*before, "new-release.key"])


def test_a_signing_key_that_is_not_the_certificates_is_refused(
    bidder: Bidder, capsys: pytest.CaptureFixture[str]
) -> None:
    (bidder / "foreign.cer").write_bytes(signing_certificate(Sm2PrivateKey.generate()))
    before = bidder.files()
    assert main(make(bidder, certificate="foreign.cer")) == 2
    assert "不是签名证书" in capsys.readouterr().err
    assert bidder.files() == before


def test_the_new_passphrase_is_asked_twice(
    bidder: Bidder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GGZY_BID_PASSPHRASE")
    answers = iter([PASSPHRASE, "release-passphrase", "release-passphrasf"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    before = bidder.files()
    assert main(make(bidder)) == 2
    assert "两次输入的口令不一致" in capsys.readouterr().err
    assert bidder.files() == before
    answers = iter([PASSPHRASE, "release-passphrase", "release-passphrase"])
    assert main(make(bidder)) == 0
    sealedbid.release_key_load(bidder / "new-release.key", "release-passphrase")


# --- check ----------------------------------------------------------------------------------------------


def go_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, any attempt to reach the network fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("check tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


@pytest.fixture
def sealed(bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]) -> Bidder:
    assert main(bidder.seal_command()) == 0
    capsys.readouterr()
    return bidder


def check(bidder: Bidder, key: str = "release.key") -> list[str]:
    return ["check", str(bidder.bid), "--release-key", str(bidder / key)]


def test_check_says_yes_and_reveals_nothing(
    sealed: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = [len(fake.requests) for fake in world.fakes]
    before = snapshot(sealed.folder)
    monkeypatch.chdir(sealed.folder)
    go_offline(monkeypatch)
    assert main(check(sealed)) == 0
    captured = capsys.readouterr()
    yes = "可以用此解密密钥签发该投标文件的解密授权 (this bid can be released with this key)"
    assert captured.out == yes + "\n"
    assert captured.err == ""
    assert snapshot(sealed.folder) == before  # nothing written, nothing touched
    assert [len(fake.requests) for fake in world.fakes] == asked  # nothing sent


def test_check_refuses_another_key_and_an_altered_bid(
    sealed: Bidder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    go_offline(monkeypatch)
    write_key_file(Sm2PrivateKey.generate(), sealed / "other.key", PASSPHRASE, iterations=1000)
    before = snapshot(sealed.folder)
    assert main(check(sealed, "other.key")) == 1
    out = capsys.readouterr().out
    assert out.startswith("不能用此解密密钥签发该投标文件的解密授权：这不是封装该投标文件时使用的解密密钥")
    assert "(this bid cannot be released with this key: key:" in out
    raw = bytearray(sealed.bid.read_bytes())
    raw[40] ^= 1  # a byte of the stream
    sealed.bid.write_bytes(bytes(raw))
    before = snapshot(sealed.folder)
    assert main(check(sealed)) == 1
    assert "密文与投标文件头不符" in capsys.readouterr().out
    assert snapshot(sealed.folder) == before
