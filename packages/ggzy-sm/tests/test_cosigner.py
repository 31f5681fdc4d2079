"""The outside co-signer refuses a forked or rolled-back log, and the verifier reports the fork."""

from __future__ import annotations

from pathlib import Path

import pytest

from ggzy_sm import merkle
from ggzy_sm.cosigner import Cosigner, CosignRefused
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.verify import check_fork, check_head

OPERATOR = Sm2PrivateKey.generate()


def signed_head(tree: merkle.MemoryTree, size: int) -> dict:
    sth = {
        "log": "ggzy-witness-v1",
        "hash": "sm3",
        "tree_size": size,
        "root_hash": tree.root(size).hex(),
        "timestamp": "2026-11-28T10:00:00.000000Z",
    }
    return {"sth": sth, "signature": OPERATOR.sign("ggzy-sth-v1", sth).hex()}


def tree_of(leaves: list[bytes]) -> merkle.MemoryTree:
    tree = merkle.MemoryTree()
    for leaf in leaves:
        tree.append(merkle.leaf_hash(leaf))
    return tree


def test_the_cosigner_follows_a_consistent_log_and_refuses_a_fork(tmp_path: Path) -> None:
    cosigner = Cosigner.init(tmp_path / "cosigner", "cosigner passphrase", OPERATOR.public_key.hex())
    honest = tree_of([b"a", b"b", b"c", b"d", b"e", b"f"])
    head4 = signed_head(honest, 4)
    head4["cosignature"] = cosigner.cosign(head4["sth"], head4["signature"], [])
    assert check_head(head4, OPERATOR.public_key, cosigner.public_key) == []
    head6 = signed_head(honest, 6)
    path = [p.hex() for p in merkle.consistency_proof(4, 6, honest.get)]
    cosigner.cosign(head6["sth"], head6["signature"], path)

    forked = tree_of([b"a", b"b", b"X", b"d", b"e", b"f", b"g"])  # the operator rewrote leaf 2
    head7 = signed_head(forked, 7)
    fork_path = [p.hex() for p in merkle.consistency_proof(6, 7, forked.get)]
    with pytest.raises(CosignRefused, match="fork"):
        Cosigner(tmp_path / "cosigner", "cosigner passphrase").cosign(
            head7["sth"], head7["signature"], fork_path
        )
    assert check_fork(head6, head7, fork_path, OPERATOR.public_key) == [
        "fork: tree head 7 is not consistent with tree head 6"
    ]
    assert "the co-signer's countersignature does not verify (it never saw this head)" in check_head(
        head7, OPERATOR.public_key, cosigner.public_key
    )


def test_the_cosigner_refuses_a_rollback_and_a_forged_signature(tmp_path: Path) -> None:
    cosigner = Cosigner.init(tmp_path / "c", "cosigner passphrase", OPERATOR.public_key.hex())
    tree = tree_of([b"a", b"b", b"c"])
    head3 = signed_head(tree, 3)
    cosigner.cosign(head3["sth"], head3["signature"], [])
    head2 = signed_head(tree, 2)
    with pytest.raises(CosignRefused, match="rollback"):
        cosigner.cosign(head2["sth"], head2["signature"], [])
    forged = dict(head3["sth"], tree_size=3)
    with pytest.raises(CosignRefused, match="signature"):
        cosigner.cosign(forged, Sm2PrivateKey.generate().sign("ggzy-sth-v1", forged).hex(), [])
