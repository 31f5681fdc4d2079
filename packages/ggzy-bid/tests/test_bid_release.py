"""`ggzy-bid release` hands over the bid's key only from the release time on — the latest of the bound
deadline and the opening time of every valid notice the custodians hold — judged by the custodians'
signed time: a PC clock ahead does not release early, a PC clock behind does not hold the release back,
this PC's clock counts only when a single custodian agrees with it (and it is said), and without an
established time nothing is released."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from bid_world import (
    BEFORE,
    DAY,
    FORGER,
    HOUR,
    MINUTE,
    OPENING,
    PASSPHRASE,
    SECOND,
    SIGN,
    Bidder,
    World,
    no_prompt,
    notice,
    set_body,
    signed_set,
)
from ggzy_bid.cli import main
from ggzy_sm import custodians, sealedbid
from ggzy_sm.keys import write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey

NOT_RELEASED = "未签发解密授权，未写入任何文件"


@pytest.fixture
def sealed(bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]) -> Bidder:
    """The bidder with its bid sealed (custodians and PC at BEFORE); release time OPENING."""
    assert main(bidder.seal_command()) == 0
    capsys.readouterr()
    return bidder


def released(bidder: Bidder, capsys: pytest.CaptureFixture[str]) -> tuple[bytes, str]:
    """Run release with --out: (the bid's key from the release, standard error)."""
    assert main(bidder.release_command("--out", str(bidder / "release.json"))) == 0
    err = capsys.readouterr().err
    signed = json.loads((bidder / "release.json").read_text(encoding="utf-8"))
    bid = sealedbid.read(bidder.bid)
    return sealedbid.check_release(bid, signed, SIGN.public_key), err


def refused(
    bidder: Bidder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *, shown: str
) -> str:
    """Exit 2 with `shown`; no passphrase asked, nothing written."""
    no_prompt(monkeypatch)
    before = bidder.files()
    assert main(bidder.release_command("--out", str(bidder / "release.json"))) == 2
    err = capsys.readouterr().err
    assert shown in err
    assert NOT_RELEASED in err
    assert "Traceback" not in err
    assert bidder.files() == before
    return err


def test_too_early_by_the_custodians_even_with_this_pc_clock_ahead(
    sealed: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    world.custodians_at(OPENING - MINUTE)
    world.pc.at = OPENING + DAY
    err = refused(sealed, capsys, monkeypatch, shown="尚未到解密授权时间")
    assert "最早 北京时间 2026-12-20 10:00:00" in err
    assert "还差 1 分 0 秒" in err
    assert "本机时钟快了" in err


def test_released_from_the_release_time_even_with_this_pc_clock_behind(
    sealed: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.custodians_at(OPENING + MINUTE)
    world.pc.at = BEFORE  # a day behind
    dek, err = released(sealed, capsys)
    assert "本机时钟慢了" in err
    assert stat.S_IMODE((sealed / "release.json").stat().st_mode) == 0o600
    bid = sealedbid.read(sealed.bid)
    sealedbid.open_bid(bid, dek, sealed / "opened")
    assert (sealed / "opened" / "documents" / "技术标.pdf").read_bytes() == b"%PDF-1.7 technical"
    world.custodians_at(OPENING)  # at the release time itself
    assert main(sealed.release_command()) == 0  # printed without --out
    printed = json.loads(capsys.readouterr().out)
    assert sealedbid.check_release(bid, printed, SIGN.public_key) == dek


def test_a_single_custodian_agreeing_with_this_pc_clock_is_used_and_said(
    sealed: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.modes("offline", "offline", "ok")
    world.custodians_at(OPENING + MINUTE)
    world.pc.at = OPENING + MINUTE + 20 * SECOND
    _dek, err = released(sealed, capsys)
    assert "只有一个托管方给出了有效的签名时间，它与本机时钟相差不超过 60 秒，因此以本机时钟为准" in err
    assert "only custodian 3 answered" in err
    assert "托管方 1（托管方 1）: 未给出签名时间 (unreachable" in err


@pytest.mark.parametrize(
    ("modes", "why"),
    [
        (("offline", "offline", "offline"), "no custodian of the set gave a valid signed time"),
        (("offline", "unavailable", "ok"), "only custodian 3 answered"),
        (("forged", "replayed", "ok"), "only custodian 3 answered"),  # neither counts
    ],
    ids=["none", "one-disagrees", "forged-and-replayed"],
)
def test_nothing_is_released_when_the_custodians_cannot_establish_the_time(  # noqa: PLR0917 (parametrized)
    sealed: Bidder,
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    modes: tuple[str, str, str],
    why: str,
) -> None:
    world.custodians_at(OPENING + HOUR)  # it would be time
    world.pc.at = OPENING + 2 * HOUR  # an hour from the one custodian left
    for fake in world.fakes:
        fake.notices = []  # nothing to fetch either: the release time is the bound deadline
    world.modes(*modes)
    err = refused(sealed, capsys, monkeypatch, shown="无法确定当前时间")
    assert why in err


def test_the_latest_notice_a_custodian_holds_postpones_the_release(
    sealed: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    postponed = OPENING + DAY
    world.hold(notice(opening_at=postponed, issued_at=BEFORE + HOUR), only=2)
    world.hold(notice(opening_at=OPENING + 2 * DAY, key=FORGER))  # forged: never postpones
    world.custodians_at(OPENING + HOUR)
    world.pc.at = OPENING + 2 * DAY + HOUR
    err = refused(sealed, capsys, monkeypatch, shown="尚未到解密授权时间")
    assert "最早 北京时间 2026-12-21 10:00:00" in err
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", PASSPHRASE)
    world.custodians_at(postponed + MINUTE)
    released(sealed, capsys)


def test_the_keys_are_checked_once_it_is_time(
    sealed: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.custodians_at(OPENING + MINUTE)
    write_key_file(Sm2PrivateKey.generate(), sealed / "other.key", PASSPHRASE, iterations=1000)
    command = sealed.release_command()
    command[command.index("--key") + 1] = str(sealed / "other.key")
    assert main(command) == 2
    assert "不是该投标文件签名证书的密钥" in capsys.readouterr().err
    command = sealed.release_command()
    command[command.index("--release-key") + 1] = str(sealed / "other.key")
    assert main(command) == 2
    assert "not the release key the bid was sealed with" in capsys.readouterr().err


def test_a_bid_sealed_for_another_set_is_not_released_by_this_one(
    sealed: Bidder, world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    other = signed_set(set_body(version=2))
    Path(sealed / "set.json").write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    fingerprint = custodians.set_fingerprint(other["body"])
    world.custodians_at(OPENING + MINUTE)
    no_prompt(monkeypatch)
    asked = [len(fake.requests) for fake in world.fakes]
    command = sealed.release_command()
    command[command.index("--pin") + 1] = fingerprint
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "不是 --custodians 给出的名单" in err
    assert [len(fake.requests) for fake in world.fakes] == asked  # no custodian asked
