"""An inclusion proof counts only under a tree head with k pinned co-signatures (never the platform's
signature alone), with the epoch statements of an epoch > 0, a leaf recomputed from the salt and the
document, the head's tree size and an audit path to its root; every failure is named."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from ggzy_sm import canonical, merkle, witness
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.witness import WitnessTrust
from ggzy_sm.witness_proof import check_inclusion_bundle, check_tree_head, verify_inclusion_bundle

OPERATOR = Sm2PrivateKey.generate()
COSIGNERS = [Sm2PrivateKey.generate() for _ in range(3)]
SUPERVISOR = Sm2PrivateKey.generate()
STRANGER = Sm2PrivateKey.generate()
NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)
TRUST = WitnessTrust(
    operator_keys=(OPERATOR.public_key,),
    cosigners=tuple((f"cosigner-{i}", key.public_key) for i, key in enumerate(COSIGNERS, start=1)),
    threshold=2,
    supervisor_keys=(SUPERVISOR.public_key,),
)
DOCUMENTS = [
    canonical.dumps({"profile": canonical.PROFILE, "type": f"test.event.n{i}", "data": {"n": i}}).decode()
    for i in range(6)
]
SALTS = [f"{i:02x}" * 16 for i in range(6)]


def log() -> merkle.MemoryTree:
    tree = merkle.MemoryTree()
    for salt, document in zip(SALTS, DOCUMENTS, strict=True):
        tree.append(merkle.leaf_hash(bytes.fromhex(salt) + document.encode("utf-8")))
    return tree


TREE = log()


def head(
    size: int, signers: list[Sm2PrivateKey], *, epoch: int = 0, statements: list[Any] | None = None
) -> dict[str, Any]:
    sth = witness.sth_make(size, TREE.root(size).hex(), NOW, epoch=epoch)
    signed = {
        "sth": sth,
        "signature": OPERATOR.sign(witness.STH_PURPOSE, sth).hex(),
        "key_id": "witness-1",
        "cosignatures": [witness.cosignature_make(key, sth, None, NOW) for key in signers],
    }
    if statements is not None:
        signed["epoch_statements"] = statements
    return signed


def bundle(index: int, size: int = 6, signers: list[Sm2PrivateKey] = COSIGNERS[:2], **kw: Any) -> dict:
    leaf = merkle.leaf_hash(bytes.fromhex(SALTS[index]) + DOCUMENTS[index].encode("utf-8"))
    return {
        "format": "ggzy-inclusion-v1",
        "hash": "sm3",
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": leaf.hex(),
        "audit_path": [p.hex() for p in merkle.inclusion_proof(index, size, TREE.get)],
        "salt": SALTS[index],
        "document": DOCUMENTS[index],
        "tree_head": head(size, signers, **kw),
    }


def statement(previous_epoch: int = 0, key: Sm2PrivateKey = SUPERVISOR) -> dict[str, Any]:
    return witness.epoch_statement_make(
        key,
        previous_epoch=previous_epoch,
        last_head={"tree_size": 7, "root_hash": "ab" * 32, "epoch": previous_epoch},
        first_head={"tree_size": 6, "root_hash": TREE.root(6).hex()},
        reason="数据库故障，自备份恢复",
        declared_at=NOW,
    )


@pytest.mark.parametrize(("index", "size"), [(0, 6), (3, 6), (5, 6), (0, 1), (2, 3)])
def test_a_proof_under_k_pinned_cosignatures_is_accepted(index: int, size: int) -> None:
    assert check_inclusion_bundle(bundle(index, size), TRUST) == []
    assert check_inclusion_bundle(bundle(index, size, signers=COSIGNERS), TRUST) == []


@pytest.mark.parametrize(
    ("signers", "shown"),
    [
        ([], "only 0 of the 2 pinned co-signatures"),  # the platform's signature alone
        (COSIGNERS[:1], "only 1 of the 2 pinned co-signatures"),  # k - 1
        ([STRANGER, Sm2PrivateKey.generate()], "only 0 of the 2"),  # keys nobody pinned
        ([COSIGNERS[0], COSIGNERS[0]], "only 1 of the 2"),  # one co-signer twice counts once
    ],
)
def test_a_head_without_k_pinned_cosignatures_is_refused(signers: list[Sm2PrivateKey], shown: str) -> None:
    problems = check_inclusion_bundle(bundle(2, signers=signers), TRUST)
    assert len(problems) == 1
    assert shown in problems[0]


def test_a_cosignature_of_another_head_does_not_count() -> None:
    proof = bundle(2)
    other = head(5, COSIGNERS)
    proof["tree_head"]["cosignatures"][1] = other["cosignatures"][1]
    problems = check_inclusion_bundle(proof, TRUST)
    assert "co-signer cosigner-2: the co-signature is for another head" in problems
    assert "only 1 of the 2" in problems[-1]


def test_a_head_the_operator_did_not_sign_is_refused() -> None:
    proof = bundle(1)
    proof["tree_head"]["signature"] = STRANGER.sign(witness.STH_PURPOSE, proof["tree_head"]["sth"]).hex()
    assert check_inclusion_bundle(proof, TRUST) == [
        "the platform's signature on the head does not verify with a pinned key"
    ]


def test_a_tampered_audit_path_is_refused() -> None:
    proof = bundle(3)
    first = bytearray(bytes.fromhex(proof["audit_path"][0]))
    first[0] ^= 1
    proof["audit_path"][0] = first.hex()
    problems = check_inclusion_bundle(proof, TRUST)
    assert len(problems) == 1
    assert "the audit path does not lead from leaf 3 to the tree head's root" in problems[0]
    del proof["audit_path"][-1]
    assert "audit path" in check_inclusion_bundle(proof, TRUST)[0]


def test_another_document_or_salt_is_refused_and_every_failure_is_named() -> None:
    proof = bundle(4)
    proof["document"] = DOCUMENTS[3]  # another event's document under this leaf's proof
    problems = check_inclusion_bundle(proof, TRUST)
    assert problems == [
        "the document and salt do not hash to the proof's leaf hash",
        (
            "the audit path does not lead from leaf 4 to the tree head's root: the event is not shown to"
            " be in the co-signed log"
        ),
    ]
    proof = bundle(4)
    proof["salt"] = SALTS[3]
    assert len(check_inclusion_bundle(proof, TRUST)) == 2
    proof = bundle(4)
    proof["leaf_hash"] = "00" * 32  # the leaf hash field alone is wrong: the leaf is recomputed anyway
    assert check_inclusion_bundle(proof, TRUST) == [
        "the document and salt do not hash to the proof's leaf hash"
    ]


def test_another_tree_size_or_leaf_index_is_refused() -> None:
    proof = bundle(2)
    proof["tree_size"] = 5
    problems = check_inclusion_bundle(proof, TRUST)
    assert problems == ["the proof is for a tree of 5 leaves, its tree head for 6: another head"]
    proof = bundle(2)
    proof["leaf_index"] = 3
    assert "does not lead from leaf 3" in check_inclusion_bundle(proof, TRUST)[0]
    proof = bundle(2, signers=[])
    proof["tree_size"] = 5
    assert len(check_inclusion_bundle(proof, TRUST)) == 2  # the head and the size, both named


def test_a_head_of_a_later_epoch_needs_the_supervisors_statements() -> None:
    assert "epoch 1 has no valid statement" in check_inclusion_bundle(bundle(1, epoch=1), TRUST)[0]
    assert check_inclusion_bundle(bundle(1, epoch=1, statements=[]), TRUST) == [
        "epoch 1 has no valid statement from the supervising department"
    ]
    forged = check_inclusion_bundle(bundle(1, epoch=1, statements=[statement(key=STRANGER)]), TRUST)
    assert "epoch statement: the epoch statement is not signed by a pinned supervisor key" in forged
    assert check_inclusion_bundle(bundle(1, epoch=2, statements=[statement()]), TRUST) == [
        "epoch 2 has no valid statement from the supervising department"
    ]
    problems, breaks = verify_inclusion_bundle(bundle(1, epoch=1, statements=[statement()]), TRUST)
    assert problems == []
    assert breaks == [
        (
            "epoch 1 began 2026-12-05T10:00:00.000000Z after co-signed head 7 of epoch 0; the new"
            " epoch's first head has 6 leaves: 数据库故障，自备份恢复"
        )
    ]
    assert check_inclusion_bundle(bundle(1, epoch=2, statements=[statement(), statement(1)]), TRUST) == []
    assert "not a list" in check_inclusion_bundle(bundle(1, epoch=1, statements="x"), TRUST)[0]


def test_a_refused_heads_epoch_is_not_checked_further() -> None:
    """Its epoch could be anything (up to 2^53): one problem, not a million missing statements."""
    assert check_inclusion_bundle(bundle(1, signers=[], epoch=10**6), TRUST) == [
        "only 0 of the 2 pinned co-signatures this head needs"
    ]


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        (lambda b: b.pop("tree_head"), "the proof carries no tree head"),
        (lambda b: b["tree_head"].update(cosignatures=5), "co-signatures are not a list"),
        (lambda b: b["tree_head"].update(cosignatures=["x", 5, None, {}]), "only 0 of the 2"),
        (lambda b: b["tree_head"]["sth"].pop("epoch"), "a tree head has exactly the fields"),
        (lambda b: b.update(salt="zz"), "the proof is malformed: salt"),
        (lambda b: b.update(document=None), "the proof is malformed: document"),
        (lambda b: b.update(document="\ud800"), "the proof is malformed: document"),
        (lambda b: b.update(leaf_index=True), "the proof is malformed: leaf_index"),
        (lambda b: b.update(tree_size="6"), "the proof is malformed: tree_size"),
        (lambda b: b.update(audit_path="00"), "the proof is malformed: audit_path"),
        (lambda b: b.update(audit_path=[1]), "the proof is malformed: audit_path"),
        (lambda b: b.update(hash="sha256"), "the proof names another hash than its tree head"),
    ],
)
def test_a_malformed_proof_is_refused_with_its_reason_not_an_exception(change: Any, shown: str) -> None:
    proof = copy.deepcopy(bundle(2))
    change(proof)
    problems = check_inclusion_bundle(json.loads(json.dumps(proof)), TRUST)
    assert problems
    assert any(shown in problem for problem in problems), problems


@pytest.mark.parametrize("value", [None, [], "proof", 5])
def test_not_a_proof_at_all(value: Any) -> None:
    assert check_inclusion_bundle(value, TRUST)
    assert check_tree_head(value, TRUST)[0]


def test_a_sha256_log_is_checked_with_its_own_hash() -> None:
    tree = merkle.MemoryTree("sha256")
    tree.append(merkle.leaf_hash(bytes.fromhex(SALTS[0]) + DOCUMENTS[0].encode(), "sha256"))
    tree.append(merkle.leaf_hash(b"other", "sha256"))
    sth = witness.sth_make(2, tree.root().hex(), NOW, alg="sha256")
    proof = {
        "leaf_index": 0,
        "tree_size": 2,
        "leaf_hash": merkle.leaf_hash(bytes.fromhex(SALTS[0]) + DOCUMENTS[0].encode(), "sha256").hex(),
        "audit_path": [p.hex() for p in merkle.inclusion_proof(0, 2, tree.get, "sha256")],
        "salt": SALTS[0],
        "document": DOCUMENTS[0],
        "tree_head": {
            "sth": sth,
            "signature": OPERATOR.sign(witness.STH_PURPOSE, sth).hex(),
            "cosignatures": [witness.cosignature_make(k, sth, None, NOW) for k in COSIGNERS[1:]],
        },
    }
    assert check_inclusion_bundle(proof, TRUST) == []
