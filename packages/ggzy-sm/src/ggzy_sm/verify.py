"""`ggzy-verify`: check a witness-log proof or a signed document offline, with nothing but the files
and the public keys or CA certificates.

    ggzy-verify proof.json --operator-key HEX [--cosigner-key HEX]
    ggzy-verify fork old-head.json new-head.json consistency.json --operator-key HEX
    ggzy-verify document FILE SIGNATURE.json --root ROOT.der|pem [--root ...] [--crl CRL.der|pem ...]

A proof file is what `/api/v1/witness/events/<uid>/proof` answers: the event's canonical document
and salt, the leaf index and audit path, and the signed tree head (with its countersignature). Exit
status 0 only when everything verifies; each failure is named. A document signature
(`ggzy-docsig-v1`, see `ggzy_sm.document`) is checked against the CA root certificates given with
`--root` (several CAs: mutual recognition) and their revocation lists; a refusal prints its machine
reason (hash_mismatch, bad_signature, untrusted_root, expired, key_usage, revoked, malformed, …).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from asn1crypto import pem

from ggzy_sm import merkle
from ggzy_sm.document import DocumentError, verify_document
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


def _read_der(path: str) -> bytes:
    """A certificate or CRL file, DER or PEM."""
    data = Path(path).read_bytes()
    if pem.detect(data):
        _kind, _headers, data = pem.unarmor(data)
    return bytes(data)


def main_document(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ggzy-verify document")
    parser.add_argument("file", help="the signed document")
    parser.add_argument("signature", help="its ggzy-docsig-v1 signature (JSON)")
    parser.add_argument("--root", action="append", required=True, help="a trusted CA root (DER or PEM)")
    parser.add_argument("--crl", action="append", default=[], help="a revocation list (DER or PEM)")
    args = parser.parse_args(argv)
    try:
        roots = [_read_der(p) for p in args.root]
        crls = [_read_der(p) for p in args.crl]
        signature = json.loads(Path(args.signature).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"FAILED (malformed): cannot read the inputs ({type(exc).__name__}: {exc})")  # noqa: T201
        return 1
    try:
        verified = verify_document(Path(args.file), signature, roots=roots, crls=crls)
    except DocumentError as exc:
        print(f"FAILED ({exc.reason}): {exc}")  # noqa: T201
        return 1
    except OSError as exc:
        print(f"FAILED (malformed): cannot read the document ({exc})")  # noqa: T201
        return 1
    print(  # noqa: T201
        f"OK: {verified.name} (SM3 {verified.sm3}, {verified.size} bytes) was signed by "
        f"{verified.signer} [{verified.holder_id or '-'}], certificate {verified.serial} "
        f"of {verified.issuer}, at {verified.signed_at:%Y-%m-%dT%H:%M:%SZ}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["document"]:
        return main_document(arguments[1:])
    parser = argparse.ArgumentParser(prog="ggzy-verify")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--operator-key", required=True)
    parser.add_argument("--cosigner-key")
    args = parser.parse_args(arguments)
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


if __name__ == "__main__":
    sys.exit(main())
