"""`ggzy-bid seal --custodians`: the bid key is split among the centre's key custodians only when the
signed set verifies — every member's signature, the pins, the client's known sets, no demo set unless
asked — and on any refusal nothing is asked, fetched or written."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from bid_world import (
    DEADLINE,
    FINGERPRINT,
    ISSUED,
    MEMBERS,
    NOTICE,
    OPENING,
    RELEASE,
    SECTION,
    SIGN,
    SIGNED,
    Bidder,
    World,
    member,
    no_prompt,
    set_body,
    signed_set,
)
from ggzy_bid.cli import main
from ggzy_bid.commands import sets
from ggzy_sm import custodians, sealedbid

OPERATOR = member("平台运营方")  # the operator's own signing and encryption keys


def with_set(bidder: Bidder, signed: Any, *more: str) -> list[str]:
    """The seal command with this set in set.json, without the pin unless given in `more`."""
    (bidder / "set.json").write_text(json.dumps(signed, ensure_ascii=False), encoding="utf-8")
    command = bidder.seal_command()
    at = command.index("--pin")
    return [*command[:at], *command[at + 2 :], *more]


def test_seal_with_a_valid_set_splits_the_key_among_the_custodians(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(with_set(bidder, SIGNED, "--pin", FINGERPRINT.upper())) == 0
    assert "任意 2 个可恢复" in capsys.readouterr().err
    bid = sealedbid.read(bidder.bid)
    sealedbid.verify(bid, SIGN.public_key)
    envelope = bid.header["custodians"]
    assert (envelope["format"], envelope["set"], envelope["k"], envelope["n"]) == (
        "ggzy-custodians-v2",
        FINGERPRINT,
        2,
        3,
    )
    shares = {}
    for entry, custodian in zip(envelope["shares"], MEMBERS, strict=True):
        plaintext = json.loads(custodian.encryption.decrypt(bytes.fromhex(entry["wrapped"])))
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
    assert dek == sealedbid.unwrap(bid, RELEASE)  # the same key the bidder releases itself


def refused_without_writing(
    bidder: Bidder,
    command: list[str],
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    shown: str,
) -> str:
    """The command exits 2 with a message (Chinese first), without asking a passphrase, asking a
    custodian or writing anything."""
    no_prompt(monkeypatch)
    before = bidder.files()
    assert main(command) == 2
    err = capsys.readouterr().err
    assert shown in err
    assert err.startswith(("ggzy-bid: 密钥托管方名单", "ggzy-bid: 这是演示用"))
    assert "未封装，未写入任何文件" in err
    assert "Traceback" not in err
    assert bidder.files() == before  # no bid, no temporary file
    assert all(fake.requests == [] for fake in world.fakes)
    return err


def test_an_operator_forged_set_is_refused(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator swaps custodian 2's encryption certificate for its own and signs as custodian 2."""
    forged = copy.deepcopy(SIGNED)
    forged["body"]["custodians"][1]["encryption_certificate"] = base64.b64encode(
        OPERATOR.encryption_der
    ).decode()
    forged["signatures"]["2"] = custodians.set_sign(forged["body"], OPERATOR.signing)
    err = refused_without_writing(
        bidder, with_set(bidder, forged), world, capsys, monkeypatch, shown="签名验证不通过"
    )
    assert "signature" in err


def test_a_set_missing_a_signature_is_refused(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    unsigned = copy.deepcopy(SIGNED)
    del unsigned["signatures"]["supervisor"]
    refused_without_writing(bidder, with_set(bidder, unsigned), world, capsys, monkeypatch, shown="未签名")


def test_a_body_changed_after_signing_is_refused(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = copy.deepcopy(SIGNED)
    changed["body"]["k"] = 3
    refused_without_writing(
        bidder, with_set(bidder, changed), world, capsys, monkeypatch, shown="签名验证不通过"
    )


def test_a_pin_mismatch_is_refused(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command = with_set(bidder, SIGNED, "--pin", "00" * 32)
    err = refused_without_writing(bidder, command, world, capsys, monkeypatch, shown="与 --pin 给出的不符")
    assert "pin" in err


def test_a_set_the_client_does_not_know_for_its_centre_is_refused(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sets, "KNOWN_SETS", {"210100": ["00" * 32]})
    command = with_set(bidder, SIGNED, "--pin", FINGERPRINT)  # a pin does not override the table
    err = refused_without_writing(
        bidder, command, world, capsys, monkeypatch, shown="不是本客户端已知的中心 210100 的名单"
    )
    assert FINGERPRINT in err


def test_a_set_the_client_knows_is_accepted_and_one_neither_known_nor_pinned_is_refused(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sets, "KNOWN_SETS", {"210100": ["00" * 32, FINGERPRINT]})
    assert main(with_set(bidder, SIGNED)) == 0
    bidder.bid.unlink()
    capsys.readouterr()
    for fake in world.fakes:
        fake.requests.clear()
    monkeypatch.setattr(sets, "KNOWN_SETS", {"210200": ["00" * 32]})  # another centre's sets only
    # a set every member signed could still be the operator's own keys: unpinned and unknown, refused
    err = refused_without_writing(bidder, with_set(bidder, SIGNED), world, capsys, monkeypatch, shown="--pin")
    assert "neither pinned nor known" in err
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    assert main(with_set(bidder, SIGNED, "--pin", FINGERPRINT)) == 0


def test_a_demo_set_is_refused_without_the_flag(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = signed_set(set_body(demo=True))
    demo_set = custodians.set_verify(demo)
    err = refused_without_writing(bidder, with_set(bidder, demo), world, capsys, monkeypatch, shown="演示")
    assert "--allow-demo-custodians" in err
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    announced = custodians.notice_make(NOTICE, demo_set.fingerprint, SECTION, DEADLINE, OPENING, ISSUED)
    for fake in world.fakes:  # the same members serve the demo set, with its own notice
        fake.cset, fake.notices = demo_set, [announced]
    assert main(with_set(bidder, demo, "--allow-demo-custodians")) == 0
    assert sealedbid.read(bidder.bid).header["custodians"]["set"] == demo_set.fingerprint


@pytest.mark.parametrize("content", ["not json", "[]", '{"body": {}, "signatures": {}}'])
def test_an_unreadable_set_is_refused(
    bidder: Bidder,
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: str,
) -> None:
    command = with_set(bidder, SIGNED, "--pin", FINGERPRINT)
    (bidder / "set.json").write_text(content, encoding="utf-8")
    refused_without_writing(bidder, command, world, capsys, monkeypatch, shown="密钥托管方名单")


def test_the_shipped_table_is_an_object_of_lists() -> None:
    assert isinstance(sets._known_sets(), dict)
    assert all(isinstance(v, list) for v in sets._known_sets().values())
