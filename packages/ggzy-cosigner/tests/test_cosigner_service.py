"""The co-signer service over real HTTP in this process, with the co-signer's clock injected: it
co-signs a growing log head by head, answers a repeat with the same co-signature, and refuses every
head that is not the honest continuation of the last one it co-signed — each with its reason, none
leaving a line in heads.jsonl."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from cosigner_world import (
    PASSPHRASE,
    T0,
    Clock,
    Platform,
    call,
    cosign,
    heads,
    make_state,
    requests_log,
    serving,
    statement,
)
from ggzy_cosigner import state
from ggzy_cosigner.service import Cosigner, StartupError
from ggzy_sm import canonical, merkle, witness
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import sm3


def test_it_cosigns_a_growing_log_each_head_chained_to_the_last(tmp_path: Path) -> None:
    platform, clock = Platform(), Clock()
    folder = make_state(tmp_path / "cosigner", platform)
    given: list[dict[str, Any]] = []
    with serving(folder, clock) as (url, cosigner):
        assert call(url, "GET", "/head")[0] == 404
        status, health = call(url, "GET", "/health")
        assert (status, health["tree_size"], health["epoch"], health["ok"]) == (200, None, None, True)
        last = 0
        for size in (3, 4, 8, 13, 16, 21):  # powers of two and not, on both sides of each proof
            platform.grow_to(size)
            head = platform.head(at=clock.advance(30))
            status, answer = cosign(
                url, head, platform.path(last, size) if last else [], previous=given[-1] if given else None
            )
            assert status == 200, answer
            body = witness.cosignature_check(answer, cosigner.config.key)
            assert body["sth"] == head["sth"]
            assert body["previous"] == (witness.head_ref(given[-1]["body"]["sth"]) if given else None)
            assert body["cosigned_at"] == canonical.format_instant(clock.now)  # the co-signer's clock
            given.append(answer)
            last = size
        assert call(url, "GET", "/head") == (200, given[-1])
        status, health = call(url, "GET", "/health")
        assert health == {
            "ok": True,
            "key": cosigner.config.key.hex(),
            "time": canonical.format_instant(clock.now),
            "tree_size": 21,
            "epoch": 0,
        }
    lines = heads(folder)
    assert [line["cosignature"] for line in lines] == given
    assert [line["seq"] for line in lines] == [1, 2, 3, 4, 5, 6]
    raw = (folder / "heads.jsonl").read_bytes().split(b"\n")
    assert lines[0]["prev"] == "0" * 64
    for number in range(1, len(lines)):
        assert lines[number]["prev"] == sm3(raw[number - 1]).hex()
    assert [(r["outcome"], r["tree_size"], r["status"]) for r in requests_log(folder)] == [
        ("cosigned", size, 200) for size in (3, 4, 8, 13, 16, 21)
    ]
    cosigned = {**head, "cosignatures": [given[-1]]}  # the last head, as a verifier gets it
    key = state.load_config(folder).key
    pinned = witness.WitnessTrust((platform.key.public_key,), (("notary", key),), 1)
    assert witness.verify_head(cosigned, pinned) == []
    other = Sm2PrivateKey.generate().public_key
    unpinned = witness.WitnessTrust((platform.key.public_key,), (("someone", other),), 1)
    assert witness.verify_head(cosigned, unpinned) != []


def test_the_same_head_again_gets_the_same_cosignature_and_no_new_line(tmp_path: Path) -> None:
    platform, clock = Platform(), Clock()
    folder = make_state(tmp_path / "cosigner", platform)
    platform.grow_to(5)
    head = platform.head(at=T0)
    with serving(folder, clock) as (url, _cosigner):
        first = cosign(url, head)
        clock.advance(40)  # a retry after a lost answer, later by the co-signer's clock
        again = cosign(url, head, previous=first[1])
        assert first[0] == again[0] == 200
        assert again[1] == first[1]  # the very same co-signature: same cosigned_at, same signature
        assert len(heads(folder)) == 1
        fresher = platform.head(at=clock.now)  # the same tree, signed again later: co-signed anew
        status, answer = cosign(url, fresher, previous=first[1])
        assert status == 200
        assert answer["body"]["sth"] == fresher["sth"]
        assert answer["body"]["previous"] == witness.head_ref(head["sth"])
    assert len(heads(folder)) == 2
    assert [r["outcome"] for r in requests_log(folder)] == ["cosigned", "repeat", "cosigned"]


def test_every_refusal_names_its_reason_and_signs_nothing(tmp_path: Path) -> None:
    platform, clock = Platform(), Clock()
    folder = make_state(tmp_path / "cosigner", platform)
    platform.grow_to(8)
    head8 = platform.head(at=T0)
    platform.grow_to(10)
    forked = platform.forked(6, 10)  # the platform rewrote leaf 6 onwards
    with serving(folder, clock) as (url, _cosigner):
        status, given = cosign(url, head8)
        assert status == 200
        clock.advance(60)
        now = clock.now
        good = platform.head(10, at=now)
        sth = good["sth"]
        stranger = Sm2PrivateKey.generate()
        resigned = {**good, "signature": stranger.sign(witness.STH_PURPOSE, sth).hex()}
        refused = {
            "malformed": [
                {"head": {**good, "sth": {**sth, "extra": 1}}, "consistency_path": platform.path(8, 10)},
                {"head": {**good, "sth": {**sth, "tree_size": 10.0}}},
                {"head": {**good, "sth": {**sth, "timestamp": "2026-12-05T10:01:00Z"}}},
                {"head": {**good, "sth": {**sth, "root_hash": sth["root_hash"].upper()}}},
                {"head": good, "consistency_path": "ab" * 32},
                {"head": good, "consistency_path": ["zz" * 32]},
                {"head": good, "previous": "a co-signature"},
                {"head": good, "epoch_statement": ["a", "statement"]},
                {"head": good, "unknown": 1},
                {"consistency_path": []},
                ["a", "list"],
            ],
            "operator_signature": [
                {"head": resigned, "consistency_path": platform.path(8, 10)},
                {"head": {**good, "signature": "not hex"}},
            ],
            "clock": [
                {"head": platform.head(10, at=now + dt.timedelta(seconds=121))},
                {"head": platform.head(10, at=now - dt.timedelta(seconds=121))},
            ],
            "time_backwards": [
                {"head": platform.head(10, at=T0 - dt.timedelta(seconds=1)), "consistency_path": []},
            ],
            "rollback": [{"head": platform.head(7, at=now)}],  # the platform's log rolled back
            "fork": [
                {"head": platform.head(8, at=now, tree=forked)},  # same size, another root
                {"head": platform.head(10, at=now, tree=forked), "consistency_path": platform.path(8, 10)},
                {"head": good, "consistency_path": platform.path(8, 10, forked)},
                {"head": good, "consistency_path": []},
                {"head": good, "consistency_path": platform.path(8, 10)[:-1]},
            ],
            "epoch": [{"head": platform.head(10, at=now, epoch=1)}],
        }
        outcomes = {
            reason: [call(url, "POST", "/cosign", body) for body in bodies]
            for reason, bodies in refused.items()
        }
        for reason, answers in outcomes.items():
            assert [(s, b["reason"]) for s, b in answers] == [(422, reason)] * len(answers), answers
        assert all(b["message"] for answers in outcomes.values() for _s, b in answers)
        assert len(heads(folder)) == 1  # nothing was signed
        within = platform.head(10, at=now + dt.timedelta(seconds=120))  # at the tolerance: accepted
        foreign = {**given, "cosigner_key": stranger.public_key.hex()}  # proves nothing: ignored
        status, answer = cosign(url, within, platform.path(8, 10), previous=foreign)
        assert status == 200, answer
        assert answer["body"]["previous"] == witness.head_ref(head8["sth"])
    log = requests_log(folder)
    expected = [reason for reason, bodies in refused.items() for _ in bodies]
    assert [r["reason"] for r in log[1:-1]] == expected
    assert [r["outcome"] for r in log] == ["cosigned"] + ["refused"] * len(expected) + ["cosigned"]
    assert log[-2]["tree_size"] == 10
    assert log[-2]["epoch"] == 1
    assert {r["time"] for r in log[1:]} == {canonical.format_instant(now)}
    assert {r["remote"] for r in log} == {"127.0.0.1"}


def test_transport_refusals_are_logged(tmp_path: Path) -> None:
    platform = Platform()
    folder = make_state(tmp_path / "cosigner", platform)
    with serving(folder, Clock()) as (url, _cosigner):
        answers = [
            call(url, "POST", "/cosign", raw=b"{not json"),
            call(url, "POST", "/cosign", raw=b'{"head": 1, "head": 2}'),  # a key twice
            call(url, "POST", "/cosign", raw=b""),
            call(url, "POST", "/cosign", raw=b"x=1", headers={"Content-Type": "text/plain"}),
            call(url, "POST", "/cosign", raw=b"{" + b" " * (1024 * 1024) + b"}"),
            call(url, "POST", "/cosign", raw=b"{}", headers={"Transfer-Encoding": "chunked"}),
            call(url, "POST", "/elsewhere", {}),
        ]
        assert [(s, b["reason"]) for s, b in answers] == [
            (400, "malformed"),
            (400, "malformed"),
            (400, "malformed"),
            (415, "malformed"),
            (413, "malformed"),
            (411, "malformed"),
            (404, "not_found"),
        ]
        assert call(url, "GET", "/elsewhere")[0] == 404
    assert [r["status"] for r in requests_log(folder)] == [400, 400, 400, 415, 413, 411, 404]


def test_an_epoch_begins_only_with_the_supervising_departments_statement(tmp_path: Path) -> None:
    platform, clock, supervisor = Platform(), Clock(), Sm2PrivateKey.generate()
    folder = make_state(tmp_path / "cosigner", platform, supervisors=(supervisor,))
    platform.grow_to(12)
    last = platform.head(at=T0)
    restored = platform.forked(9, 11)  # the backup had 9 leaves; 2 new events since the restore
    with serving(folder, clock) as (url, _cosigner):
        assert cosign(url, last)[0] == 200
        first = platform.head(at=clock.advance(3600), epoch=1, tree=restored)
        valid = statement(supervisor, last["sth"], first["sth"])
        other_head = platform.head(10, at=T0)  # a head the co-signer never co-signed last
        wrong_root = {**first["sth"], "root_hash": platform.tree.root(11).hex()}
        refusals = {
            "none": None,
            "another key": statement(Sm2PrivateKey.generate(), last["sth"], first["sth"]),
            "wrong last_head": statement(supervisor, other_head["sth"], first["sth"]),
            "wrong first_head": statement(supervisor, last["sth"], wrong_root),
            "tampered": {**valid, "statement": {**valid["statement"], "reason": "another story"}},
        }
        for case, signed in refusals.items():
            status, answer = cosign(url, first, statement=signed)
            assert (status, answer["reason"]) == (422, "epoch"), case
        two_ahead = platform.head(at=clock.now, epoch=2, tree=restored)
        assert cosign(url, two_ahead, statement=valid)[1]["reason"] == "epoch"
        assert len(heads(folder)) == 1

        status, answer = cosign(url, first, statement=valid)
        assert status == 200, answer
        assert answer["body"]["previous"] == witness.head_ref(last["sth"])
        platform.grow_to(14, restored)
        later = platform.head(at=clock.advance(30), epoch=1, tree=restored)
        status, answer = cosign(url, later, platform.path(11, 14, restored))
        assert status == 200, answer
        platform.grow_to(20)
        old_epoch = platform.head(at=clock.now)  # the lost history, grown on: of the epoch before
        assert cosign(url, old_epoch, platform.path(12, 20))[1]["reason"] == "rollback"
    lines = heads(folder)
    assert [line["epoch_statement"] for line in lines] == [None, valid, None]
    with serving(folder, clock) as (_url, cosigner):  # the chain, statement included, loads again
        assert cosigner.chain.last is not None
        assert cosigner.chain.last.sth == later["sth"]


def test_a_fresh_cosigner_accepts_any_head_of_epoch_0_but_no_later_epoch(tmp_path: Path) -> None:
    platform, clock = Platform(), Clock()
    folder = make_state(tmp_path / "cosigner", platform)
    platform.grow_to(6)
    with serving(folder, clock) as (url, _cosigner):
        assert cosign(url, platform.head(at=T0, epoch=3))[1]["reason"] == "epoch"
        status, answer = cosign(url, platform.head(at=T0))
        assert status == 200
        assert answer["body"]["previous"] is None


def test_nothing_is_signed_when_heads_jsonl_cannot_be_written(tmp_path: Path) -> None:
    platform, clock = Platform(), Clock()
    folder = make_state(tmp_path / "cosigner", platform)
    platform.grow_to(4)
    with serving(folder, clock) as (url, _cosigner):
        assert cosign(url, platform.head(at=T0))[0] == 200
        kept = (folder / "heads.jsonl").read_bytes()
        (folder / "heads.jsonl").unlink()
        (folder / "heads.jsonl").mkdir()  # cannot be appended to
        platform.grow_to(6)
        head6 = platform.head(at=clock.advance(10))
        status, answer = cosign(url, head6, platform.path(4, 6))
        assert (status, answer["reason"]) == (500, "log")
        assert "cosigner_key" not in answer
        (folder / "heads.jsonl").rmdir()
        (folder / "heads.jsonl").write_bytes(kept)
        status, answer = cosign(url, head6, platform.path(4, 6))
        assert status == 200
        assert answer["body"]["previous"]["tree_size"] == 4
    assert [(r["outcome"], r["reason"]) for r in requests_log(folder)] == [
        ("cosigned", None),
        ("error", "log"),
        ("cosigned", None),
    ]
    assert len(heads(folder)) == 2


def test_one_process_at_a_time_on_a_state_folder(tmp_path: Path) -> None:
    folder = make_state(tmp_path / "cosigner", Platform())
    with serving(folder, Clock()), pytest.raises(StartupError, match="in use by another"):
        Cosigner.open(folder, PASSPHRASE)
    Cosigner.open(folder, PASSPHRASE).close()  # free again once the first one stopped


def test_a_wrong_passphrase_or_a_foreign_key_file_refuses_to_start(tmp_path: Path) -> None:
    platform = Platform()
    folder = make_state(tmp_path / "cosigner", platform)
    with pytest.raises(StartupError, match="passphrase"):
        Cosigner.open(folder, "not the passphrase")
    other = make_state(tmp_path / "other", platform)
    shutil.copy(other / state.KEY, folder / state.KEY)
    with pytest.raises(StartupError, match=r"not the key state\.json names"):
        Cosigner.open(folder, PASSPHRASE)


def test_the_empty_tree_is_the_only_head_of_size_0_a_growth_may_start_from(tmp_path: Path) -> None:
    platform, clock = Platform(), Clock()
    folder = make_state(tmp_path / "cosigner", platform)
    with serving(folder, clock) as (url, _cosigner):
        empty = platform.head(0, at=T0)
        assert empty["sth"]["root_hash"] == merkle.empty_root().hex()
        assert cosign(url, empty)[0] == 200
        platform.grow_to(3)
        assert cosign(url, platform.head(at=clock.advance(1)))[0] == 200
    bogus = make_state(tmp_path / "bogus", platform)
    with serving(bogus, clock) as (url, _cosigner):
        sth = witness.sth_make(0, "ab" * 32, T0)  # a "size 0" head with some other root
        head0 = {"sth": sth, "signature": platform.key.sign(witness.STH_PURPOSE, sth).hex()}
        assert cosign(url, head0)[0] == 200  # trust on first use: well formed, signed
        assert cosign(url, platform.head(at=clock.advance(1)))[1]["reason"] == "fork"


def test_a_write_that_cannot_be_undone_stops_cosigning_until_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform, clock = Platform(), Clock()
    folder = make_state(tmp_path / "cosigner", platform)
    platform.grow_to(4)
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:  # the disk fails under heads.jsonl only
        if Path(f"/proc/self/fd/{fd}").readlink().name == "heads.jsonl":
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    def failing_truncate(fd: int, length: int) -> None:
        raise OSError(5, "Input/output error")

    with serving(folder, clock) as (url, cosigner):
        assert cosign(url, platform.head(at=T0))[0] == 200
        platform.grow_to(6)
        head6 = platform.head(at=clock.advance(5))
        with monkeypatch.context() as patch:
            patch.setattr(state.os, "fsync", failing_fsync)
            patch.setattr(state.os, "ftruncate", failing_truncate)
            status, answer = cosign(url, head6, platform.path(4, 6))
        assert (status, answer["reason"]) == (500, "log")
        assert cosigner.damaged
        status, answer = cosign(url, head6, platform.path(4, 6))  # the disk is back: still refused
        assert (status, answer["reason"]) == (500, "log")
        assert "restart" in answer["message"]
