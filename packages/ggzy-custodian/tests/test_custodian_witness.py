"""A custodian with a witness trust also watches the witness log (docs/witness-cosigner.md): POST /head
remembers a tree head only with k valid co-signatures from the pinned co-signers (never the platform's
signature alone), two co-signed heads that disagree raise a fork alarm, GET /head shows the newest; and
without the trust there is no such endpoint."""

from __future__ import annotations

import datetime as dt
import json
import os
import selectors
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from custodian_world import DEADLINE, PASSPHRASE, Clock, World, call, log_lines, run, serving
from ggzy_sm import merkle, witness
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.witness import WitnessTrust

OPERATOR = Sm2PrivateKey.generate()  # the platform's witness key
COSIGNERS = [Sm2PrivateKey.generate() for _ in range(3)]
SUPERVISOR = Sm2PrivateKey.generate()
NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)
TRUST = WitnessTrust(
    operator_keys=(OPERATOR.public_key,),
    cosigners=tuple((f"cosigner-{i}", key.public_key) for i, key in enumerate(COSIGNERS, start=1)),
    threshold=2,
    supervisor_keys=(SUPERVISOR.public_key,),
)


def tree(*leaves: bytes) -> merkle.MemoryTree:
    out = merkle.MemoryTree()
    for leaf in leaves:
        out.append(merkle.leaf_hash(leaf))
    return out


HONEST = tree(b"a", b"b", b"c", b"d", b"e", b"f")
FORKED = tree(b"a", b"b", b"X", b"d")  # the operator rewrote leaf 2


def head(
    size: int,
    signers: list[Sm2PrivateKey] = COSIGNERS[:2],
    *,
    log: merkle.MemoryTree = HONEST,
    epoch: int = 0,
    statements: list[Any] | None = None,
) -> dict[str, Any]:
    """A tree head of `log`'s first `size` leaves, signed by the platform, co-signed by `signers`."""
    sth = witness.sth_make(size, log.root(size).hex(), NOW, epoch=epoch)
    signed: dict[str, Any] = {
        "sth": sth,
        "signature": OPERATOR.sign(witness.STH_PURPOSE, sth).hex(),
        "key_id": "witness-1",
        "cosignatures": [witness.cosignature_make(key, sth, None, NOW) for key in signers],
    }
    if statements is not None:
        signed["epoch_statements"] = statements
    return signed


def heads_file(folder: Path) -> Any:
    path = folder / "heads.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def test_without_a_witness_trust_there_is_no_head_endpoint(world: World, tmp_path: Path) -> None:
    custodian = world.custodian(1, tmp_path)
    with serving(custodian, Clock(DEADLINE)) as url:
        unknown = call(url, "POST", "/elsewhere", head(4))
        assert unknown[0] == 404
        assert call(url, "POST", "/head", head(4)) == unknown  # answered like an unknown path
        assert call(url, "POST", "/head", raw=b"{not json") == unknown  # its body is not even read
        assert call(url, "GET", "/head") == call(url, "GET", "/elsewhere")
    assert heads_file(custodian.folder) is None
    assert [(line["outcome"], line["reason"]) for line in log_lines(custodian)] == [
        ("refused", "not_found")
    ] * 3


FORGED_BY_ANOTHER = Sm2PrivateKey.generate().sign(witness.STH_PURPOSE, head(4)["sth"]).hex()


@pytest.mark.parametrize(
    ("delivered", "expected"),
    [
        (head(4, []), (422, "cosignatures", "only 0 of the 2 pinned co-signatures")),  # the platform's alone
        (head(4, COSIGNERS[:1]), (422, "cosignatures", "only 1 of the 2 pinned co-signatures")),  # k - 1
        (head(4, [Sm2PrivateKey.generate()] * 2), (422, "cosignatures", "only 0 of")),  # keys not pinned
        ({**head(4), "signature": FORGED_BY_ANOTHER}, (422, "cosignatures", "does not verify with a pinned")),
        (head(4, epoch=1), (422, "epoch", "epoch 1 has no valid statement")),
        ({**head(4), "cosignatures": "all of them"}, (400, "malformed", "co-signatures are a list")),
        (["not", "a", "head"], (400, "malformed", "a signed tree head is a JSON object")),
    ],
    ids=["platform-alone", "k-1", "unpinned", "operator", "epoch", "cosignatures-not-a-list", "not-a-head"],
)
def test_a_head_without_the_pinned_cosignatures_is_refused(
    world: World, tmp_path: Path, delivered: Any, expected: tuple[int, str, str]
) -> None:
    status, reason, shown = expected
    custodian = world.custodian(2, tmp_path, witness_trust=TRUST)
    with serving(custodian, Clock(DEADLINE)) as url:
        answered, body = call(url, "POST", "/head", delivered)
        assert (answered, body["reason"]) == (status, reason), body
        assert shown in body["message"]
        assert call(url, "GET", "/head")[0] == 404  # nothing remembered
        assert call(url, "POST", "/head", raw=b"{not json")[0] == 400
    assert heads_file(custodian.folder) is None
    log = log_lines(custodian)
    assert [(line["index"], line["outcome"], line["reason"]) for line in log] == [
        ("head", "refused", reason),
        ("head", "refused", "malformed"),
    ]


def test_a_head_with_k_pinned_cosignatures_is_remembered_and_shown(world: World, tmp_path: Path) -> None:
    custodian = world.custodian(3, tmp_path, witness_trust=TRUST)
    four, six = head(4), head(6, COSIGNERS)  # k, then all three
    with serving(custodian, Clock(DEADLINE)) as url:
        assert call(url, "GET", "/head") == (404, {"reason": "not_found", "message": "no co-signed head yet"})
        status, body = call(url, "POST", "/head", four)
        assert (status, body) == (200, {"ok": True, **witness.head_ref(four["sth"]), "newest": True})
        assert call(url, "GET", "/head") == (200, four)
        assert call(url, "POST", "/head", six)[1]["newest"] is True
        status, body = call(url, "POST", "/head", head(5))  # an older head: accepted, not the newest
        assert (status, body["newest"]) == (200, False)
        assert call(url, "POST", "/head", four)[1]["newest"] is False
        assert call(url, "GET", "/head") == (200, six)
    assert heads_file(custodian.folder) == {"0": six}
    assert [(line["outcome"], line["tree_size"]) for line in log_lines(custodian)] == [
        ("noted", 4),
        ("noted", 6),
        ("noted", 5),
        ("noted", 4),
    ]

    restarted = world.custodian(3, tmp_path, witness_trust=TRUST)  # the same state folder
    with serving(restarted, Clock(DEADLINE)) as url:
        assert call(url, "GET", "/head") == (200, six)
    others = WitnessTrust(
        operator_keys=(OPERATOR.public_key,),
        cosigners=(("someone-else", Sm2PrivateKey.generate().public_key),),
        threshold=1,
    )
    assert world.custodian(3, tmp_path, witness_trust=others).newest_head() is None  # re-checked at start


def test_two_cosigned_heads_that_disagree_raise_the_fork_alarm(world: World, tmp_path: Path) -> None:
    custodian = world.custodian(1, tmp_path, witness_trust=TRUST)
    honest, forked = head(4), head(4, COSIGNERS[1:], log=FORKED)
    with serving(custodian, Clock(DEADLINE)) as url:
        assert call(url, "POST", "/head", honest)[0] == 200
        status, body = call(url, "POST", "/head", forked)
        assert (status, body["reason"]) == (409, "fork")
        assert body["remembered"] == witness.head_ref(honest["sth"])
        assert call(url, "POST", "/head", head(4, [], log=FORKED))[0] == 422  # uncosigned: no alarm
        assert call(url, "GET", "/head") == (200, honest)
    assert heads_file(custodian.folder) == {"0": honest}
    log = log_lines(custodian)
    assert [(line["outcome"], line["reason"], line.get("alarm")) for line in log] == [
        ("noted", None, None),
        ("refused", "fork", True),
        ("refused", "cosignatures", None),
    ]
    assert log[1]["status"] == 409
    assert log[1]["evidence"] == [honest, forked]  # both co-signed heads: the proof of the fork


def test_a_later_epoch_counts_with_the_supervisors_statement(world: World, tmp_path: Path) -> None:
    statement = witness.epoch_statement_make(
        SUPERVISOR,
        previous_epoch=0,
        last_head=witness.head_ref(head(6)["sth"]),
        first_head={"tree_size": 4, "root_hash": FORKED.root(4).hex()},
        reason="数据库故障，自备份恢复",
        declared_at=NOW,
    )
    forged = witness.epoch_statement_make(
        Sm2PrivateKey.generate(),
        previous_epoch=0,
        last_head=witness.head_ref(head(6)["sth"]),
        first_head={"tree_size": 4, "root_hash": FORKED.root(4).hex()},
        reason="?",
        declared_at=NOW,
    )
    custodian = world.custodian(2, tmp_path, witness_trust=TRUST)
    after, six = head(4, log=FORKED, epoch=1, statements=[statement]), head(6)
    with serving(custodian, Clock(DEADLINE)) as url:
        assert call(url, "POST", "/head", head(4))[0] == 200
        status, body = call(url, "POST", "/head", head(4, log=FORKED, epoch=1, statements=[forged]))
        assert (status, body["reason"]) == (422, "epoch")
        assert call(url, "POST", "/head", after)[0] == 200  # another root, but another epoch: no fork
        assert call(url, "POST", "/head", six)[0] == 200
        assert call(url, "GET", "/head") == (200, after)  # the highest epoch's
    assert heads_file(custodian.folder) == {"0": six, "1": after}


def test_serve_refuses_to_start_with_a_trust_that_pins_no_cosigner(world: World, tmp_path: Path) -> None:
    platform_alone = {**TRUST.to_json(), "cosigners": [], "threshold": 0}
    path = world.write("platform-alone-trust.json", platform_alone)
    status, out, err = run(
        "serve", "--state", str(world.states[0]), "--set", str(world.signed_path), "--index", "1",
        "--root", str(world.root_path), "--port", "0", "--witness-trust", str(path),
    )  # fmt: skip
    assert (status, out) == (2, "")
    assert "refusing to start: --witness-trust" in err
    assert "never accepted on the platform's signature alone" in err


def test_a_custodian_process_served_with_a_witness_trust_watches_the_log(
    world: World, tmp_path: Path
) -> None:
    state = tmp_path / "custodian-1"
    shutil.copytree(world.states[0], state)
    trust_path = tmp_path / "trust.json"
    trust_path.write_text(json.dumps(TRUST.to_json()), encoding="utf-8")
    three = head(3)
    process = subprocess.Popen(
        [
            sys.executable, "-m", "ggzy_custodian", "serve", "--state", str(state),
            "--set", str(world.signed_path), "--index", "1", "--root", str(world.root_path),
            "--host", "127.0.0.1", "--port", "0", "--witness-trust", str(trust_path),
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "GGZY_CUSTODIAN_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=15), "the custodian service did not start in time"
        line = process.stdout.readline().strip()
        assert line.startswith("ggzy-custodian 1 serving on "), line
        url = line.removeprefix("ggzy-custodian 1 serving on ")
        assert call(url, "POST", "/head", head(3, COSIGNERS[2:]))[0] == 422
        assert call(url, "POST", "/head", three)[0] == 200
        assert call(url, "GET", "/head") == (200, three)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    assert heads_file(state) == {"0": three}
