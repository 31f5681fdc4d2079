"""Notices and time (docs/sealed-bid-format.md §6, §9) over real HTTP, by the custodian's injected clock:
a rotated notice key honoured only with a transition its old key and the supervising department signed;
the supervising department's own notices; a flood of notices that are not valid — counted, rate-limited
in the log, never a change of release time; GET /notice; signed time statements."""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from custodian_world import (
    DEADLINE,
    HOUR,
    MINUTE,
    NOW,
    OTHER_SECTION,
    SECOND,
    SECTION,
    Clock,
    World,
    call,
    log_lines,
    register,
    serving,
)
from ggzy_sm import canonical, custodians
from ggzy_sm.sm2 import Sm2PrivateKey

NEW_KEY = Sm2PrivateKey.generate()  # the platform's notice key after a rotation


def ask(url: str, header: dict[str, Any], index: int) -> tuple[int, Any]:
    return call(url, "POST", "/share", custodians.request_make(header, index, []))


def test_a_rotated_notice_key_counts_only_with_the_old_keys_and_the_supervisors_transition(
    world: World, tmp_path: Path
) -> None:
    fingerprint = world.cset.fingerprint
    transition = custodians.transition_make(
        set_fingerprint=fingerprint,
        from_key=world.notice_key,
        to_key=NEW_KEY.public_key,
        valid_from=NOW,
        supervisor_key=world.supervisor.sign_key,
    )
    without_supervisor = custodians.transition_make(
        set_fingerprint=fingerprint,
        from_key=world.notice_key,
        to_key=NEW_KEY.public_key,
        valid_from=NOW,
        supervisor_key=world.other_key,  # someone else signs as the supervisor
    )
    from_a_stranger = custodians.transition_make(
        set_fingerprint=fingerprint,
        from_key=world.other_key,  # not a notice key of the set
        to_key=NEW_KEY.public_key,
        valid_from=NOW,
        supervisor_key=world.supervisor.sign_key,
    )
    postponed = DEADLINE + 3 * HOUR
    issued = NOW + HOUR

    def rotated(transitions: list[Any], issued_at: dt.datetime = issued) -> dict[str, Any]:
        return world.notice(
            postponed, deadline=DEADLINE, key=NEW_KEY, issued_at=issued_at, transitions=transitions
        )

    honoured = rotated([transition])
    first, _ = world.header(world.bidders[0])
    second, _ = world.header(world.bidders[1])
    announced = world.notice(DEADLINE)
    custodian = world.custodian(1, tmp_path)
    clock = Clock(DEADLINE - MINUTE)
    with serving(custodian, clock) as url:
        for header in (first, second):
            assert register(url, header, [announced])[0] == 200
        clock.now = DEADLINE + HOUR
        for ignored in (
            rotated([]),  # the new key alone
            rotated([without_supervisor]),
            rotated([from_a_stranger]),
            rotated([transition], issued_at=NOW - SECOND),  # issued before the transition's valid_from
        ):
            assert call(url, "POST", "/notice", ignored) == (202, {"ok": False, "reason": "unverified"})
        assert call(url, "GET", f"/notice?section={SECTION}") == (200, announced)
        assert ask(url, first, 1)[0] == 200  # the ignored postponements changed nothing
        status, noted = call(url, "POST", "/notice", honoured)
        assert (status, noted["opening_at"]) == (200, canonical.format_instant(postponed))
        assert call(url, "GET", f"/notice?section={SECTION}") == (200, honoured)
        status, refusal = ask(url, second, 1)
        assert (status, refusal["reason"]) == (425, "too_early")
        assert refusal["release_at"] == canonical.format_instant(postponed)
        status, health = call(url, "GET", "/health")
        assert (health["unverified_notices"], health["last_unverified_at"]) == (
            4,
            canonical.format_instant(DEADLINE + HOUR),
        )


def test_the_supervising_departments_own_notice_is_honoured(world: World, tmp_path: Path) -> None:
    header, _ = world.header(world.bidders[0])
    postponed = DEADLINE + 5 * HOUR
    by_supervisor = world.notice(postponed, deadline=DEADLINE, key=world.supervisor.sign_key)
    custodian = world.custodian(2, tmp_path)
    clock = Clock(DEADLINE - MINUTE)
    with serving(custodian, clock) as url:
        assert register(url, header, [world.notice(DEADLINE)])[0] == 200
        status, noted = call(url, "POST", "/notice", by_supervisor)
        assert (status, noted["opening_at"]) == (200, canonical.format_instant(postponed))
        clock.now = DEADLINE + HOUR
        status, refusal = ask(url, header, 2)
        assert (status, refusal["release_at"]) == (425, canonical.format_instant(postponed))
        clock.now = postponed
        assert ask(url, header, 2)[0] == 200


def _garbage(world: World) -> list[bytes]:
    """Notices that are not valid for the set, of every kind a griefer might send."""
    later = DEADLINE + 30 * 24 * HOUR
    forged = [world.notice(later + i * HOUR, key=world.other_key) for i in range(2)]
    foreign = custodians.notice_make(world.notice_key, "00" * 32, SECTION, later, later, NOW)
    unchained = world.notice(later, key=NEW_KEY)
    tampered = {
        **world.notice(later),
        "payload": {**world.notice(later)["payload"], "section": OTHER_SECTION},
    }
    bodies = [json.dumps(n).encode() for n in [*forged, foreign, unchained, tampered]]
    junk = [b"{not json", b"[]", b"null", b'{"payload": 1}', b'{"a": 1.5}', b'{"a": 1, "a": 2}', b"\xff"]
    return [*bodies, *junk, json.dumps({**foreign, "transitions": "none"}).encode()]


def test_ten_thousand_notices_that_are_not_valid_change_nothing_and_stay_out_of_the_log(
    world: World, tmp_path: Path
) -> None:
    header, _ = world.header(world.bidders[0])
    announced = world.notice(DEADLINE)
    custodian = world.custodian(3, tmp_path)
    clock = Clock(DEADLINE - HOUR)
    garbage = _garbage(world)
    sent = [("127.0.0.1" if i < 9000 else "127.0.0.2", garbage[i % len(garbage)]) for i in range(10_000)]
    with serving(custodian, clock) as url:
        assert register(url, header, [announced])[0] == 200

        def deliver(item: tuple[str, bytes]) -> int:
            return call(url, "POST", "/notice", raw=item[1], source=item[0])[0]

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(deliver, sent))
        assert set(statuses) == {202, 400}  # ignored (400: not even JSON)
        status, health = call(url, "GET", "/health")
        assert (status, health["unverified_notices"], health["last_unverified_at"]) == (
            200,
            10_000,
            canonical.format_instant(DEADLINE - HOUR),
        )
        log = log_lines(custodian)
        assert len(log) == 1 + 60 + 60  # the acknowledgement, then 60 a minute from each address
        assert {(line["remote"], line["outcome"]) for line in log[1:]} == {
            ("127.0.0.1", "ignored"),
            ("127.0.0.2", "ignored"),
        }
        assert (custodian.folder / "log.jsonl").stat().st_size < 60_000
        clock.now += MINUTE + SECOND  # the window has ended: one line each says how many were not logged
        assert call(url, "POST", "/notice", raw=garbage[0])[0] == 202
        assert call(url, "GET", "/health")[1]["unverified_notices"] == 10_001
        summary = {line["remote"]: line for line in log_lines(custodian) if line["outcome"] == "not_logged"}
        assert {remote: line["count"] for remote, line in summary.items()} == {
            "127.0.0.1": 9000 - 60,
            "127.0.0.2": 1000 - 60,
        }
        assert summary["127.0.0.1"]["since"] == canonical.format_instant(DEADLINE - HOUR)
        assert len(log_lines(custodian)) == 1 + 60 + 60 + 2 + 1
        # nothing changed: the notice held, the closing and the release time
        assert call(url, "GET", f"/notice?section={SECTION}") == (200, announced)
        clock.now = DEADLINE
        assert ask(url, header, 3)[0] == 200
    assert json.loads((custodian.folder / "notices.json").read_text(encoding="utf-8")) == {
        SECTION: [announced]
    }


def test_get_notice_serves_the_latest_valid_one(world: World, tmp_path: Path) -> None:
    header, _ = world.header(world.bidders[0])
    first = world.notice(DEADLINE)
    latest = world.notice(DEADLINE + 2 * HOUR, deadline=DEADLINE + HOUR, issued_at=NOW + MINUTE)
    between = world.notice(DEADLINE + HOUR, deadline=DEADLINE + HOUR, issued_at=NOW + 2 * MINUTE)
    custodian = world.custodian(1, tmp_path)
    with serving(custodian, Clock(DEADLINE - HOUR)) as url:
        assert call(url, "GET", f"/notice?section={SECTION}") == (
            404,
            {"reason": "not_found", "message": "no valid notice of this section has reached this custodian"},
        )
        assert register(url, header, [first])[0] == 200  # learnt from an acknowledgement request
        assert call(url, "GET", f"/notice?section={SECTION}") == (200, first)
        for notice in (latest, between, world.notice(DEADLINE + 9 * HOUR, key=world.other_key)):
            call(url, "POST", "/notice", notice)
        assert call(url, "GET", f"/notice?section={SECTION}") == (200, latest)
        assert call(url, "GET", f"/notice?section={OTHER_SECTION}")[0] == 404
        for query in ("", "?section=", "?section=a2101002026000001001001", "?section=A1&section=A2"):
            status, refusal = call(url, "GET", f"/notice{query}")
            assert (status, refusal["reason"]) == (400, "malformed")
    restarted = world.custodian(1, tmp_path)
    assert restarted.latest(SECTION) == latest


def test_time_statements_are_signed_by_the_custodians_clock_for_the_nonce(
    world: World, tmp_path: Path
) -> None:
    nonces = {1: custodians.time_nonce(), 2: custodians.time_nonce()}
    clocks = {1: Clock(DEADLINE + 5 * SECOND), 2: Clock(DEADLINE)}
    statements = []
    with (
        serving(world.custodian(1, tmp_path), clocks[1]) as url1,
        serving(world.custodian(2, tmp_path), clocks[2]) as url2,
    ):
        for index, url in ((1, url1), (2, url2)):
            status, statement = call(url, "GET", f"/time?nonce={nonces[index]}")
            assert status == 200
            assert statement["payload"] == {
                "format": "ggzy-time-v1",
                "nonce": nonces[index],
                "time": canonical.format_instant(clocks[index].now),
                "custodian": index,
            }
            statements.append(statement)
        for query in (
            "",
            "?nonce=abc",
            f"?nonce={nonces[1].upper()}",
            f"?nonce={nonces[1]}&nonce={nonces[1]}",
        ):
            status, refusal = call(url1, "GET", f"/time{query}")
            assert (status, refusal["reason"]) == (400, "malformed")
    now, why = custodians.time_check(statements, world.cset, nonces, pc_now=DEADLINE + HOUR)
    assert now == DEADLINE  # the earliest of the two custodians' signed times
    assert "2 custodians" in why
    swapped = {1: nonces[2], 2: nonces[1]}  # a statement counts only with the nonce sent to it
    assert custodians.time_check(statements, world.cset, swapped, pc_now=DEADLINE + HOUR)[0] is None


def test_the_count_of_unlogged_notices_is_logged_when_the_service_stops(world: World, tmp_path: Path) -> None:
    custodian = world.custodian(1, tmp_path)
    clock = Clock(DEADLINE)
    junk = b'{"payload": 1}'
    with serving(custodian, clock) as url:
        for _ in range(65):
            assert call(url, "POST", "/notice", raw=junk)[0] == 202
    assert [line["outcome"] for line in log_lines(custodian)] == ["ignored"] * 60
    custodian.close()  # what `serve` does when it stops, however its windows stand
    last = log_lines(custodian)[-1]
    assert (last["outcome"], last["reason"], last["count"], last["remote"]) == (
        "not_logged",
        "unverified",
        5,
        "127.0.0.1",
    )
    custodian.close()
    assert len(log_lines(custodian)) == 61  # said once
