"""`ggzy-bid register` (and `custodian_client.register`, which the upload calls): the bid's ciphertext
hash — nothing that names the bidder — goes to every custodian of the set (POST /ack) with the notices
for the section; valid acknowledgements, each dated by its own custodian's clock, are kept; fewer than
k from distinct custodians is a failure and nothing is written."""

from __future__ import annotations

import base64
import datetime as dt
import json
from http import HTTPStatus
from typing import Any

import pytest

from bid_world import (
    ANNOUNCED,
    BIDDER_CODE,
    CSET,
    DEADLINE,
    FAKES,
    HOUR,
    MINUTE,
    RELEASE,
    SIGN_DER,
    Bidder,
    FakeCustodian,
    World,
    set_body,
    signed_set,
)
from ggzy_bid import custodian_client
from ggzy_bid.cli import main
from ggzy_sm import canonical, custodians, sealedbid
from ggzy_sm.custodians import Custodian, CustodianError

NOT_REGISTERED = "未登记，未写入任何文件"


@pytest.fixture
def sealed(bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]) -> Bidder:
    assert main(bidder.seal_command()) == 0
    capsys.readouterr()
    return bidder


def register(bidder: Bidder, *more: str) -> int:
    return main(["register", str(bidder.bid), *bidder.set_options(), *more])


def test_k_acknowledgements_register_the_bid(
    sealed: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.modes("offline", "ok", "ok")
    world.custodians_at(DEADLINE - HOUR, DEADLINE - 2 * MINUTE, DEADLINE - MINUTE)
    assert register(sealed) == 0
    err = capsys.readouterr().err
    assert "托管方 1（托管方 1）: unreachable" in err
    assert "托管方 2（托管方 2）: 已确认，北京时间 2026-12-20 09:28:00" in err
    assert "托管方 3（托管方 3）: 已确认，北京时间 2026-12-20 09:29:00" in err
    assert "已登记：2 个密钥托管方确认（至少需要 2 个）" in err
    acks = json.loads((sealed / "bid.ggzybid.acks.json").read_text(encoding="utf-8"))
    header = sealedbid.read(sealed.bid).header
    assert custodians.acks_check(header, acks, CSET) == [2, 3]
    assert [a["payload"]["acknowledged_at"] for a in acks] == [
        canonical.format_instant(DEADLINE - 2 * MINUTE),
        canonical.format_instant(DEADLINE - MINUTE),
    ]  # each custodian's own clock: a receipt the operator cannot back-date


def test_k_minus_1_acknowledgements_are_not_enough(
    sealed: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.modes("unavailable", "ok", "ok")
    world.custodians_at(DEADLINE - HOUR, DEADLINE - HOUR, DEADLINE + MINUTE)  # custodian 3: closed
    before = sealed.files()
    assert register(sealed, "--out", str(sealed / "acks.json")) == 2
    err = capsys.readouterr().err
    assert "只有 1 个密钥托管方确认了该投标文件，至少需要 2 个" in err
    assert NOT_REGISTERED in err
    assert "托管方 1（托管方 1）: refused (unavailable): the custodian is down for maintenance" in err
    assert "托管方 2（托管方 2）: 已确认" in err
    assert "托管方 3（托管方 3）: refused (late): the section closed at 2026-12-20T01:30:00.000000Z" in err
    assert sealed.files() == before


def test_the_request_names_nothing_of_the_bidder_and_carries_the_notice(
    sealed: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.fakes[0].notices = []  # custodian 1 never got the notice: the request brings it
    assert register(sealed, "--out", str(sealed / "acks.json")) == 0
    header = sealedbid.read(sealed.bid).header
    for fake in world.fakes:
        (raw,) = fake.bodies
        request = json.loads(raw)
        assert request == {
            "format": "ggzy-ack-request-v1",
            "set": CSET.fingerprint,
            "section": header["section"],
            "ciphertext_sm3": header["ciphertext_sm3"],
            "deadline": header["deadline"],
            "notices": [ANNOUNCED],
        }
        text = raw.decode("utf-8")
        for secret in (BIDDER_CODE, base64.b64encode(SIGN_DER).decode()[:64], RELEASE.public_key.hex()):
            assert secret not in text
    assert len(json.loads((sealed / "acks.json").read_text(encoding="utf-8"))) == 3


def test_a_bid_sealed_for_another_set_is_not_registered(
    sealed: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    other = signed_set(set_body(version=2))
    (sealed / "set.json").write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    asked = [len(fake.requests) for fake in world.fakes]
    command = ["register", str(sealed.bid), "--custodians", str(sealed / "set.json")]
    assert main([*command, "--pin", custodians.set_fingerprint(other["body"])]) == 2
    assert "不是 --custodians 给出的名单" in capsys.readouterr().err
    assert [len(fake.requests) for fake in world.fakes] == asked


# --- the function the upload calls, with a transport of its own ----------------------------------------


class InProcess:
    """The fake custodians called directly (no HTTP), as the platform's demo passes its own; `relay`
    makes custodian 1 answer with custodian 2's acknowledgement."""

    def __init__(self, *, relay: bool = False) -> None:
        self.relay = relay

    @staticmethod
    def fake(custodian: Custodian) -> FakeCustodian:
        return FAKES[custodian.index - 1]

    def latest_notice(self, custodian: Custodian, section: str) -> dict[str, Any] | None:
        fake = self.fake(custodian)
        reply = fake.get("/notice", {"section": section}, fake.at)
        return reply.body if reply.status == HTTPStatus.OK else None

    def time(self, custodian: Custodian, nonce: str) -> dict[str, Any]:
        fake = self.fake(custodian)
        return fake.get("/time", {"nonce": nonce}, fake.at).body

    def ack(self, custodian: Custodian, request: dict[str, Any]) -> dict[str, Any]:
        asked = FAKES[1].index if self.relay and custodian.index == 1 else custodian.index
        fake = FAKES[asked - 1]
        reply = fake.ack(json.dumps(request).encode("utf-8"), now=fake.at, remote="in-process")
        if reply.status != HTTPStatus.OK:
            raise CustodianError(reply.body["reason"], reply.body["message"])
        return reply.body


def test_register_returns_the_acknowledgements_in_index_order(sealed: Bidder, world: World) -> None:
    heard: list[custodian_client.Outcome] = []
    acks = custodian_client.register(sealed.bid, CSET, transport=InProcess(), report=heard.append)
    assert [a["payload"]["custodian"] for a in acks] == [1, 2, 3]
    assert [(o.custodian.index, o.problem) for o in heard] == [(1, None), (2, None), (3, None)]
    assert custodians.acks_check(sealedbid.read(sealed.bid).header, acks, CSET) == [1, 2, 3]


def test_an_acknowledgement_of_another_custodian_or_ciphertext_does_not_count(
    sealed: Bidder, world: World
) -> None:
    world.modes("ok", "ok", "foreign-ack")
    heard: list[custodian_client.Outcome] = []
    with pytest.raises(CustodianError) as refused:
        custodian_client.register(sealed.bid, CSET, transport=InProcess(relay=True), report=heard.append)
    assert refused.value.reason == "acknowledgements"
    assert refused.value.detail == {"have": 1}
    problems = {o.custodian.index: o.problem for o in heard}
    assert problems[1] is not None
    assert problems[1].startswith("invalid (not_custodian)")
    assert problems[2] is None
    assert problems[3] is not None
    assert problems[3].startswith("invalid (binding)")


def test_register_refuses_a_file_that_is_not_a_verified_bid(sealed: Bidder, world: World) -> None:
    raw = bytearray(sealed.bid.read_bytes())
    raw[20] ^= 1  # inside the stream: the header no longer names this ciphertext
    sealed.bid.write_bytes(bytes(raw))
    with pytest.raises(sealedbid.BidError) as refused:
        custodian_client.register(sealed.bid, CSET, transport=InProcess())
    assert refused.value.reason == "ciphertext"
    assert all(fake.bodies == [] for fake in world.fakes)


def test_a_late_registration_is_refused_by_the_custodians_not_by_this_pc(
    sealed: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.custodians_at(DEADLINE + dt.timedelta(seconds=1))
    world.pc.at = DEADLINE - HOUR
    assert register(sealed) == 2
    assert capsys.readouterr().err.count("refused (late)") == 3
