"""The custodian service over real HTTP in this process, with the custodian's clock injected: shares
(protocol v2: released from the release time, only for a ciphertext in the custodian's own closure),
health, the set, and notices delivered in share requests or to POST /notice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from custodian_world import DEADLINE, HOUR, MINUTE, SECTION, Clock, World, call, log_lines, register, serving
from ggzy_sm import canonical, custodians
from ggzy_sm.custodians import CustodianError


def ask(url: str, header: dict[str, Any], index: int, notices: list[Any] | None = None) -> tuple[int, Any]:
    return call(url, "POST", "/share", custodians.request_make(header, index, notices or []))


def outcomes(custodian: Any, index: str | None = None) -> list[tuple[Any, Any, Any]]:
    return [
        (line["outcome"], line["reason"], line["status"])
        for line in log_lines(custodian)
        if index is None or line["index"] == index
    ]


def test_a_share_is_released_only_after_the_deadline_by_the_custodians_clock(
    world: World, tmp_path: Path
) -> None:
    header, dek = world.header(world.bidders[0])
    announced = world.notice(DEADLINE)
    clock = Clock(DEADLINE - 5 * MINUTE)
    first, second = world.custodian(1, tmp_path), world.custodian(2, tmp_path)
    shares, answers = {}, {}
    with serving(first, clock) as url1, serving(second, clock) as url2:
        for url in (url1, url2):  # the bidder's tool registers the bid before the deadline
            assert register(url, header, [announced])[0] == 200
        status, refusal = ask(url1, header, 1)
        assert status == 425
        assert refusal["reason"] == "too_early"
        assert refusal["release_at"] == canonical.format_instant(DEADLINE)
        clock.now = DEADLINE  # from the deadline on
        for index, url in ((1, url1), (2, url2)):
            request = custodians.request_make(header, index, [])
            status, answers[index] = call(url, "POST", "/share", request)
            assert status == 200, answers[index]
            assert answers[index]["payload"]["format"] == "ggzy-share-v2"
            shares[index] = custodians.answer_check(
                answers[index], cset=world.cset, request=request, opening_key=world.opening_key
            )
        with pytest.raises(CustodianError) as replay:  # an answer is good for its own request only
            custodians.answer_check(
                answers[1],
                cset=world.cset,
                request=custodians.request_make(header, 1, []),
                opening_key=world.opening_key,
            )
        assert replay.value.reason == "replay"
        with pytest.raises(CustodianError) as other:  # encrypted to the set's opening key, no other
            custodians.answer_check(
                answers[1],
                cset=world.cset,
                request={**custodians.request_make(header, 1, []), "nonce": answers[1]["payload"]["nonce"]},
                opening_key=world.other_key,
            )
        assert other.value.reason == "binding"
    key, disagreeing = custodians.combine(shares, world.cset.k, world.check(header))
    assert key == dek
    assert disagreeing == []
    with pytest.raises(CustodianError) as one:  # one custodian's share is not enough
        custodians.combine({1: shares[1]}, world.cset.k, world.check(header))
    assert one.value.reason == "no_key"

    log = log_lines(first)
    assert [(line["index"], line["outcome"], line["reason"], line["status"]) for line in log] == [
        ("ack", "acknowledged", None, 200),
        (1, "refused", "too_early", 425),
        ("closure", "closed", None, 200),  # the first share request from the closing time on makes it
        (1, "released", None, 200),
    ]
    assert log[1]["release_at"] == canonical.format_instant(DEADLINE)
    assert log[3]["time"] == canonical.format_instant(DEADLINE)  # the custodian's own clock
    assert log[3]["remote"] == "127.0.0.1"
    assert (log[3]["section"], log[3]["bidder"]) == (SECTION, world.bidders[0].code)
    assert log[3]["ciphertext_sm3"] == header["ciphertext_sm3"]
    assert log[3]["nonce"] == answers[1]["payload"]["nonce"]
    text = (first.folder / "log.jsonl").read_text(encoding="utf-8")
    for secret in (shares[1].hex(), answers[1]["payload"]["share"], dek.hex()):
        assert secret not in text
    assert [line["index"] for line in log_lines(second)] == ["ack", "closure", 2]


def test_health_and_the_set_it_serves(world: World, tmp_path: Path) -> None:
    clock = Clock(DEADLINE)
    with serving(world.custodian(3, tmp_path), clock) as url:
        status, health = call(url, "GET", "/health")
        assert status == 200
        assert health == {
            "ok": True,
            "index": 3,
            "fingerprint": world.cset.fingerprint,
            "time": canonical.format_instant(DEADLINE),
            "unverified_notices": 0,
            "last_unverified_at": None,
        }
        status, served = call(url, "GET", "/set")
        assert status == 200
        assert served == world.signed
        cset = custodians.set_verify(served, pins=[world.cset.fingerprint])
        assert (cset.n, cset.opening_key, cset.notice_keys) == (
            3,
            world.opening_key.public_key,
            world.cset.notice_keys,
        )
        assert call(url, "GET", "/nothing")[0] == 404
        assert call(url, "GET", "/health?x=1")[1]["index"] == 3  # a query changes nothing here


def test_every_refusal_names_its_reason_and_is_logged(world: World, tmp_path: Path) -> None:
    honest, dek = world.header(world.bidders[0])
    other, _ = world.header(world.bidders[1])  # sealed and signed, never registered with custodian 1
    broken = {
        **honest,
        "signature": honest["signature"][:-4] + ("0000" if honest["signature"][-4:] != "0000" else "1111"),
    }
    copied = world.signed_header({**other, "custodians": honest["custodians"]}, world.bidders[1])
    stranger, _ = world.header(world.stranger)
    foreign_set = world.signed_header(
        {**honest, "custodians": {**honest["custodians"], "set": "00" * 32}}, world.bidders[0]
    )
    custodian = world.custodian(1, tmp_path)
    clock = Clock(DEADLINE - MINUTE)
    with serving(custodian, clock) as url:
        assert register(url, honest, [world.notice(DEADLINE)])[0] == 200
        clock.now = DEADLINE + MINUTE
        refused = {
            "signature": ask(url, broken, 1),
            "chain": ask(url, stranger, 1),
            "not_custodian": ask(url, honest, 2),
            "binding": ask(url, copied, 1),
            "set": ask(url, foreign_set, 1),
        }
        for reason, (status, body) in refused.items():
            assert (status, body["reason"]) == (422, reason), body
        assert refused["chain"][1]["why"] == "untrusted_root"
        status, body = ask(url, other, 1)  # check 10: not in this custodian's closure
        assert (status, body["reason"]) == (409, "not_acknowledged")
        malformed = [
            call(url, "POST", "/share", raw=b"{not json"),
            call(url, "POST", "/share", ["a", "list"]),
            call(url, "POST", "/share", {**custodians.request_make(honest, 1, []), "notices": {"a": 1}}),
            call(url, "POST", "/share", raw=b'{"format": "a", "format": "b"}'),
            call(url, "POST", "/share", {**custodians.request_make(honest, 1, []), "nonce": "short"}),
            call(url, "POST", "/share", raw=b'{"format": "ggzy-share-request-v2", "index": 1.0}'),
            call(
                url,
                "POST",
                "/share",
                {**custodians.request_make(honest, 1, []), "format": "ggzy-share-request-v1"},
            ),
        ]
        assert [(s, b["reason"]) for s, b in malformed] == [(400, "malformed")] * len(malformed)
        transport = [
            call(url, "POST", "/share", raw=b"x=1", headers={"Content-Type": "text/plain"}),
            call(url, "POST", "/share", raw=b"{" + b" " * (1024 * 1024) + b"}"),
            call(url, "POST", "/share", raw=b""),
            call(url, "POST", "/share", raw=b"{}", headers={"Transfer-Encoding": "chunked"}),
            call(url, "POST", "/elsewhere", {}),
        ]
        assert [(s, b["reason"]) for s, b in transport] == [
            (415, "malformed"),
            (413, "malformed"),
            (400, "malformed"),
            (411, "malformed"),
            (404, "not_found"),
        ]
        status, answer = ask(url, honest, 1)  # the honest request still gets its share
        assert status == 200
    log = [line for line in log_lines(custodian) if line["index"] not in {"ack", "closure"}]
    assert len(log) == len(refused) + 1 + len(malformed) + len(transport) + 1  # one line per request
    assert [line["reason"] for line in log[: len(refused) + 1]] == [*refused, "not_acknowledged"]
    assert {line["outcome"] for line in log[:-1]} == {"refused"}
    assert log[-1]["outcome"] == "released"
    text = (custodian.folder / "log.jsonl").read_text(encoding="utf-8")
    assert answer["payload"]["share"] not in text
    assert dek.hex() not in text


def test_a_signed_notice_postpones_the_release_and_is_remembered(world: World, tmp_path: Path) -> None:
    header, _dek = world.header(world.bidders[0])
    announced = world.notice(DEADLINE)
    postponed = DEADLINE + 2 * HOUR
    notice = world.notice(postponed, deadline=DEADLINE)
    earlier = world.notice(DEADLINE + HOUR, deadline=DEADLINE)
    clock = Clock(DEADLINE - MINUTE)
    custodian = world.custodian(1, tmp_path)
    with serving(custodian, clock) as url:
        assert register(url, header, [announced])[0] == 200
        clock.now = DEADLINE + HOUR + 30 * MINUTE  # after the bound deadline
        for notices in ([notice], [], [earlier]):  # the notice, then requests that leave it out
            status, refusal = ask(url, header, 1, notices)
            assert (status, refusal["reason"]) == (425, "too_early")
            assert refusal["release_at"] == canonical.format_instant(postponed)
    remembered = json.loads((custodian.folder / "notices.json").read_text(encoding="utf-8"))
    assert remembered == {SECTION: [notice]}
    restarted = world.custodian(1, tmp_path)  # the same state folder: the notice is still known
    with serving(restarted, clock) as url:
        assert ask(url, header, 1)[0] == 425
        clock.now = postponed
        status, answer = ask(url, header, 1)
        assert status == 200
        assert answer["payload"]["nonce"]
    shares = [line["outcome"] for line in log_lines(restarted) if isinstance(line["index"], int)]
    assert shares == ["refused"] * 4 + ["released"]


def test_a_notice_that_is_not_valid_for_the_set_is_ignored(world: World, tmp_path: Path) -> None:
    header, _ = world.header(world.bidders[0])
    later = DEADLINE + 3 * 24 * HOUR
    announced = world.notice(DEADLINE)
    forged = world.notice(later, key=world.other_key)
    foreign = custodians.notice_make(world.notice_key, "00" * 32, SECTION, later, later, DEADLINE)
    custodian = world.custodian(2, tmp_path)
    clock = Clock(DEADLINE - MINUTE)
    with serving(custodian, clock) as url:
        assert register(url, header, [announced, forged, foreign])[0] == 200
        clock.now = DEADLINE + MINUTE
        status, _answer = ask(url, header, 2, [forged, foreign, "junk", None])  # a griefer stalls nothing
        assert status == 200
    held = json.loads((custodian.folder / "notices.json").read_text(encoding="utf-8"))
    assert held == {SECTION: [announced]}


def test_anyone_may_deliver_a_notice_so_a_withheld_postponement_still_holds(
    world: World, tmp_path: Path
) -> None:
    header, _ = world.header(world.bidders[0])
    postponed = DEADLINE + 2 * 24 * HOUR
    notice = world.notice(postponed, deadline=DEADLINE)
    forged = world.notice(postponed, deadline=DEADLINE, key=world.other_key)
    custodian = world.custodian(3, tmp_path)
    clock = Clock(DEADLINE - MINUTE)
    with serving(custodian, clock) as url:
        assert register(url, header, [world.notice(DEADLINE)])[0] == 200
        clock.now = DEADLINE + HOUR
        assert call(url, "POST", "/notice", forged) == (202, {"ok": False, "reason": "unverified"})
        status, noted = call(url, "POST", "/notice", notice)  # e.g. the supervising department delivers it
        assert (status, noted) == (
            200,
            {"ok": True, "section": SECTION, "opening_at": canonical.format_instant(postponed)},
        )
        status, refusal = ask(url, header, 3)  # the operator's request leaves the postponement out
        assert (status, refusal["reason"]) == (425, "too_early")
        assert refusal["release_at"] == canonical.format_instant(postponed)
        assert call(url, "POST", "/notice", raw=b"{not json")[1]["reason"] == "malformed"
    assert [(line["index"], line["outcome"]) for line in log_lines(custodian)] == [
        ("ack", "acknowledged"),
        ("notice", "ignored"),
        ("closure", "closed"),  # past the deadline it held: closed before the postponement is learnt
        ("notice", "noted"),
        (3, "refused"),
        ("notice", "ignored"),
    ]
