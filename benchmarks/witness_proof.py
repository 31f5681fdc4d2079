#!/usr/bin/env python3
"""Witness-log proofs at scale: generating and verifying an inclusion proof in a tree of 1,000,000
leaves (--quick: 100,000), against recomputing the root from all the leaves (what checking an event
would cost without proofs). Prints one JSON object last; ratio = speed-up of the proof."""

from __future__ import annotations

import argparse
import json
import random
import time

from ggzy_sm import merkle


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    leaves = [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(n)]
    tree = merkle.MemoryTree()
    start = time.perf_counter()
    for leaf in leaves:
        tree.append(leaf)
    build = time.perf_counter() - start
    root = tree.root()
    rnd = random.Random(7)  # noqa: S311  (sampling positions, not secrets)
    samples = [rnd.randrange(n) for _ in range(1000)]
    start = time.perf_counter()
    for index in samples:
        proof = merkle.inclusion_proof(index, n, tree.get)
        assert merkle.verify_inclusion(leaves[index], index, n, proof, root)
    per_proof = (time.perf_counter() - start) / len(samples)
    start = time.perf_counter()  # the baseline: the root from all leaves
    rebuilt = merkle.MemoryTree()
    for leaf in leaves:
        rebuilt.append(leaf)
    assert rebuilt.root() == root
    recompute = time.perf_counter() - start
    print(
        f"tree of {n} leaves built in {build:.1f} s; "
        f"proof+verify {per_proof * 1e6:.0f} µs; recompute {recompute:.2f} s"
    )
    print(
        json.dumps(
            {
                "benchmark": "witness_proof",
                "value": round(1 / per_proof, 1),
                "unit": "proofs generated and verified per s",
                "baseline": "recomputing the root from all leaves",
                "baseline_value": round(1 / recompute, 4),
                "ratio": round(recompute / per_proof, 1),
                "leaves": n,
            }
        )
    )


if __name__ == "__main__":
    main()
