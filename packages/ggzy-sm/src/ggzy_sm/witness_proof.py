"""An inclusion proof checked against the co-signed witness log (docs/witness-cosigner.md), Django-free.

A proof bundle is what the platform's `/api/v1/witness/events/<uid>/proof` answers:

    {"document": <the event's canonical JSON>, "salt": <hex>, "leaf_index": i, "tree_size": n,
     "leaf_hash": <hex>, "audit_path": [<hex>, …],
     "tree_head": {"sth", "signature", "key_id", "cosignatures": […], "epoch_statements": […]}}

`check_inclusion_bundle` accepts it only when the tree head is accepted under the pinned trust
(`witness.verify_head`: k valid co-signatures from pinned co-signers, never the platform's signature
alone), a head of epoch e > 0 carries a valid statement for each epoch 1 … e (`witness.verify_epochs`),
the salt and document hash to the leaf, the proof's tree size is the head's, and the audit path leads
from the leaf to the head's root. Every failure is named. `ggzy-bid` and the custodians use it.
"""

from __future__ import annotations

from typing import Any, cast

from ggzy_sm import merkle
from ggzy_sm.witness import WitnessError, WitnessTrust, sth_check, verify_epochs, verify_head


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _hex(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def _utf8(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate JSON let through
        return None


def _hex_list(value: Any) -> list[bytes] | None:
    if not isinstance(value, list):
        return None
    out = [_hex(item) for item in value]
    return None if any(item is None for item in out) else [item for item in out if item is not None]


def check_tree_head(head: Any, trust: WitnessTrust) -> tuple[list[str], list[str]]:
    """(problems, the epoch breaks to show) for a signed tree head under `trust`: the head itself
    (`verify_head`) and, for an otherwise accepted head of epoch e > 0, the epoch statements it
    carries (`verify_epochs`). No problems: the head is accepted."""
    if not isinstance(head, dict):
        return ["the proof carries no tree head"], []
    cosignatures = head.get("cosignatures", [])
    if not isinstance(cosignatures, list):
        return ["the tree head's co-signatures are not a list"], []
    try:
        problems = verify_head(head, trust)
    except (TypeError, AttributeError, ValueError) as exc:  # a shape verify_head does not expect
        return [f"the tree head is malformed ({type(exc).__name__})"], []
    try:
        sth = sth_check(head.get("sth"))
    except WitnessError:
        return problems, []  # verify_head named it
    epoch = int(sth["epoch"])
    if epoch == 0 or problems:  # a refused head's epoch may be anything (2^53): not checked further
        return problems, []
    statements = head.get("epoch_statements", [])
    if not isinstance(statements, list):
        problems = [*problems, "the tree head's epoch statements are not a list"]
        statements = []
    epoch_problems, breaks = verify_epochs(statements, epoch, trust)
    return problems + epoch_problems, breaks


def verify_inclusion_bundle(bundle: Any, trust: WitnessTrust) -> tuple[list[str], list[str]]:
    """(problems, the epoch breaks to show) for a proof bundle; see `check_inclusion_bundle`."""
    if not isinstance(bundle, dict):
        return ["the proof is not a JSON object"], []
    head = bundle.get("tree_head")
    problems, breaks = check_tree_head(head, trust)
    sth = head.get("sth") if isinstance(head, dict) else None
    try:
        sth_check(sth)
    except WitnessError:
        return problems or ["the proof's tree head is malformed"], breaks
    sth = cast("dict[str, Any]", sth)
    alg = sth["hash"]
    if bundle.get("hash", alg) != alg:
        problems.append("the proof names another hash than its tree head")

    salt, document = _hex(bundle.get("salt")), _utf8(bundle.get("document"))
    index, size = _whole(bundle.get("leaf_index")), _whole(bundle.get("tree_size"))
    path = _hex_list(bundle.get("audit_path"))
    malformed = [
        name
        for name, value in (
            ("salt", salt),
            ("document", document),
            ("leaf_index", index),
            ("tree_size", size),
            ("audit_path", path),
        )
        if value is None
    ]
    if salt is None or document is None or index is None or size is None or path is None:
        return [*problems, f"the proof is malformed: {', '.join(malformed)}"], breaks
    leaf = merkle.leaf_hash(salt + document, alg)
    if bundle.get("leaf_hash") != leaf.hex():
        problems.append("the document and salt do not hash to the proof's leaf hash")
    if size != sth["tree_size"]:
        problems.append(
            f"the proof is for a tree of {size} leaves, its tree head for {sth['tree_size']}: another head"
        )
    root = bytes.fromhex(sth["root_hash"])
    if not merkle.verify_inclusion(leaf, index, sth["tree_size"], path, root, alg=alg):
        problems.append(
            f"the audit path does not lead from leaf {index} to the tree head's root: the event is not"
            " shown to be in the co-signed log"
        )
    return problems, breaks


def check_inclusion_bundle(bundle: Any, trust: WitnessTrust) -> list[str]:
    """What is wrong with an inclusion proof under the pinned `trust` ([] when it is accepted): the
    tree head (k pinned co-signatures, the epoch statements for an epoch > 0), the leaf recomputed from
    the salt and the document, the tree size, and the audit path to the co-signed root."""
    return verify_inclusion_bundle(bundle, trust)[0]
