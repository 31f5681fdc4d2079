"""The co-signer's own state: its chain of co-signed heads checked whole at every start, a rollback of
that state noticed from a newer co-signature of its own and mended only by `resync`, the head it may
start from (`init --start`) and the platform keys it pins (`add-operator-key`)."""

from __future__ import annotations

import json
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
    run,
    serving,
    write,
)
from ggzy_cosigner import state
from ggzy_cosigner.service import Cosigner, StartupError
from ggzy_sm import witness
from ggzy_sm.keys import load_key_file
from ggzy_sm.sm2 import Sm2PrivateKey


def _grow_and_cosign(
    url: str, platform: Platform, clock: Clock, sizes: list[int], last: dict[str, Any] | None
) -> list[dict[str, Any]]:
    given = []
    for size in sizes:
        old = last["body"]["sth"]["tree_size"] if last else 0
        platform.grow_to(size)
        status, last = cosign(
            url, platform.head(at=clock.advance(10)), platform.path(old, size) if old else [], previous=last
        )
        assert status == 200, last
        given.append(last)
    return given


def test_a_rollback_of_its_own_state_stops_it_until_resync(tmp_path: Path) -> None:
    platform, clock = Platform(), Clock()
    folder = make_state(tmp_path / "cosigner", platform)
    with serving(folder, clock) as (url, _cosigner):
        early = _grow_and_cosign(url, platform, clock, [4, 6], None)
    backup = tmp_path / "heads.backup"
    shutil.copy(folder / "heads.jsonl", backup)
    with serving(folder, clock) as (url, _cosigner):
        late = _grow_and_cosign(url, platform, clock, [9, 12], early[-1])
    shutil.copy(backup, folder / "heads.jsonl")  # the co-signer's machine restored from an old backup

    platform.grow_to(15)
    head15 = platform.head(at=clock.advance(10))
    with serving(folder, clock) as (url, cosigner):  # every line is valid: it starts
        assert cosigner.chain.last is not None
        assert cosigner.chain.last.cosignature == early[-1]
        status, answer = cosign(url, head15, platform.path(6, 15), previous=late[-1])
        assert (status, answer["reason"]) == (422, "state_rollback")
        status, answer = cosign(url, head15, platform.path(6, 15))  # without it: still stopped
        assert (status, answer["reason"]) == (422, "state_rollback")
        assert call(url, "GET", "/health")[1]["ok"] is False
    assert json.loads((folder / state.ROLLBACK).read_text(encoding="utf-8"))["cosignature"] == late[-1]
    with serving(folder, clock) as (url, _cosigner):  # a restart does not lift the stop
        assert cosign(url, head15, platform.path(6, 15))[1]["reason"] == "state_rollback"
        status, _out, err = run(
            "resync", "--state", str(folder), "--cosignature", str(write(tmp_path, late[-1]))
        )
        assert (status, "in use by another ggzy-cosigner process" in err) == (1, True)  # stop serve first

    stranger = {**late[-1], "cosigner_key": Sm2PrivateKey.generate().public_key.hex()}
    for refused in (early[0], stranger, {"not": "a co-signature"}):
        status, _out, err = run(
            "resync", "--state", str(folder), "--cosignature", str(write(tmp_path, refused))
        )
        assert status == 1, err
    assert (folder / state.ROLLBACK).exists()
    status, out, err = run("resync", "--state", str(folder), "--cosignature", str(write(tmp_path, late[-1])))
    assert status == 0, err
    assert "adopted as line 3" in out
    lines = heads(folder)
    assert lines[-1]["resync"] is True
    assert lines[-1]["cosignature"] == late[-1]
    assert not (folder / state.ROLLBACK).exists()
    with serving(folder, clock) as (url, _cosigner):
        status, answer = cosign(url, head15, platform.path(12, 15), previous=late[-1])
        assert status == 200, answer
        assert answer["body"]["previous"] == witness.head_ref(late[-1]["body"]["sth"])
        assert call(url, "GET", "/health")[1]["ok"] is True


def test_a_cosignature_naming_a_newer_head_as_its_previous_also_shows_the_rollback(tmp_path: Path) -> None:
    platform, clock = Platform(), Clock()
    folder = make_state(tmp_path / "cosigner", platform)
    with serving(folder, clock) as (url, _cosigner):
        (given,) = _grow_and_cosign(url, platform, clock, [5], None)
    key = load_key_file(folder / state.KEY, PASSPHRASE)
    newer_ref = {"tree_size": 7, "root_hash": "cd" * 32, "epoch": 0}
    names_newer = witness.cosignature_make(key, given["body"]["sth"], newer_ref, T0)
    later_same_tree = {**given["body"]["sth"], "timestamp": "2026-12-05T11:00:00.000000Z"}
    same_tree_later = witness.cosignature_make(key, later_same_tree, None, T0)
    for evidence in (names_newer, same_tree_later):
        (folder / state.ROLLBACK).unlink(missing_ok=True)
        with serving(folder, clock) as (url, _cosigner):
            platform.grow_to(6)
            status, answer = cosign(
                url, platform.head(at=clock.advance(1)), platform.path(5, 6), previous=evidence
            )
            assert (status, answer["reason"]) == (422, "state_rollback")


def _tamper(folder: Path, number: int, change: Any) -> None:
    """Rewrite line `number` (1-based) of heads.jsonl with `change(record)`."""
    lines = (folder / "heads.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[number - 1])
    lines[number - 1] = json.dumps(change(record))
    (folder / "heads.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_chain_edited_in_the_middle_refuses_to_start_naming_the_line(tmp_path: Path) -> None:
    platform, clock = Platform(), Clock()
    original = make_state(tmp_path / "original", platform)
    with serving(original, clock) as (url, _cosigner):
        _grow_and_cosign(url, platform, clock, [2, 3, 5, 8], None)
    Cosigner.open(original, PASSPHRASE).close()  # the untouched chain starts

    def broken(name: str, change: Any) -> str:
        folder = tmp_path / name
        shutil.copytree(original, folder)
        change(folder)
        with pytest.raises(StartupError) as refused:
            Cosigner.open(folder, PASSPHRASE)
        status, _out, err = run("serve", "--state", str(folder), "--port", "0")
        assert status == 2
        assert "refusing to start" in err
        return str(refused.value)

    def resized(record: dict[str, Any]) -> dict[str, Any]:
        record["cosignature"]["body"]["sth"]["tree_size"] = 4
        return record

    def reformatted(record: dict[str, Any]) -> dict[str, Any]:
        return record  # the same record, written with other spacing: other bytes

    def drop_line_2(folder: Path) -> None:
        lines = (folder / "heads.jsonl").read_bytes().splitlines(keepends=True)
        (folder / "heads.jsonl").write_bytes(b"".join(lines[:1] + lines[2:]))

    def swap_2_and_3(folder: Path) -> None:
        lines = (folder / "heads.jsonl").read_bytes().splitlines(keepends=True)
        (folder / "heads.jsonl").write_bytes(b"".join([lines[0], lines[2], lines[1], lines[3]]))

    def torn(folder: Path) -> None:
        with (folder / "heads.jsonl").open("ab") as fh:
            fh.write(b'{"seq": 5, "prev"')

    assert "heads.jsonl line 2: its co-signature does not verify" in broken(
        "resized", lambda f: _tamper(f, 2, resized)
    )
    assert "heads.jsonl line 3: its prev is not the SM3 of the line before it" in broken(
        "reformatted", lambda f: _tamper(f, 2, reformatted)
    )
    assert "heads.jsonl line 2: its seq is 3, not 2" in broken("dropped", drop_line_2)
    assert "heads.jsonl line 2: its seq is 3, not 2" in broken("swapped", swap_2_and_3)
    assert "heads.jsonl line 5: is incomplete" in broken("torn", torn)


def test_a_line_that_breaks_the_rules_is_refused_even_when_signed(tmp_path: Path) -> None:
    """A chain the co-signer's own key signed but `serve` would never have written (here: a head
    smaller than the one before it) does not start either: load and serve apply one rule."""
    platform = Platform()
    folder = make_state(tmp_path / "cosigner", platform)
    config = state.load_config(folder)
    key = load_key_file(folder / state.KEY, PASSPHRASE)
    platform.grow_to(6)
    first = state.make_line(None, witness.cosignature_make(key, platform.head(at=T0)["sth"], None, T0))
    smaller = platform.head(4, at=T0)["sth"]
    second = state.make_line(first, witness.cosignature_make(key, smaller, first.ref, T0))
    (folder / "heads.jsonl").write_bytes(first.data + b"\n" + second.data + b"\n")
    with pytest.raises(state.ChainError) as refused:
        state.load_chain(config)
    assert refused.value.line == 2
    assert "rollback" in str(refused.value)


def test_init_start_makes_a_known_head_the_first_line(tmp_path: Path) -> None:
    platform, clock = Platform(), Clock()
    platform.grow_to(20)
    start = platform.head(at=T0, epoch=2)  # a co-signer joining a log that is in its epoch 2
    folder = make_state(tmp_path / "cosigner", platform, start=start)
    (line,) = heads(folder)
    assert (line["start"], line["cosignature"]["body"]["sth"]) == (True, start["sth"])
    assert line["cosignature"]["body"]["previous"] is None
    with serving(folder, clock) as (url, _cosigner):
        forked = platform.forked(3, 25)
        fork = platform.head(at=clock.advance(10), epoch=2, tree=forked)
        assert cosign(url, fork, platform.path(20, 25, forked))[1]["reason"] == "fork"
        assert cosign(url, platform.head(10, at=clock.now, epoch=2))[1]["reason"] == "rollback"
        platform.grow_to(25)
        status, answer = cosign(url, platform.head(at=clock.now, epoch=2), platform.path(20, 25))
        assert status == 200, answer
        assert answer["body"]["previous"] == witness.head_ref(start["sth"])

    forged = {**start, "signature": Sm2PrivateKey.generate().sign(witness.STH_PURPOSE, start["sth"]).hex()}
    with pytest.raises(state.StateError, match="operator_signature"):
        make_state(tmp_path / "refused", platform, start=forged)
    assert not (tmp_path / "refused").exists()  # nothing written


def test_add_operator_key_pins_the_platforms_new_witness_key(tmp_path: Path) -> None:
    platform, clock = Platform(), Clock()
    folder = make_state(tmp_path / "cosigner", platform)
    rotated = Sm2PrivateKey.generate()
    platform.grow_to(3)
    with serving(folder, clock) as (url, _cosigner):
        assert cosign(url, platform.head(at=T0))[0] == 200
        platform.grow_to(5)
        head5 = platform.head(at=clock.advance(5), key=rotated)
        assert cosign(url, head5, platform.path(3, 5))[1]["reason"] == "operator_signature"
    status, out, err = run("add-operator-key", "--state", str(folder), "--key", rotated.public_key.hex())
    assert status == 0, err
    assert "2 operator keys pinned" in out
    stored = json.loads((folder / state.STATE).read_text(encoding="utf-8"))
    assert stored["operator_keys"] == [platform.key.public_key.hex(), rotated.public_key.hex()]
    assert stored["history"][-1]["action"] == "add-operator-key"
    assert stored["history"][-1]["key"] == rotated.public_key.hex()
    assert run("add-operator-key", "--state", str(folder), "--key", rotated.public_key.hex())[0] == 1
    assert run("add-operator-key", "--state", str(folder), "--key", "not hex")[0] == 2
    with serving(folder, clock) as (url, _cosigner):
        assert cosign(url, head5, platform.path(3, 5))[0] == 200
