"""`ggzy-bid seal --custodians`: the bid key is split among the centre's key custodians only when the
signed set verifies — every member's signature, the pins, the client's known sets, no demo set unless
asked — and on any refusal nothing is asked or written."""

from __future__ import annotations

import copy
import datetime as dt
import getpass
import json
from pathlib import Path
from typing import Any

import pytest

from ggzy_bid import cli
from ggzy_bid.cli import main
from ggzy_sm import custodians, sealedbid, x509
from ggzy_sm.keys import write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey

SIGN, ENC, CA = (Sm2PrivateKey.generate() for _ in range(3))
SHEET = {"schema": "ggzy-opening-sheet-v1", "price": {"kind": "amount", "fen": 880000000}}
NOW = dt.datetime.now(dt.UTC)
SIGNERS = [Sm2PrivateKey.generate() for _ in range(4)]  # custodians 1 … 3, then the supervising department
DECRYPTERS = [Sm2PrivateKey.generate() for _ in range(3)]
OPERATOR = [Sm2PrivateKey.generate() for _ in range(2)]  # the operator's own signing and encryption keys


def certificate(key: Sm2PrivateKey, usage: x509.Usage, name: str = "托管方") -> bytes:
    return x509.issue(
        issuer_key=key,
        issuer={"common_name": name},
        subject={"common_name": name},
        public_key=key.public_key,
        serial=1,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=365),
        usage=usage,
    )


def body(demo: bool = False, encryption: list[Sm2PrivateKey] = DECRYPTERS) -> dict[str, Any]:
    return custodians.set_body(
        centre="210100",
        k=2,
        custodians=[
            (
                f"托管方 {i}",
                f"https://custodian{i}.example.cn",
                certificate(s, "signing"),
                certificate(e, "encryption"),
            )
            for i, (s, e) in enumerate(zip(SIGNERS[:3], encryption, strict=True), start=1)
        ],
        supervisor=("监督部门", certificate(SIGNERS[3], "signing")),
        demo=demo,
    )


def signed(body: dict[str, Any], signers: list[Sm2PrivateKey] = SIGNERS) -> dict[str, Any]:
    names = ["1", "2", "3", "supervisor"]
    return {
        "body": body,
        "signatures": {n: custodians.set_sign(body, k) for n, k in zip(names, signers, strict=True)},
    }


GOOD = signed(body())
FINGERPRINT = custodians.set_fingerprint(GOOD["body"])


@pytest.fixture
def bidder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    """(a folder with the bidder's keys, certificates, sheet and document; the seal command)."""
    for key, usage, serial, name in ((SIGN, "signing", 2, "sign"), (ENC, "encryption", 3, "enc")):
        (tmp_path / f"{name}.cer").write_bytes(
            x509.issue(
                issuer_key=CA, issuer={"common_name": "Test CA"}, public_key=key.public_key,
                subject={"common_name": "天成建设", "serial_number": "91210100730000017Q"}, serial=serial,
                not_before=NOW - dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=365),
                usage=usage,  # type: ignore[arg-type]
            )
        )  # fmt: skip
        write_key_file(key, tmp_path / f"{name}.key", "holder-passphrase", iterations=1000)
    (tmp_path / "技术标.pdf").write_bytes(b"%PDF-1.7 technical")
    (tmp_path / "sheet.json").write_text(json.dumps(SHEET), encoding="utf-8")
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    command = [
        "seal", "--section", "A2101002026000001001001", "--bidder", "91210100730000017Q",
        "--deadline", "2026-12-20T09:30:00+08:00", "--key", str(tmp_path / "sign.key"),
        "--certificate", str(tmp_path / "sign.cer"), "--encryption-certificate", str(tmp_path / "enc.cer"),
        "--opening-sheet", str(tmp_path / "sheet.json"), "--out", str(tmp_path / "bid.ggzybid"),
        str(tmp_path / "技术标.pdf"),
    ]  # fmt: skip
    return tmp_path, command


def with_set(folder: Path, command: list[str], signed_set: Any, *more: str) -> list[str]:
    (folder / "set.json").write_text(json.dumps(signed_set, ensure_ascii=False), encoding="utf-8")
    return [*command, "--custodians", str(folder / "set.json"), *more]


def test_seal_with_a_valid_set_splits_the_key_among_the_custodians(
    bidder: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, command = bidder
    assert main(with_set(folder, command, GOOD, "--pin", FINGERPRINT.upper())) == 0
    assert "任意 2 个可恢复" in capsys.readouterr().err
    bid = sealedbid.read(folder / "bid.ggzybid")
    sealedbid.verify(bid, SIGN.public_key)
    envelope = bid.header["custodians"]
    assert (envelope["format"], envelope["set"], envelope["k"], envelope["n"]) == (
        "ggzy-custodians-v1",
        FINGERPRINT,
        2,
        3,
    )
    shares = {}
    for entry, key in zip(envelope["shares"], DECRYPTERS, strict=True):
        plaintext = json.loads(key.decrypt(bytes.fromhex(entry["wrapped"])))
        assert plaintext["index"] == entry["index"]
        assert plaintext["binding"] == custodians.binding_digest(custodians.binding_of(bid.header))
        shares[entry["index"]] = bytes.fromhex(plaintext["share"])

    def committed(key: bytes) -> bool:
        try:
            sealedbid.check_commitment(bid, key)
        except sealedbid.BidError:
            return False
        return True

    for pair in ((1, 2), (2, 3), (1, 3)):
        dek, bad = custodians.combine({i: shares[i] for i in pair}, 2, committed)
        assert bad == []
        sealedbid.check_commitment(bid, dek)
    assert dek == sealedbid.unwrap(bid, ENC)  # the same key the bidder can release itself


def test_inspect_shows_the_custodian_envelope(
    bidder: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, command = bidder
    assert main(with_set(folder, command, GOOD, "--pin", FINGERPRINT)) == 0
    capsys.readouterr()
    assert main(["inspect", str(folder / "bid.ggzybid")]) == 0
    shown = json.loads(capsys.readouterr().out)
    cset = custodians.set_verify(GOOD)
    assert shown["custodians"] == {
        "set": FINGERPRINT,
        "k": 2,
        "n": 3,
        "custodians": [{"index": c.index, "fingerprint": c.fingerprint} for c in cset.custodians],
    }
    assert shown["verified"] is True
    assert "wrapped" not in json.dumps(shown)


def refused_without_writing(
    folder: Path,
    command: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    shown: str,
) -> str:
    """The command exits 2 with a message (Chinese first), without asking the passphrase or writing."""
    monkeypatch.delenv("GGZY_BID_PASSPHRASE")

    def ask(prompt: str = "") -> str:
        raise AssertionError("the passphrase was asked for a set that is refused anyway")

    monkeypatch.setattr(getpass, "getpass", ask)
    before = sorted(p.name for p in folder.iterdir())
    assert main(command) == 2
    err = capsys.readouterr().err
    assert shown in err
    assert err.startswith(("ggzy-bid: 密钥托管方名单", "ggzy-bid: 这是演示用"))
    assert "未封装，未写入任何文件" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in folder.iterdir()) == before  # no bid, no temporary file
    return err


def test_an_operator_forged_set_is_refused(
    bidder: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator swaps custodian 2's encryption certificate for its own and signs as custodian 2."""
    folder, command = bidder
    forged = body(encryption=[DECRYPTERS[0], OPERATOR[1], DECRYPTERS[2]])
    forged_set = copy.deepcopy(GOOD)
    forged_set["body"] = forged
    forged_set["signatures"]["2"] = custodians.set_sign(forged, OPERATOR[0])
    command = with_set(folder, command, forged_set)
    err = refused_without_writing(folder, command, capsys, monkeypatch, "签名验证不通过")
    assert "signature" in err


def test_a_set_missing_a_signature_is_refused(
    bidder: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, command = bidder
    unsigned = copy.deepcopy(GOOD)
    del unsigned["signatures"]["supervisor"]
    refused_without_writing(folder, with_set(folder, command, unsigned), capsys, monkeypatch, "未签名")


def test_a_body_changed_after_signing_is_refused(
    bidder: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, command = bidder
    changed = copy.deepcopy(GOOD)
    changed["body"]["k"] = 3
    refused_without_writing(folder, with_set(folder, command, changed), capsys, monkeypatch, "签名验证不通过")


def test_a_pin_mismatch_is_refused(
    bidder: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, command = bidder
    command = with_set(folder, command, GOOD, "--pin", "00" * 32)
    err = refused_without_writing(folder, command, capsys, monkeypatch, "与 --pin 给出的不符")
    assert "pin" in err


def test_a_set_the_client_does_not_know_for_its_centre_is_refused(
    bidder: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, command = bidder
    monkeypatch.setattr(cli, "KNOWN_SETS", {"210100": ["00" * 32]})
    command = with_set(folder, command, GOOD, "--pin", FINGERPRINT)  # a pin does not override the table
    err = refused_without_writing(
        folder, command, capsys, monkeypatch, "不是本客户端已知的中心 210100 的名单"
    )
    assert FINGERPRINT in err


def test_a_set_the_client_knows_is_accepted_and_one_neither_known_nor_pinned_is_refused(
    bidder: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, command = bidder
    monkeypatch.setattr(cli, "KNOWN_SETS", {"210100": ["00" * 32, FINGERPRINT]})
    assert main(with_set(folder, command, GOOD)) == 0
    (folder / "bid.ggzybid").unlink()
    capsys.readouterr()
    monkeypatch.setattr(cli, "KNOWN_SETS", {"210200": ["00" * 32]})  # another centre's sets only
    # a set every member signed could still be the operator's own keys: unpinned and unknown, refused
    err = refused_without_writing(folder, with_set(folder, command, GOOD), capsys, monkeypatch, "--pin")
    assert "neither pinned nor known" in err
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    assert main(with_set(folder, command, GOOD, "--pin", FINGERPRINT)) == 0


def test_a_demo_set_is_refused_without_the_flag(
    bidder: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, command = bidder
    demo = signed(body(demo=True))
    err = refused_without_writing(folder, with_set(folder, command, demo), capsys, monkeypatch, "演示")
    assert "--allow-demo-custodians" in err
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    assert main(with_set(folder, command, demo, "--allow-demo-custodians")) == 0
    assert sealedbid.read(folder / "bid.ggzybid").header["custodians"]["set"] == custodians.set_fingerprint(
        demo["body"]
    )


@pytest.mark.parametrize("content", ["not json", "[]", '{"body": {}, "signatures": {}}'])
def test_an_unreadable_set_is_refused(
    bidder: tuple[Path, list[str]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: str,
) -> None:
    folder, command = bidder
    (folder / "set.json").write_text(content, encoding="utf-8")
    command = [*command, "--custodians", str(folder / "set.json")]
    refused_without_writing(folder, command, capsys, monkeypatch, "密钥托管方名单")


def test_the_shipped_table_is_an_object_of_lists() -> None:
    assert isinstance(cli._known_sets(), dict)
    assert all(isinstance(v, list) for v in cli._known_sets().values())
