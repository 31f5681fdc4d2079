"""Acknowledgements and closures (docs/sealed-bid-format.md §8, §9) over real HTTP, by the custodian's
injected clock: POST /ack before the section's closing time, `late` from it, a deadline the bidder names
itself refused; the closure made once from the closing time on, served unchanged, acknowledgements after
it refused; no share for a ciphertext outside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from custodian_world import (
    DEADLINE,
    HOUR,
    MINUTE,
    OTHER_SECTION,
    SECOND,
    SECTION,
    Clock,
    World,
    call,
    call_raw,
    log_lines,
    register,
    serving,
)
from ggzy_custodian import state
from ggzy_custodian.service import Custodian
from ggzy_sm import canonical, custodians
from ggzy_sm.jsonservice import StartupError


def acks_file(custodian: Custodian, section: str = SECTION) -> list[dict[str, str]]:
    path = state.acks_path(custodian.folder, custodian.cset.fingerprint, section)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_an_acknowledgement_before_the_closing_time_is_recorded_before_it_is_given(
    world: World, tmp_path: Path
) -> None:
    header, _ = world.header(world.bidders[0])
    announced = world.notice(DEADLINE)
    custodian = world.custodian(2, tmp_path)
    clock = Clock(DEADLINE - SECOND)
    with serving(custodian, clock) as url:
        status, ack = register(url, header, [announced])
        assert status == 200, ack
        payload = custodians.ack_verify(ack, world.cset)
        assert payload == {
            "format": "ggzy-ack-v1",
            "set": world.cset.fingerprint,
            "section": SECTION,
            "ciphertext_sm3": header["ciphertext_sm3"],
            "custodian": 2,
            "acknowledged_at": canonical.format_instant(DEADLINE - SECOND),  # its own clock
        }
        assert acks_file(custodian) == [
            {"ciphertext_sm3": header["ciphertext_sm3"], "acknowledged_at": payload["acknowledged_at"]}
        ]
        # the notice sent is now held: a bare request (no notice) is judged by it
        status, again = call(url, "POST", "/ack", custodians.ack_request_make(header, []))
        assert status == 200
        assert custodians.ack_verify(again, world.cset)["ciphertext_sm3"] == header["ciphertext_sm3"]
        clock.now = DEADLINE  # from the closing time on: late
        status, refusal = register(url, header, [announced])
        assert (status, refusal["reason"]) == (409, "late")
        assert refusal["closing_at"] == canonical.format_instant(DEADLINE)
    assert [line["ciphertext_sm3"] for line in acks_file(custodian)] == [header["ciphertext_sm3"]] * 2
    log = log_lines(custodian)
    assert [(line["index"], line["outcome"], line["reason"], line["status"]) for line in log] == [
        ("ack", "acknowledged", None, 200),
        ("ack", "acknowledged", None, 200),
        ("closure", "closed", None, 200),  # from the closing time on, a request closes the section first
        ("ack", "refused", "late", 409),
    ]
    assert log[0]["ciphertext_sm3"] == header["ciphertext_sm3"]
    assert log[0]["bidder"] is None  # nothing in an acknowledgement request names the bidder
    assert log[3]["closing_at"] == canonical.format_instant(DEADLINE)


def test_a_deadline_the_bidder_names_itself_gets_no_acknowledgement(world: World, tmp_path: Path) -> None:
    header, _ = world.header(world.bidders[0], deadline=DEADLINE + 24 * HOUR)  # sealed late, on its own word
    announced = world.notice(DEADLINE)
    custodian = world.custodian(1, tmp_path)
    with serving(custodian, Clock(DEADLINE - HOUR)) as url:  # not even before the real deadline
        status, refusal = register(url, header, [announced])
        assert (status, refusal["reason"]) == (409, "late")
        status, refusal = register(url, header, [])  # and with no valid notice at all
        assert (status, refusal["reason"]) == (409, "late")
        forged = world.notice(DEADLINE + 24 * HOUR, key=world.other_key)  # nor with a forged one
        assert register(url, header, [forged])[1]["reason"] == "late"
    assert acks_file(custodian) == []


def test_a_malformed_or_foreign_ack_request_is_refused(world: World, tmp_path: Path) -> None:
    header, _ = world.header(world.bidders[0])
    good = custodians.ack_request_make(header, [world.notice(DEADLINE)])
    custodian = world.custodian(3, tmp_path)
    with serving(custodian, Clock(DEADLINE - HOUR)) as url:
        refused = [
            call(url, "POST", "/ack", {**good, "set": "00" * 32}),
            call(url, "POST", "/ack", {**good, "extra": 1}),
            call(url, "POST", "/ack", {**good, "deadline": "2026-12-20T09:30:00.000000+08:00"}),
            call(url, "POST", "/ack", {**good, "ciphertext_sm3": good["ciphertext_sm3"].upper()}),
            call(url, "POST", "/ack", raw=b"{not json"),
            call(url, "POST", "/ack", raw=b'{"format": "ggzy-ack-request-v1", "format": "x"}'),
            call(url, "POST", "/ack", ["a", "list"]),
        ]
        assert [(s, b["reason"]) for s, b in refused] == [(422, "set")] + [(422, "malformed")] * 6
        assert call(url, "POST", "/ack", raw=b"{}", headers={"Content-Type": "text/plain"})[0] == 415
    assert acks_file(custodian) == []
    assert {line["outcome"] for line in log_lines(custodian)} == {"refused"}


def test_no_acknowledgement_without_its_record(world: World, tmp_path: Path) -> None:
    header, _ = world.header(world.bidders[0])
    custodian = world.custodian(1, tmp_path)
    blocked = custodian.folder / state.ACKS / world.cset.fingerprint
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the section logs' folder belongs", encoding="utf-8")
    with serving(custodian, Clock(DEADLINE - HOUR)) as url:
        status, refusal = register(url, header, [world.notice(DEADLINE)])
    assert (status, refusal["reason"]) == (500, "log")
    assert "payload" not in refusal
    assert log_lines(custodian)[-1]["outcome"] == "error"


def test_the_closure_is_made_once_and_nothing_outside_it_gets_a_share(world: World, tmp_path: Path) -> None:
    inside, _ = world.header(world.bidders[0])
    outside, _ = world.header(world.bidders[1])
    announced = world.notice(DEADLINE)
    custodian = world.custodian(1, tmp_path)
    clock = Clock(DEADLINE - MINUTE)
    with serving(custodian, clock) as url:
        assert register(url, inside, [announced])[0] == 200
        assert call(url, "GET", f"/closure?section={SECTION}") == (
            425,
            {
                "reason": "too_early",
                "message": f"the section closes at {canonical.format_instant(DEADLINE)}",
                "closing_at": canonical.format_instant(DEADLINE),
            },
        )
        status, unknown = call(url, "GET", f"/closure?section={OTHER_SECTION}")  # no notice held for it
        assert (status, unknown["reason"], "closing_at" in unknown) == (425, "too_early", False)
        for query in ("", "?section=A1", f"?section={SECTION}&section={SECTION}"):
            assert call(url, "GET", f"/closure{query}")[:1] == (400,)
        clock.now = DEADLINE  # from the closing time on, by its own clock
        status, made = call_raw(url, "GET", f"/closure?section={SECTION}")
        assert status == 200
        closure = json.loads(made)
        payload = custodians.closure_verify(closure, world.cset)
        assert payload == {
            "format": "ggzy-closure-v1",
            "set": world.cset.fingerprint,
            "section": SECTION,
            "closing_at": canonical.format_instant(DEADLINE),
            "ciphertexts": [inside["ciphertext_sm3"]],
            "custodian": 1,
            "closed_at": canonical.format_instant(DEADLINE),
        }
        clock.now = DEADLINE + HOUR
        assert call_raw(url, "GET", f"/closure?section={SECTION}") == (200, made)  # the same bytes
        postponed = world.notice(DEADLINE + 3 * HOUR, deadline=DEADLINE + 2 * HOUR)  # after the closure
        assert call(url, "POST", "/notice", postponed)[0] == 200
        status, refusal = register(url, outside, [postponed])  # the closure is never reopened
        assert (status, refusal["reason"]) == (409, "late")
        assert call_raw(url, "GET", f"/closure?section={SECTION}") == (200, made)
        status, refusal = call(url, "POST", "/share", custodians.request_make(outside, 1, []))
        assert (status, refusal["reason"]) == (425, "too_early")  # the time is judged first
        clock.now = DEADLINE + 3 * HOUR  # the postponed release time
        status, refusal = call(url, "POST", "/share", custodians.request_make(outside, 1, []))
        assert (status, refusal["reason"]) == (409, "not_acknowledged")
        request = custodians.request_make(inside, 1, [])
        status, answer = call(url, "POST", "/share", request)
        assert status == 200
        assert (
            len(
                custodians.answer_check(
                    answer, cset=world.cset, request=request, opening_key=world.opening_key
                )
            )
            == 16
        )
    stored = state.closure_path(custodian.folder, world.cset.fingerprint, SECTION)
    assert json.loads(stored.read_text(encoding="utf-8")) == closure
    assert [line["outcome"] for line in log_lines(custodian) if line["index"] == "closure"] == ["closed"]
    assert acks_file(custodian) == [
        {
            "ciphertext_sm3": inside["ciphertext_sm3"],
            "acknowledged_at": canonical.format_instant(DEADLINE - MINUTE),
        }
    ]

    restarted = world.custodian(1, tmp_path)  # the same state folder: served as made
    with serving(restarted, Clock(DEADLINE + 24 * HOUR)) as url:
        assert call_raw(url, "GET", f"/closure?section={SECTION}") == (200, made)
        assert register(url, outside, [postponed])[1]["reason"] == "late"
    stored.write_text(json.dumps({**closure, "signature": "00" * 64}), encoding="utf-8")
    with pytest.raises(StartupError, match="cannot be served as made"):
        world.custodian(1, tmp_path)


def test_the_closing_time_is_the_latest_deadline_a_valid_notice_announced(
    world: World, tmp_path: Path
) -> None:
    """A notice that postpones the deadline but not the latest opening time still moves the closing
    time: the custodian keeps both."""
    header, _ = world.header(world.bidders[0])
    far_opening = world.notice(DEADLINE + 10 * HOUR, deadline=DEADLINE)
    later_deadline = world.notice(DEADLINE + 3 * HOUR, deadline=DEADLINE + 2 * HOUR)
    custodian = world.custodian(2, tmp_path)
    clock = Clock(DEADLINE - HOUR)
    with serving(custodian, clock) as url:
        for notice in (far_opening, later_deadline):
            assert call(url, "POST", "/notice", notice)[0] == 200
        assert call(url, "GET", f"/notice?section={SECTION}") == (200, far_opening)
        clock.now = DEADLINE + HOUR  # after the first deadline, before the postponed one
        status, ack = register(url, header, [])
        assert status == 200, ack
        status, refusal = call(url, "GET", f"/closure?section={SECTION}")
        assert refusal["closing_at"] == canonical.format_instant(DEADLINE + 2 * HOUR)
    held = json.loads((custodian.folder / "notices.json").read_text(encoding="utf-8"))
    assert held == {SECTION: [far_opening, later_deadline]}


def test_a_postponement_sent_after_the_held_closing_time_is_learnt_only_after_the_closure(
    world: World, tmp_path: Path
) -> None:
    """Nobody has asked for the closure yet when, after the deadline it held, the operator sends a
    "postponement" with a late bid (to /ack) or alone (to /notice): the custodian closes the section by
    what it held first, so the late bid is refused and the closure lists only what came in time."""
    early, _ = world.header(world.bidders[0])
    late, _ = world.header(world.bidders[1])
    announced = world.notice(DEADLINE)
    postponed = world.notice(DEADLINE + 3 * HOUR, deadline=DEADLINE + 2 * HOUR)
    for route in ("/ack", "/notice"):
        custodian = world.custodian(1, tmp_path / route.strip("/"))
        clock = Clock(DEADLINE - MINUTE)
        with serving(custodian, clock) as url:
            assert register(url, early, [announced])[0] == 200
            clock.now = DEADLINE + MINUTE  # past the held deadline; no closure asked for yet
            if route == "/notice":
                assert call(url, "POST", "/notice", postponed)[0] == 200
                status, refusal = register(url, late, [])
            else:
                status, refusal = register(url, late, [postponed])
            assert (status, refusal["reason"]) == (409, "late")
            status, closure = call(url, "GET", f"/closure?section={SECTION}")
            assert status == 200, closure
        payload = custodians.closure_verify(closure, world.cset)
        assert payload["closing_at"] == canonical.format_instant(DEADLINE)
        assert payload["ciphertexts"] == [early["ciphertext_sm3"]]


def test_no_more_acknowledgements_than_a_closure_can_list(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flood of acknowledgement requests (they name no bidder) cannot make a closure that no one
    accepts: past custodians.MAX_CIPHERTEXTS distinct hashes for a section the custodian refuses more
    (`full`), and a hash it already acknowledged is acknowledged again."""
    monkeypatch.setattr(custodians, "MAX_CIPHERTEXTS", 2)
    headers = [world.header(world.bidders[n % 2])[0] for n in range(3)]
    announced = world.notice(DEADLINE)
    custodian = world.custodian(1, tmp_path)
    clock = Clock(DEADLINE - MINUTE)
    with serving(custodian, clock) as url:
        assert register(url, headers[0], [announced])[0] == 200
        assert register(url, headers[1], [])[0] == 200
        status, refusal = register(url, headers[2], [])
        assert (status, refusal["reason"]) == (409, "full")
        assert register(url, headers[0], [])[0] == 200  # already listed: no new entry
        clock.now = DEADLINE
        status, closure = call(url, "GET", f"/closure?section={SECTION}")
        assert status == 200
    assert custodians.closure_verify(closure, world.cset)["ciphertexts"] == sorted(
        h["ciphertext_sm3"] for h in headers[:2]
    )
