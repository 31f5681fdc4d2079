"""`ggzy-bid verify-proof`: any witness-log inclusion proof against the pinned co-signers."""

from __future__ import annotations

import argparse

from ggzy_bid import witnesslog


def verify_proof(args: argparse.Namespace) -> int:
    """Check a witness-log inclusion proof against the pinned co-signers: 0 and "OK" only when it is
    accepted; each failure printed and 1 otherwise."""
    try:
        trust = witnesslog.load_trust(args.witness_trust)
        bundle = witnesslog.load_proof(args.proof)
    except witnesslog.ProofFileError as exc:
        print(f"FAILED: {exc}")  # noqa: T201
        return 1
    problems, breaks = witnesslog.proof_problems(bundle, trust)
    for line in breaks:
        print(f"epoch break: {line}")  # noqa: T201
    for problem in problems:
        print(f"FAILED: {problem}")  # noqa: T201
    if problems:
        return 1
    document = witnesslog.event_document(bundle) or {}
    sth = bundle["tree_head"]["sth"]
    print(  # noqa: T201
        f"OK: event {document.get('type', '?')} ({document.get('uid', '?')}) is leaf {bundle['leaf_index']}"
        f" of the witness log's tree head of {sth['tree_size']} leaves (epoch {sth['epoch']}),"
        f" co-signed by at least {trust.threshold} of the {len(trust.cosigners)} pinned co-signers"
    )
    return 0
