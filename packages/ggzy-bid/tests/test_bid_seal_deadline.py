"""`ggzy-bid seal` keeps time by the custodians: it seals only against the deadline the latest signed
notice the custodians hold announces, and only while their signed time is before it — whatever this PC's
clock says. Refused: exit 2, nothing asked or written. And what the v2 bid carries: the machine inside
the encryption, the release key in the header (`inspect`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bid_world import (
    BEFORE,
    DAY,
    DEADLINE,
    FINGERPRINT,
    FORGER,
    HOUR,
    MINUTE,
    RELEASE,
    SECOND,
    SECTION,
    SIGN,
    Bidder,
    World,
    no_prompt,
    notice,
)
from ggzy_bid import __version__
from ggzy_bid.cli import main
from ggzy_sm import canonical, custodians, sealedbid

NOT_SEALED = "未封装，未写入任何文件"


def refused(
    bidder: Bidder,
    command: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    shown: str,
) -> str:
    """Exit 2 with `shown` and "nothing written" on standard error; no passphrase asked, nothing written."""
    no_prompt(monkeypatch)
    before = bidder.files()
    assert main(command) == 2
    err = capsys.readouterr().err
    assert shown in err
    assert NOT_SEALED in err
    assert "Traceback" not in err
    assert bidder.files() == before
    return err


def sealed(bidder: Bidder, capsys: pytest.CaptureFixture[str], *more: str) -> tuple[dict[str, Any], str]:
    assert main(bidder.seal_command(*more)) == 0
    return sealedbid.read(bidder.bid).header, capsys.readouterr().err


def test_the_bid_is_sealed_against_the_announced_deadline(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    header, err = sealed(bidder, capsys)
    assert header["deadline"] == canonical.format_instant(DEADLINE)
    assert header["custodians"]["set"] == FINGERPRINT
    assert "投标截止时间（按最新的签名公告）：北京时间 2026-12-20 09:30:00" in err
    assert "当前时间（按托管方签名时间）" in err
    assert "the earliest of 3 custodians' signed times" in err
    assert "ggzy-bid register" in err  # what comes next
    sealedbid.verify(sealedbid.read(bidder.bid), SIGN.public_key)
    for fake in world.fakes:
        assert [path.split("?")[0] for _method, path in fake.requests] == ["/notice", "/time"]


def test_a_deadline_given_by_hand_must_be_the_announced_one(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = refused(
        bidder,
        bidder.seal_command("--deadline", "2026-12-21T09:30:00+08:00"),
        capsys,
        monkeypatch,
        shown="与托管方持有的最新签名公告的截止时间",
    )
    assert "北京时间 2026-12-21 09:30:00" in err
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    header, _err = sealed(bidder, capsys, "--deadline", "2026-12-20T09:30:00+08:00")  # the same instant
    assert header["deadline"] == "2026-12-20T01:30:00.000000Z"


@pytest.mark.parametrize(
    "held",
    [
        [],
        [notice(key=FORGER)],  # signed by a key that is no notice key of the set
        [notice(section="A2101002026000001001002")],  # another section's
        [custodians.notice_make(SIGN, "ab" * 32, SECTION, DEADLINE, DEADLINE, BEFORE)],  # another set's
    ],
    ids=["none", "forged", "other-section", "other-set"],
)
def test_no_signed_notice_announcing_a_deadline_no_seal(
    bidder: Bidder,
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    held: list[dict[str, Any]],
) -> None:
    for fake in world.fakes:
        fake.notices = list(held)
    err = refused(
        bidder,
        bidder.seal_command("--deadline", "2026-12-20T09:30:00+08:00"),  # the bidder's word is not enough
        capsys,
        monkeypatch,
        shown=f"没有任何密钥托管方提供标段 {SECTION} 经签名的有效截止时间公告",
    )
    assert "no signed notice valid for the custodian set" in err


def test_a_deadline_past_by_the_custodians_clocks_is_refused_while_this_pc_says_it_is_early(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    world.custodians_at(DEADLINE + MINUTE)
    world.pc.at = DEADLINE - DAY  # this PC's clock is a day behind
    err = refused(bidder, bidder.seal_command(), capsys, monkeypatch, shown="已过")
    assert "the deadline has passed by the custodians' time" in err
    assert "本机时钟慢了约 24 小时 1 分" in err
    world.custodians_at(DEADLINE)  # at the deadline it has passed
    refused(bidder, bidder.seal_command(), capsys, monkeypatch, shown="已过")


def test_a_wrong_pc_clock_does_not_stop_a_bidder_the_custodians_say_is_on_time(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.custodians_at(DEADLINE - HOUR)
    world.pc.at = DEADLINE + 2 * DAY  # this PC's clock says the deadline passed two days ago
    header, err = sealed(bidder, capsys)
    assert header["deadline"] == canonical.format_instant(DEADLINE)
    assert "本机时钟快了约 49 小时 0 分" in err
    assert "本机时钟不影响投标" in err


def test_one_fast_custodian_clock_does_not_close_the_bidding(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.custodians_at(DEADLINE + HOUR, DEADLINE - HOUR, DEADLINE - 2 * HOUR)
    _header, err = sealed(bidder, capsys)
    assert "earliest: custodian 3" in err


def test_a_postponement_one_custodian_holds_is_sealed_against(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    later = DEADLINE + DAY
    world.hold(notice(later, issued_at=BEFORE), only=3)
    world.custodians_at(DEADLINE + HOUR)  # past the first deadline, before the postponed one
    header, err = sealed(bidder, capsys)
    assert header["deadline"] == canonical.format_instant(later)
    assert "北京时间 2026-12-21 09:30:00" in err


def test_without_the_custodians_time_no_seal_and_the_fallback_is_said_aloud(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    world.modes("offline", "unavailable", "ok")
    world.pc.at = BEFORE + 2 * MINUTE  # custodian 3 alone, two minutes off this PC's clock
    err = refused(bidder, bidder.seal_command(), capsys, monkeypatch, shown="无法确定当前时间")
    assert "only custodian 3 answered" in err
    assert "托管方 2（托管方 2）: 未给出签名时间 (refused (unavailable)" in err
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    world.pc.at = BEFORE + 30 * SECOND  # now they agree: this PC's clock, said aloud
    _header, err = sealed(bidder, capsys)
    assert "只有一个托管方给出了有效的签名时间" in err
    assert "this computer's clock is used" in err


def test_inspect_shows_the_v2_header(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    sealed(bidder, capsys, "--machine-from-system")
    assert main(["inspect", str(bidder.bid)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["format"] == "ggzy-bid-v2"
    assert shown["verified"] is True
    assert shown["release_key"] == RELEASE.public_key.hex()
    assert shown["deadline"] == canonical.format_instant(DEADLINE)
    assert shown["custodians"]["set"] == FINGERPRINT
    assert [c["index"] for c in shown["custodians"]["custodians"]] == [1, 2, 3]
    assert shown["signer"]["serial_number"] == "91210100730000017Q"
    text = json.dumps(shown)
    for hidden in ("wrapped", "signature", "signing_certificate", "machine", "binding"):
        assert hidden not in text


@pytest.mark.parametrize("from_system", [False, True])
def test_the_machine_is_inside_the_encryption(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str], from_system: bool
) -> None:
    header, err = sealed(bidder, capsys, *(["--machine-from-system"] if from_system else []))
    bid = sealedbid.read(bidder.bid)
    sealedbid.open_bid(bid, sealedbid.unwrap(bid, RELEASE), bidder / "opened")
    machine = json.loads((bidder / "opened" / "machine.json").read_text(encoding="utf-8"))
    assert machine == sealedbid.machine_record(machine)  # a record as the format spells it
    if from_system:
        assert machine["tool"] == f"ggzy-bid {__version__}"
        assert "本机信息已封入投标文件" in err
    else:
        assert machine == sealedbid.machine_record()
        assert "未记录本机信息" in err
    assert "machine" not in json.dumps(header)  # nothing of it in the clear


def test_what_can_be_refused_locally_is_refused_before_any_custodian_is_asked(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command = bidder.seal_command()
    bad_section = [*command[:2], "A210100202600000100100", *command[3:]]
    refused(bidder, bad_section, capsys, monkeypatch, shown="标段编号")
    (bidder / "release.key").rename(bidder / "elsewhere.key")
    refused(bidder, command, capsys, monkeypatch, shown="请先用 ggzy-bid release-key 生成")
    assert all(fake.requests == [] for fake in world.fakes)
