"""`ggzy-verify` on the witness log's proofs: a proof counts only under a head with k pinned
co-signatures (never the platform's signature alone), epoch breaks are shown, and `fork` names the
co-signers that co-signed both sides of a fork."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from ggzy_sm import merkle, witness
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.verify import NO_COSIGNER, check_promise, check_proof, main
from ggzy_sm.witness import WitnessTrust

T0 = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)
OPERATOR, NOTARY, AUDITOR, SUPERVISOR = (Sm2PrivateKey.generate() for _ in range(4))
TRUST = WitnessTrust(
    (OPERATOR.public_key,),
    (("notary", NOTARY.public_key), ("auditor", AUDITOR.public_key)),
    2,
    (SUPERVISOR.public_key,),
)


def document(index: int) -> tuple[str, str]:
    """(canonical document, salt hex) of event `index`."""
    return json.dumps({"event": index}, separators=(",", ":")), (b"%016d" % index).hex()


def tree_of(size: int, forged_from: int | None = None) -> merkle.MemoryTree:
    tree = merkle.MemoryTree()
    for index in range(size):
        doc, salt = document(index)
        if forged_from is not None and index >= forged_from:
            doc = doc.replace("event", "forged")
        tree.append(merkle.leaf_hash(bytes.fromhex(salt) + doc.encode("utf-8")))
    return tree


def head(
    tree: merkle.MemoryTree,
    size: int | None = None,
    *cosigners: Sm2PrivateKey,
    epoch: int = 0,
    statements: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The signed head as the platform serves it: {"sth", "signature", "key_id", "cosignatures",
    "epoch_statements"}."""
    size = tree.size if size is None else size
    sth = witness.sth_make(size, tree.root(size).hex(), T0, epoch=epoch)
    return {
        "sth": sth,
        "signature": OPERATOR.sign(witness.STH_PURPOSE, sth).hex(),
        "key_id": OPERATOR.public_key.fingerprint()[:16],
        "cosignatures": [witness.cosignature_make(c, sth, None, T0) for c in cosigners],
        "epoch_statements": statements or [],
    }


def proof(tree: merkle.MemoryTree, index: int, tree_head: dict[str, Any]) -> dict[str, Any]:
    doc, salt = document(index)
    size = tree_head["sth"]["tree_size"]
    return {
        "document": doc,
        "salt": salt,
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": merkle.leaf_hash(bytes.fromhex(salt) + doc.encode("utf-8")).hex(),
        "audit_path": [p.hex() for p in merkle.inclusion_proof(index, size, tree.get)],
        "tree_head": tree_head,
    }


def write(folder: Path, data: Any) -> str:
    path = folder / f"{secrets.token_hex(4)}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def verify(*argv: str) -> tuple[int, list[str], str]:
    """`ggzy-verify argv…` in this process: (exit status, output lines, standard error)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue().splitlines(), err.getvalue()


@pytest.fixture
def trust_file(tmp_path: Path) -> str:
    return write(tmp_path, TRUST.to_json())


def test_a_proof_verifies_under_a_head_with_k_pinned_cosignatures(tmp_path: Path, trust_file: str) -> None:
    tree = tree_of(7)
    bundle = proof(tree, 3, head(tree, None, NOTARY, AUDITOR))
    assert verify(write(tmp_path, bundle), "--trust", trust_file) == (0, ["OK: the proof verifies"], "")
    keys = [
        "--operator-key",
        OPERATOR.public_key.hex(),
        "--cosigner-key",
        f"notary={NOTARY.public_key.hex()}",
        "--cosigner-key",
        AUDITOR.public_key.hex(),
    ]
    assert verify(write(tmp_path, bundle), *keys)[:2] == (0, ["OK: the proof verifies"])
    short = proof(tree, 3, head(tree, None, NOTARY))
    status, lines, _ = verify(write(tmp_path, short), *keys)  # --cosigners: all given, by default
    assert (status, lines) == (1, ["FAILED: only 1 of the 2 pinned co-signatures this head needs (notary)"])
    assert verify(write(tmp_path, short), *keys, "--cosigners", "1")[0] == 0


def test_without_a_pinned_cosigner_it_refuses_never_the_platforms_signature_alone(tmp_path: Path) -> None:
    tree = tree_of(4)
    bundle = write(tmp_path, proof(tree, 1, head(tree, None, NOTARY, AUDITOR)))
    status, lines, err = verify(bundle, "--operator-key", OPERATOR.public_key.hex())
    assert (status, lines) == (2, [])
    assert NO_COSIGNER in err
    assert verify(bundle)[0] == 2
    old_format = proof(tree, 1, head(tree))  # the platform's signature, and the gone v1 fields
    old_format["tree_head"] |= {"cosigner_key": NOTARY.public_key.hex(), "cosignature": "00" * 64}
    status, lines, _ = verify(write(tmp_path, old_format), "--trust", write(tmp_path, TRUST.to_json()))
    assert (status, lines) == (1, ["FAILED: only 0 of the 2 pinned co-signatures this head needs"])
    bad_threshold = ["--operator-key", OPERATOR.public_key.hex(), "--cosigner-key", NOTARY.public_key.hex()]
    assert verify(bundle, *bad_threshold, "--cosigners", "0")[0] == 2
    assert verify(bundle, "--trust", write(tmp_path, TRUST.to_json()), *bad_threshold)[0] == 2  # not both


def test_each_failure_is_named(tmp_path: Path, trust_file: str) -> None:
    tree = tree_of(6)
    bundle = proof(tree, 2, head(tree, None, NOTARY, AUDITOR))
    tampered = {**bundle, "document": bundle["document"].replace("2", "9")}
    status, lines, _ = verify(write(tmp_path, tampered), "--trust", trust_file)
    assert status == 1
    assert "FAILED: the document and salt do not hash to the proof's leaf hash" in lines
    assert check_proof({**bundle, "tree_size": 5}, TRUST) == [
        "the proof is for a tree of 5 leaves, its tree head for 6: another head"
    ]
    assert check_proof({**bundle, "audit_path": bundle["audit_path"][:-1]}, TRUST) == [
        (
            "the audit path does not lead from leaf 2 to the tree head's root: the event is not shown"
            " to be in the co-signed log"
        )
    ]
    assert check_proof({"tree_head": {}}, TRUST)[0].startswith("a tree head has exactly the fields")


def _statement(
    last: dict[str, Any], first: dict[str, Any], key: Sm2PrivateKey = SUPERVISOR
) -> dict[str, Any]:
    return witness.epoch_statement_make(
        key,
        previous_epoch=last["epoch"],
        last_head=witness.head_ref(last),
        first_head={"tree_size": first["tree_size"], "root_hash": first["root_hash"]},
        reason="数据库故障，自备份恢复",
        declared_at=T0,
    )


def test_a_head_of_a_later_epoch_shows_each_break_and_needs_its_statement(
    tmp_path: Path, trust_file: str
) -> None:
    lost = tree_of(10)
    last = head(lost, None, NOTARY, AUDITOR)["sth"]
    restored = tree_of(8)
    first = head(restored, None, epoch=1)["sth"]
    valid = _statement(last, first)
    bundle = proof(restored, 5, head(restored, None, NOTARY, AUDITOR, epoch=1, statements=[valid]))
    status, lines, _ = verify(write(tmp_path, bundle), "--trust", trust_file)
    assert status == 0
    assert lines == [
        (
            "NOTE: epoch 1 began 2026-12-05T10:00:00.000000Z after co-signed head 10 of epoch 0; the new"
            " epoch's first head has 8 leaves: 数据库故障，自备份恢复"
        ),
        "OK: the proof verifies",
    ]
    bare = proof(restored, 5, head(restored, None, NOTARY, AUDITOR, epoch=1))
    status, lines, _ = verify(write(tmp_path, bare), "--trust", trust_file)
    assert (status, lines) == (1, ["FAILED: epoch 1 has no valid statement from the supervising department"])
    forged = proof(
        restored,
        5,
        head(restored, None, NOTARY, AUDITOR, epoch=1, statements=[_statement(last, first, NOTARY)]),
    )
    status, lines, _ = verify(write(tmp_path, forged), "--trust", trust_file)
    assert status == 1
    assert "FAILED: epoch 1 has no valid statement from the supervising department" in lines


def test_fork_names_the_cosigners_that_cosigned_both_heads(tmp_path: Path, trust_file: str) -> None:
    honest = tree_of(8)
    old = head(honest, 6, NOTARY, AUDITOR)
    new = head(honest, 8, NOTARY, AUDITOR)
    path = {"path": [p.hex() for p in merkle.consistency_proof(6, 8, honest.get)]}
    status, lines, _ = verify(
        "fork", write(tmp_path, old), write(tmp_path, new), write(tmp_path, path), "--trust", trust_file
    )
    assert (status, lines) == (0, ["OK: the heads are consistent: no fork"])

    forked = tree_of(8, forged_from=3)  # the platform rewrote leaf 3 onwards
    other = head(forked, 8, NOTARY)  # the notary co-signed both sides; the auditor refused
    fork_path = {"path": [p.hex() for p in merkle.consistency_proof(6, 8, forked.get)]}
    status, lines, _ = verify(
        "fork",
        write(tmp_path, old),
        write(tmp_path, other),
        write(tmp_path, fork_path),
        "--trust",
        trust_file,
    )
    assert status == 1
    assert lines == [
        "NOTE: the new head: only 1 of the 2 pinned co-signatures this head needs (notary)",
        "FAILED: fork: tree head 8 is not consistent with tree head 6",
        "FAILED: co-signer notary co-signed both heads: it equivocated",
    ]
    same_size = head(forked, 6, NOTARY, AUDITOR)
    status, lines, _ = verify(
        "fork",
        write(tmp_path, old),
        write(tmp_path, same_size),
        write(tmp_path, {"path": []}),
        "--trust",
        trust_file,
    )
    assert status == 1
    assert lines[-2:] == [
        "FAILED: co-signer auditor co-signed both heads: it equivocated",
        "FAILED: co-signer notary co-signed both heads: it equivocated",
    ]
    unsigned = {**other, "signature": NOTARY.sign(witness.STH_PURPOSE, other["sth"]).hex()}
    status, lines, _ = verify(
        "fork",
        write(tmp_path, old),
        write(tmp_path, unsigned),
        write(tmp_path, fork_path),
        "--trust",
        trust_file,
    )
    assert (status, len(lines)) == (1, 1)
    assert lines[0].startswith("FAILED: the new head: the platform's signature")


def test_heads_of_two_epochs_are_a_break_when_a_valid_statement_joins_them(
    tmp_path: Path, trust_file: str
) -> None:
    lost = tree_of(10)
    old = head(lost, 10, NOTARY, AUDITOR)
    restored = tree_of(8, forged_from=7)  # 7 leaves survived the restore; one new event since
    first = head(restored, 8, epoch=1)["sth"]
    valid = _statement(old["sth"], first)
    new = head(restored, 8, NOTARY, AUDITOR, epoch=1, statements=[valid])
    files = [write(tmp_path, old), write(tmp_path, new), write(tmp_path, {"path": []})]
    status, lines, _ = verify("fork", *files, "--trust", trust_file)
    assert status == 0
    assert lines[0].startswith("NOTE: epoch 1 began 2026-12-05T10:00:00.000000Z after co-signed head 10")
    assert lines[-1] == "OK: the heads are consistent: no fork"

    undeclared = head(restored, 8, NOTARY, AUDITOR, epoch=1)
    files[1] = write(tmp_path, undeclared)
    status, lines, _ = verify("fork", *files, "--trust", trust_file)
    assert status == 1
    assert lines[0].startswith("FAILED: fork: the heads are of epochs 0 and 1 and no valid statement")
    assert lines[1:] == [
        "FAILED: co-signer auditor co-signed both heads: it equivocated",
        "FAILED: co-signer notary co-signed both heads: it equivocated",
    ]
    beyond = head(tree_of(12), 12, NOTARY, AUDITOR)  # a co-signed head after the statement's last_head
    files[0], files[1] = write(tmp_path, beyond), write(tmp_path, new)
    status, lines, _ = verify("fork", *files, "--trust", trust_file)
    assert status == 1
    assert "is not at or before the last co-signed head the statement names" in lines[0]


def test_check_promise_checks_the_proof_under_the_trust() -> None:
    tree = tree_of(5)
    bundle = proof(tree, 4, head(tree, None, NOTARY, AUDITOR))
    body = {
        "leaf_hash": bundle["leaf_hash"],
        "timestamp": "2026-12-05T10:00:00+00:00",
        "max_merge_delay_seconds": 60,
    }
    promise = {"promise": body, "signature": OPERATOR.sign("ggzy-promise-v1", body).hex()}
    promised = T0.timestamp()
    assert check_promise(promise, OPERATOR.public_key, None, promised + 30) == []  # not due yet
    assert check_promise(promise, OPERATOR.public_key, None, promised + 61) == [
        "the promised event is still not integrated after the maximum merge delay"
    ]
    assert check_promise(promise, OPERATOR.public_key, bundle, promised + 61, TRUST) == []
    assert check_promise(promise, OPERATOR.public_key, bundle, promised + 61) == [
        f"the proof's head cannot be checked: {NO_COSIGNER}"
    ]
    alone = proof(tree, 4, head(tree))
    assert check_promise(promise, OPERATOR.public_key, alone, promised + 61, TRUST) == [
        "only 0 of the 2 pinned co-signatures this head needs"
    ]
