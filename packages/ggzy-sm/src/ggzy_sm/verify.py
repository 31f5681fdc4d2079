"""`ggzy-verify`: check a witness-log proof offline, with nothing but the files and the public keys.

    ggzy-verify proof.json --operator-key HEX [--cosigner-key HEX]
    ggzy-verify fork old-head.json new-head.json consistency.json --operator-key HEX

A proof file is what `/api/v1/witness/events/<uid>/proof` answers: the event's canonical document
and salt, the leaf index and audit path, and the signed tree head (with its countersignature). Exit
status 0 only when everything verifies; each failure is named.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ggzy_sm import merkle
from ggzy_sm.errors import IntegrityError
from ggzy_sm.sm2 import Sm2PublicKey


def check_head(head: dict[str, Any], operator: Sm2PublicKey, cosigner: Sm2PublicKey | None) -> list[str]:
    problems = []
    try:
        operator.verify("ggzy-sth-v1", head["sth"], bytes.fromhex(head["signature"]))
    except (IntegrityError, ValueError, KeyError):
        problems.append("the operator's signature on the tree head does not verify")
    if cosigner is not None:
        try:
            cosigner.verify(
                "ggzy-cosign-v1", {"sth": head["sth"]}, bytes.fromhex(head.get("cosignature") or "")
            )
        except (IntegrityError, ValueError, KeyError):
            problems.append("the co-signer's countersignature does not verify (it never saw this head)")
    return problems


def check_proof(
    bundle: dict[str, Any], operator: Sm2PublicKey, cosigner: Sm2PublicKey | None = None
) -> list[str]:
    try:
        head = bundle["tree_head"]
        sth = head["sth"]
        alg = sth.get("hash", "sm3")
        leaf = merkle.leaf_hash(bytes.fromhex(bundle["salt"]) + bundle["document"].encode("utf-8"), alg)
        index, size = int(bundle["leaf_index"]), int(bundle["tree_size"])
        path = [bytes.fromhex(p) for p in bundle["audit_path"]]
        root = bytes.fromhex(sth["root_hash"])
    except (KeyError, ValueError, TypeError) as exc:
        return [f"the proof file is malformed ({type(exc).__name__}: {exc})"]
    problems = check_head(head, operator, cosigner)
    if leaf.hex() != bundle.get("leaf_hash"):
        problems.append("the document and salt do not hash to the leaf")
    if size != int(sth["tree_size"]):
        problems.append("the proof is for another tree size than the tree head")
    if not merkle.verify_inclusion(leaf, index, size, path, root, alg=alg):
        problems.append("the audit path does not lead to the tree head's root")
    return problems


def check_fork(
    old: dict[str, Any], new: dict[str, Any], path_hex: list[str], operator: Sm2PublicKey
) -> list[str]:
    problems = check_head(old, operator, None) + check_head(new, operator, None)
    a, b = old["sth"], new["sth"]
    if not merkle.verify_consistency(
        int(a["tree_size"]),
        int(b["tree_size"]),
        [bytes.fromhex(p) for p in path_hex],
        bytes.fromhex(a["root_hash"]),
        bytes.fromhex(b["root_hash"]),
        alg=a.get("hash", "sm3"),
    ):
        problems.append(f"fork: tree head {b['tree_size']} is not consistent with tree head {a['tree_size']}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ggzy-verify")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--operator-key", required=True)
    parser.add_argument("--cosigner-key")
    args = parser.parse_args(argv)
    operator = Sm2PublicKey.from_hex(args.operator_key)
    cosigner = Sm2PublicKey.from_hex(args.cosigner_key) if args.cosigner_key else None
    loaded = [json.loads(Path(f).read_text(encoding="utf-8")) for f in args.files if f != "fork"]
    if args.files[0] == "fork":
        problems = check_fork(loaded[0], loaded[1], loaded[2]["path"], operator)
    else:
        problems = check_proof(loaded[0], operator, cosigner)
    for problem in problems:
        print(f"FAILED: {problem}")  # noqa: T201
    if not problems:
        print("OK: the proof verifies")  # noqa: T201
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())


def check_promise(
    promise: dict[str, Any], operator: Sm2PublicKey, proof: dict[str, Any] | None, now_unix: float
) -> list[str]:
    """A signed promise is kept when a proof includes its leaf; it is broken when no proof comes
    within the maximum merge delay."""
    import datetime as dt

    problems = []
    body = promise.get("promise", {})
    try:
        operator.verify("ggzy-promise-v1", body, bytes.fromhex(promise.get("signature", "")))
    except (IntegrityError, ValueError):
        problems.append("the promise's signature does not verify")
    promised_at = dt.datetime.fromisoformat(body["timestamp"]).timestamp()
    if proof is None:
        if now_unix - promised_at > int(body["max_merge_delay_seconds"]):
            problems.append("the promised event is still not integrated after the maximum merge delay")
        return problems
    if proof.get("leaf_hash") != body.get("leaf_hash"):
        problems.append("the proof is for another leaf than the promise")
    return problems + check_proof(proof, operator)
