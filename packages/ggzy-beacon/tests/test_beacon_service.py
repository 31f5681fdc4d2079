"""The beacon's service in this process, its own clock injected — called as a `Simulator` (its routes
given a body and an instant) and over HTTP (`BeaconServer` on port 0): a commitment made once (asked
again, the same one: no new secret), a conflicting one refused, the reveal checked against its commitment
and its set, refused when unknown, unlisted, too early or against another set, the same set answered the
same, the test controls (withhold, fail-next) and their absence, the signed status before and after the
reveal, 400 for what is not a request with nothing stored, 404 elsewhere, and the draws across a
restart."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from beacon_world import (
    DRAW,
    LATER,
    NAME,
    PASSPHRASE,
    SUBJECT,
    Clock,
    call,
    commit,
    make_folder,
    platform_commitment,
    reveal,
    verify,
)
from ggzy_beacon import state
from ggzy_beacon.service import (
    COMMITMENT_KEYS,
    REFUSALS,
    REVEAL_KEYS,
    STATUS_KEYS,
    Beacon,
    BeaconServer,
    parse_commit,
    parse_reveal,
)
from ggzy_sm import randomness
from ggzy_sm.errors import CryptoError
from ggzy_sm.jsonservice import StartupError

T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
T0_TEXT = "2026-03-02T02:00:00.000000Z"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    make_folder(tmp_path / "beacon")
    return tmp_path / "beacon"


@pytest.fixture
def beacon(folder: Path) -> Iterator[Beacon]:
    """The beacon of `folder`, opened in this process with its test controls (no HTTP)."""
    opened = Beacon.open(folder, PASSPHRASE, test_controls=True)
    try:
        yield opened
    finally:
        opened.close()


def post(beacon: Beacon, path: str, body: Any, now: dt.datetime = T0) -> tuple[int, dict[str, Any]]:
    """(status, answer) of the beacon's POST route `path` given `body` (as JSON) at `now`."""
    reply = beacon.post_routes()[path](json.dumps(body).encode("utf-8"), now=now, remote="127.0.0.1")
    return int(reply.status), reply.body


def get(beacon: Beacon, draw: str) -> tuple[int, dict[str, Any]]:
    reply = beacon.get_items()["/v1/draws"](draw, T0)
    return int(reply.status), reply.body


def stored(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / state.DRAWS).read_text("utf-8"))
    return data["draws"]


def _serve(folder: Path, clock: Clock, *, test_controls: bool = False) -> tuple[BeaconServer, Beacon]:
    opened = Beacon.open(folder, PASSPHRASE, test_controls=test_controls)
    server = BeaconServer(opened, port=0, clock=clock)
    server.start()
    return server, opened


def _stop(server: BeaconServer, opened: Beacon) -> None:
    server.shutdown()
    server.server_close()
    opened.close()


@pytest.fixture
def served(folder: Path) -> Iterator[tuple[str, Beacon, Clock]]:
    clock = Clock()
    server, opened = _serve(folder, clock, test_controls=True)
    try:
        yield server.url, opened, clock
    finally:
        _stop(server, opened)


def _committed(beacon: Beacon, draw: str = DRAW, **overrides: Any) -> str:
    status, reply = post(beacon, "/v1/commit", commit(draw, **overrides))
    assert status == 200, reply
    commitment: str = verify(reply, beacon.config.key, "commitment")["commitment"]
    return commitment


# --- commit -----------------------------------------------------------------------------------------------


def test_a_commitment_is_signed_and_binds_a_secret_kept_in_the_store(beacon: Beacon, folder: Path) -> None:
    asked = commit(reveal_after=LATER)
    status, reply = post(beacon, "/v1/commit", asked)
    assert status == 200
    body = verify(reply, beacon.config.key, "commitment")
    party = beacon.config.key.hex()
    record = stored(folder)[DRAW]
    assert body == {
        "format": "ggzy-beacon-commitment-v1",
        "beacon": NAME,
        "draw": DRAW,
        "subject": SUBJECT,
        "reveal_after": LATER,
        "party": party,
        "commitment": record["commitment"],
        "committed_at": T0_TEXT,
        "nonce": asked["nonce"],
    }
    assert "secret" not in json.dumps(reply)  # the secret stays with the beacon until the reveal
    assert body["commitment"] == randomness.commitment(DRAW, party, record["secret"])
    assert record == {
        "subject": SUBJECT,
        "reveal_after": LATER,
        "secret": record["secret"],
        "commitment": body["commitment"],
        "committed_at": T0_TEXT,
        "revealed_at": None,
        "commitments_hash": None,
    }
    assert set(body) == COMMITMENT_KEYS
    assert randomness.secret_hex(record["secret"])
    assert beacon.health(T0)["draws"] == 1


def test_a_commitment_asked_again_is_the_same_and_no_new_secret_is_made(beacon: Beacon, folder: Path) -> None:
    first = commit()
    _status, reply = post(beacon, "/v1/commit", first)
    secret = stored(folder)[DRAW]["secret"]
    again = commit()  # a client that lost the answer asks again, with a nonce of its own
    status, repeated = post(beacon, "/v1/commit", again, T0 + dt.timedelta(minutes=5))
    assert status == 200
    one, two = (
        verify(reply, beacon.config.key, "commitment"),
        verify(repeated, beacon.config.key, "commitment"),
    )
    assert two == {**one, "nonce": again["nonce"]}  # the same commitment, made at the same instant
    assert stored(folder)[DRAW]["secret"] == secret
    other = _committed(beacon, "draw-2026-0002")  # another draw: another secret
    assert other != one["commitment"]
    assert stored(folder)["draw-2026-0002"]["secret"] != secret


@pytest.mark.parametrize(
    "change", [{"subject": "开标 K 系数 标段 Y"}, {"reveal_after": LATER}, {"subject": SUBJECT + " "}]
)
def test_a_draw_asked_again_for_another_subject_or_moment_is_refused_unsigned(
    beacon: Beacon, folder: Path, change: dict[str, Any]
) -> None:
    _committed(beacon)
    before = (folder / state.DRAWS).read_bytes()
    status, reply = post(beacon, "/v1/commit", commit(**change))
    assert status == 409
    assert reply["reason"] == "conflict"
    assert "once" in reply["message"]
    assert set(reply) == {"reason", "message"}  # unsigned
    assert (folder / state.DRAWS).read_bytes() == before


# --- reveal -----------------------------------------------------------------------------------------------


def test_a_reveal_against_the_whole_set_is_signed_and_opens_the_commitment(
    beacon: Beacon, folder: Path
) -> None:
    own = _committed(beacon)
    commitments = [platform_commitment(), own, platform_commitment()]
    asked = reveal(commitments)
    status, reply = post(beacon, "/v1/reveal", asked, T0 + dt.timedelta(minutes=1))
    assert status == 200
    body = verify(reply, beacon.config.key, "reveal")
    party = beacon.config.key.hex()
    assert body == {
        "format": "ggzy-beacon-reveal-v1",
        "beacon": NAME,
        "draw": DRAW,
        "party": party,
        "commitment": own,
        "secret": body["secret"],
        "commitments_hash": randomness.commitments_hash(commitments),
        "revealed_at": "2026-03-02T02:01:00.000000Z",
        "nonce": asked["nonce"],
    }
    assert set(body) == REVEAL_KEYS
    assert randomness.commitment(DRAW, party, body["secret"]) == own  # the secret opens the commitment
    record = stored(folder)[DRAW]
    assert (record["revealed_at"], record["commitments_hash"]) == (
        body["revealed_at"],
        body["commitments_hash"],
    )
    assert record["secret"] == body["secret"]
    assert beacon.health(T0)["revealed"] == 1


def test_a_reveal_altered_does_not_verify(beacon: Beacon) -> None:
    own = _committed(beacon)
    _status, reply = post(beacon, "/v1/reveal", reveal([own, platform_commitment()]))
    reply["reveal"]["commitments_hash"] = "0" * 64  # claimed against another set
    with pytest.raises(CryptoError):
        verify(reply, beacon.config.key, "reveal")


def test_an_unknown_draw_is_not_revealed(beacon: Beacon) -> None:
    status, reply = post(beacon, "/v1/reveal", reveal([platform_commitment(), platform_commitment()]))
    assert (status, reply["reason"], set(reply)) == (409, "unknown_draw", {"reason", "message"})


def test_a_set_without_the_beacons_commitment_is_not_revealed_against(beacon: Beacon, folder: Path) -> None:
    _committed(beacon)
    status, reply = post(beacon, "/v1/reveal", reveal([platform_commitment(), platform_commitment()]))
    assert (status, reply["reason"], set(reply)) == (409, "not_listed", {"reason", "message"})
    assert stored(folder)[DRAW]["revealed_at"] is None


def test_the_beacon_does_not_reveal_before_reveal_after_by_its_own_clock(
    beacon: Beacon, folder: Path
) -> None:
    own = _committed(beacon, reveal_after=LATER)
    commitments = [own, platform_commitment()]
    late = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
    status, reply = post(beacon, "/v1/reveal", reveal(commitments), late - dt.timedelta(microseconds=1))
    assert (status, reply["reason"], set(reply)) == (409, "too_early", {"reason", "message"})
    assert LATER in reply["message"]
    assert reply["reason"] in REFUSALS
    assert stored(folder)[DRAW]["revealed_at"] is None
    status, reply = post(beacon, "/v1/reveal", reveal(commitments), late)  # at reveal_after: revealed
    assert status == 200
    assert verify(reply, beacon.config.key, "reveal")["revealed_at"] == LATER


def test_a_beacon_reveals_against_one_set_only_and_answers_it_again(beacon: Beacon, folder: Path) -> None:
    own = _committed(beacon)
    platform = platform_commitment()
    _status, first = post(beacon, "/v1/reveal", reveal([own, platform]))
    # the platform changes its commitment after seeing the beacon's secret: refused
    status, reply = post(
        beacon, "/v1/reveal", reveal([own, platform_commitment()]), T0 + dt.timedelta(hours=1)
    )
    assert (status, reply["reason"], set(reply)) == (409, "other_set", {"reason", "message"})
    status, reply = post(beacon, "/v1/reveal", reveal([own, platform, platform_commitment()]))
    assert (status, reply["reason"]) == (409, "other_set")
    # the same set again, in another order and later: the same reveal, with the new nonce
    again = reveal([platform, own])
    status, repeated = post(beacon, "/v1/reveal", again, T0 + dt.timedelta(hours=2))
    assert status == 200
    one, two = verify(first, beacon.config.key, "reveal"), verify(repeated, beacon.config.key, "reveal")
    assert two == {**one, "nonce": again["nonce"]}
    assert stored(folder)[DRAW]["revealed_at"] == T0_TEXT


def test_a_commitment_asked_again_after_the_reveal_is_still_the_same(beacon: Beacon) -> None:
    own = _committed(beacon)
    assert post(beacon, "/v1/reveal", reveal([own, platform_commitment()]))[0] == 200
    assert _committed(beacon) == own


# --- the status -------------------------------------------------------------------------------------------


def test_the_status_says_whether_it_revealed_and_the_secret_only_then(beacon: Beacon) -> None:
    own = _committed(beacon, reveal_after=LATER)
    status, reply = get(beacon, DRAW)
    assert status == 200
    body = verify(reply, beacon.config.key, "status")
    assert body == {
        "format": "ggzy-beacon-status-v1",
        "beacon": NAME,
        "draw": DRAW,
        "subject": SUBJECT,
        "party": beacon.config.key.hex(),
        "commitment": own,
        "committed_at": T0_TEXT,
        "reveal_after": LATER,
        "revealed_at": None,
        "commitments_hash": None,
        "secret": None,
    }
    assert set(body) == STATUS_KEYS
    commitments = [own, platform_commitment()]
    _status, revealed = post(beacon, "/v1/reveal", reveal(commitments), T0 + dt.timedelta(hours=1))
    secret = verify(revealed, beacon.config.key, "reveal")["secret"]
    status, reply = get(beacon, DRAW)
    assert verify(reply, beacon.config.key, "status") == {
        **body,
        "revealed_at": LATER,
        "commitments_hash": randomness.commitments_hash(commitments),
        "secret": secret,
    }
    assert get(beacon, "nobody")[0] == 404


# --- the test controls ------------------------------------------------------------------------------------


def test_a_withheld_draw_is_never_revealed(beacon: Beacon, folder: Path) -> None:
    own = _committed(beacon)
    other = _committed(beacon, "draw-2026-0002")
    assert post(beacon, "/v1/admin/withhold", {"draw": DRAW}) == (200, {"withheld": DRAW})
    for _ in range(2):
        status, reply = post(beacon, "/v1/reveal", reveal([own, platform_commitment()]))
        assert (status, reply["reason"]) == (503, "unavailable")
    assert stored(folder)[DRAW]["revealed_at"] is None
    assert verify(get(beacon, DRAW)[1], beacon.config.key, "status")["secret"] is None
    other_set = [other, platform_commitment("draw-2026-0002")]
    assert post(beacon, "/v1/reveal", reveal(other_set, "draw-2026-0002"))[0] == 200  # only that draw
    assert post(beacon, "/v1/admin/withhold", {"draw": "no spaces"})[0] == 400
    assert post(beacon, "/v1/admin/withhold", {"draw": DRAW, "more": 1})[0] == 400


def test_fail_next_makes_the_next_requests_fail_then_they_pass(beacon: Beacon, folder: Path) -> None:
    assert post(beacon, "/v1/admin/fail-next", {"count": 1}) == (200, {"fail_next": 1})
    status, reply = post(beacon, "/v1/commit", commit())
    assert (status, reply["reason"]) == (503, "unavailable")
    assert not (folder / state.DRAWS).exists()  # nothing committed
    own = _committed(beacon)
    assert post(beacon, "/v1/admin/fail-next", {"count": 1})[0] == 200
    assert post(beacon, "/v1/reveal", reveal([own, platform_commitment()]))[0] == 503
    assert post(beacon, "/v1/reveal", reveal([own, platform_commitment()]))[0] == 200


def test_without_test_controls_there_are_no_admin_routes(folder: Path) -> None:
    server, opened = _serve(folder, Clock())
    try:
        assert call(server.url, "/v1/admin/withhold", {"draw": DRAW})[0] == 404
        assert call(server.url, "/v1/admin/fail-next", {"count": 2})[0] == 404
        assert call(server.url, "/v1/commit", commit())[0] == 200
    finally:
        _stop(server, opened)


# --- what is not a request --------------------------------------------------------------------------------


def _hex(n: int) -> list[str]:
    return [platform_commitment(f"d{i}") for i in range(n)]


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("/v1/commit", commit(draw=""), "draw"),
        ("/v1/commit", commit(draw="x" * 65), "draw"),
        ("/v1/commit", commit(draw="标段一"), "draw"),
        ("/v1/commit", commit(draw="a/b"), "draw"),
        ("/v1/commit", commit(draw=7), "draw"),
        ("/v1/commit", commit(subject=""), "subject"),
        ("/v1/commit", commit(subject="   "), "subject"),
        ("/v1/commit", commit(subject="字" * 201), "subject"),
        ("/v1/commit", commit(subject=None), "subject"),
        ("/v1/commit", commit(reveal_after="2026-03-02T03:00:00+08:00"), "reveal_after"),
        ("/v1/commit", commit(reveal_after="2026-02-30T03:00:00Z"), "reveal_after"),
        ("/v1/commit", commit(reveal_after=1772420400), "reveal_after"),
        ("/v1/commit", commit(nonce="abc"), "nonce"),
        ("/v1/commit", commit(nonce="A" * 32), "nonce"),
        ("/v1/commit", commit(colour="red"), "unknown"),
        ("/v1/commit", {"draw": DRAW, "subject": SUBJECT, "nonce": "0" * 32}, "lacks"),
        ("/v1/commit", [commit()], "JSON object"),
        ("/v1/reveal", reveal(_hex(1)), "commitments"),
        ("/v1/reveal", reveal(_hex(33)), "commitments"),
        ("/v1/reveal", reveal([*_hex(1), "A" * 64]), "commitments"),
        ("/v1/reveal", reveal([*_hex(1), "a" * 63]), "commitments"),
        ("/v1/reveal", reveal([*_hex(1), 7]), "commitments"),
        ("/v1/reveal", reveal("a" * 64), "commitments"),
        ("/v1/reveal", reveal(["a" * 64, "a" * 64]), "twice"),
        ("/v1/reveal", reveal(_hex(2), draw="a b"), "draw"),
        ("/v1/reveal", reveal(_hex(2), nonce=None), "nonce"),
        ("/v1/reveal", reveal(_hex(2), subject=SUBJECT), "unknown"),
        ("/v1/reveal", {"draw": DRAW, "nonce": "0" * 32}, "lacks"),
    ],
)
def test_what_is_not_a_request_is_refused_400_unsigned_and_nothing_stored(
    beacon: Beacon, folder: Path, path: str, body: Any, words: str
) -> None:
    status, reply = post(beacon, path, body)
    assert status == 400
    assert reply["reason"] == "malformed"
    assert words in reply["message"]
    assert set(reply) == {"reason", "message"}
    assert not (folder / state.DRAWS).exists()


def test_a_malformed_reveal_changes_nothing_held(beacon: Beacon, folder: Path) -> None:
    own = _committed(beacon)
    before = (folder / state.DRAWS).read_bytes()
    assert post(beacon, "/v1/reveal", reveal([own, own]))[0] == 400
    assert post(beacon, "/v1/reveal", reveal([own]))[0] == 400
    assert (folder / state.DRAWS).read_bytes() == before


def test_over_http_bodies_not_json_and_other_routes(served: tuple[str, Beacon, Clock], folder: Path) -> None:
    url, _beacon, _clock = served
    assert call(url, "/v1/commit", raw=b"{nope")[0] == 400
    assert call(url, "/v1/commit", raw=b'{"draw": "a", "draw": "b"}')[0] == 400
    assert not (folder / state.DRAWS).exists()
    status, reply = call(url, "/v1/commits", commit())
    assert (status, reply["reason"]) == (404, "not_found")
    assert "POST /v1/commit" in reply["message"]
    for path in ("/v1/nope", "/v1/draws", "/v1/draws/", f"/v1/draws/{DRAW}", f"/v1/draws/{DRAW}/x", "/"):
        status, reply = call(url, path)
        assert (status, reply["reason"]) == (404, "not_found"), path
    assert call(url, "/v1/draws/x", commit())[0] == 404  # no POST there


def test_over_http_commit_reveal_status_and_health(served: tuple[str, Beacon, Clock]) -> None:
    url, opened, clock = served
    key = opened.config.key
    own = verify(call(url, "/v1/commit", commit(reveal_after=LATER))[1], key, "commitment")["commitment"]
    commitments = [platform_commitment(), own]
    assert call(url, "/v1/reveal", reveal(commitments))[1]["reason"] == "too_early"
    clock.now = T0 + dt.timedelta(hours=2)
    status, reply = call(url, "/v1/reveal", reveal(commitments))
    assert status == 200
    secret = verify(reply, key, "reveal")["secret"]
    status, reply = call(url, f"/v1/draws/{DRAW}")
    assert status == 200
    assert verify(reply, key, "status")["secret"] == secret
    assert call(url, "/health") == (
        200,
        {
            "ok": True,
            "name": NAME,
            "key": key.hex(),
            "time": "2026-03-02T04:00:00.000000Z",
            "draws": 1,
            "revealed": 1,
        },
    )


# --- the folder across a restart --------------------------------------------------------------------------


def test_the_draws_survive_a_restart_and_one_process_holds_the_folder(folder: Path) -> None:
    clock = Clock()
    server, opened = _serve(folder, clock)
    try:
        key = opened.config.key
        own = verify(call(server.url, "/v1/commit", commit())[1], key, "commitment")["commitment"]
        verify(call(server.url, "/v1/commit", commit("draw-2026-0002"))[1], key, "commitment")
        with pytest.raises(StartupError, match="in use"):
            Beacon.open(folder, PASSPHRASE)
    finally:
        _stop(server, opened)
    assert not list(folder.glob(".*.tmp"))  # written to a temporary name, then renamed
    server, opened = _serve(folder, clock)
    try:
        assert call(server.url, "/health")[1]["draws"] == 2
        assert verify(call(server.url, "/v1/commit", commit())[1], key, "commitment")["commitment"] == own
        status, reply = call(server.url, "/v1/reveal", reveal([own, platform_commitment()]))
        assert status == 200
        assert randomness.commitment(DRAW, key.hex(), verify(reply, key, "reveal")["secret"]) == own
    finally:
        _stop(server, opened)
    log = [json.loads(line) for line in (folder / state.REQUESTS).read_text("utf-8").splitlines()]
    assert [entry["outcome"] for entry in log] == ["committed", "committed", "repeat", "revealed"]
    assert [entry["status"] for entry in log] == [200, 200, 200, 200]
    assert "secret" not in (folder / state.REQUESTS).read_text("utf-8")


def test_a_draws_file_altered_by_hand_is_not_served(folder: Path) -> None:
    opened = Beacon.open(folder, PASSPHRASE)
    try:
        _committed(opened)
    finally:
        opened.close()
    data = json.loads((folder / state.DRAWS).read_text("utf-8"))
    data["draws"][DRAW]["secret"] = "0" * 64  # another secret than the one committed to
    (folder / state.DRAWS).write_text(json.dumps(data), "utf-8")
    with pytest.raises(StartupError, match="commitment"):
        Beacon.open(folder, PASSPHRASE)
    (folder / state.DRAWS).write_text('{"draws": {"a b": {}}}', "utf-8")
    with pytest.raises(StartupError, match="draw"):
        Beacon.open(folder, PASSPHRASE)
    with pytest.raises(StartupError, match="not a beacon's folder"):
        Beacon.open(folder.parent / "nowhere", PASSPHRASE)


def test_a_wrong_passphrase_refuses_to_start(folder: Path) -> None:
    with pytest.raises(StartupError):
        Beacon.open(folder, "another passphrase")
    Beacon.open(folder, PASSPHRASE).close()  # the lock was released


def test_parse_commit_and_reveal() -> None:
    assert parse_commit({"draw": "a.b:c-d_1", "subject": "K", "reveal_after": LATER, "nonce": "0" * 16}) == (
        "a.b:c-d_1",
        "K",
        LATER,
        "0" * 16,
    )
    assert (
        parse_commit(
            {"draw": "x", "subject": "K", "reveal_after": "2026-03-02T03:00:00Z", "nonce": "0" * 16}
        )[2]
        == "2026-03-02T03:00:00Z"
    )
    assert parse_reveal({"draw": "x", "commitments": ["b" * 64, "a" * 64], "nonce": "1" * 64}) == (
        "x",
        ["b" * 64, "a" * 64],
        "1" * 64,
    )
