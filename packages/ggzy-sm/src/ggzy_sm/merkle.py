"""The witness log's Merkle tree (RFC 6962 / RFC 9162 structure), Django-free.

    leaf hash = H(0x00 ‖ data)           data = salt ‖ canonical payload, for a ggzy event
    node hash = H(0x01 ‖ left ‖ right)    empty tree = H("")

H is SM3 for the platform and SHA-256 where the published RFC 6962 vectors check the code.

Storage is a map of *complete* subtrees: node (level, index) is the root of leaves
[index·2^level, (index+1)·2^level). Every hash a root or a proof needs is a fold of O(log n) such
nodes, so a proof is one batch of O(log n) reads (`needed_nodes` says which), however large the tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Literal

from ggzy_sm.sm3 import sm3

Alg = Literal["sm3", "sha256"]
Key = tuple[int, int]  # (level, index) of a complete subtree
Range = tuple[int, int]  # (start, size) of a range of leaves


def _h(alg: Alg, data: bytes) -> bytes:
    return sm3(data) if alg == "sm3" else hashlib.sha256(data).digest()


def leaf_hash(data: bytes, alg: Alg = "sm3") -> bytes:
    return _h(alg, b"\x00" + data)


def node_hash(left: bytes, right: bytes, alg: Alg = "sm3") -> bytes:
    return _h(alg, b"\x01" + left + right)


def empty_root(alg: Alg = "sm3") -> bytes:
    return _h(alg, b"")


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def subtrees(start: int, size: int) -> list[Key]:
    """The complete subtrees whose fold is MTH of leaves [start, start + size), left to right."""
    keys = []
    while size:
        if size & (size - 1) == 0:  # a power of two: one complete subtree
            level = size.bit_length() - 1
            keys.append((level, start >> level))
            break
        k = _largest_power_of_two_below(size)
        level = k.bit_length() - 1
        keys.append((level, start >> level))
        start, size = start + k, size - k
    return keys


def fold(hashes: list[bytes], alg: Alg = "sm3") -> bytes:
    """MTH of a range from its complete subtrees (left to right): right-associative."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc, alg)
    return acc


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose MTHs form the audit path of leaf `index` in a tree of `size` (RFC 9162 2.1.3.1)."""
    out: list[Range] = []
    start = 0
    stack: list[Range] = []
    while size > 1:
        k = _largest_power_of_two_below(size)
        if index < k:
            stack.append((start + k, size - k))
            size = k
        else:
            stack.append((start, k))
            index, start, size = index - k, start + k, size - k
    out.extend(reversed(stack))
    return out


def consistency_ranges(old: int, new: int) -> list[Range]:
    """The ranges whose MTHs form the consistency proof from `old` to `new` (RFC 9162 2.1.4.1)."""
    if old in (0, new):
        return []
    stack: list[Range] = []
    start, m, n, whole = 0, old, new, True
    while m != n:
        k = _largest_power_of_two_below(n)
        if m <= k:
            stack.append((start + k, n - k))
            n = k
        else:
            stack.append((start, k))
            start, m, n, whole = start + k, m - k, n - k, False
    if not whole:
        stack.append((start, m))
    return list(reversed(stack))


def needed_nodes(ranges: Iterable[Range]) -> set[Key]:
    return {key for start, size in ranges for key in subtrees(start, size)}


NodeGetter = Callable[[set[Key]], Mapping[Key, bytes]]


def hashes_of(ranges: list[Range], get: NodeGetter, alg: Alg = "sm3") -> list[bytes]:
    """MTH of each range, reading all the nodes they need in one call of `get`."""
    nodes = get(needed_nodes(ranges))
    return [fold([nodes[k] for k in subtrees(start, size)], alg) for start, size in ranges]


def root(size: int, get: NodeGetter, alg: Alg = "sm3") -> bytes:
    return empty_root(alg) if size == 0 else hashes_of([(0, size)], get, alg)[0]


def inclusion_proof(index: int, size: int, get: NodeGetter, alg: Alg = "sm3") -> list[bytes]:
    if not 0 <= index < size:
        raise ValueError("the leaf is not in a tree of that size")
    return hashes_of(inclusion_ranges(index, size), get, alg)


def consistency_proof(old: int, new: int, get: NodeGetter, alg: Alg = "sm3") -> list[bytes]:
    if not 0 <= old <= new:
        raise ValueError("a consistency proof goes from a smaller tree to a larger one")
    return hashes_of(consistency_ranges(old, new), get, alg)


def completed_nodes(index: int, leaf: bytes, get: NodeGetter, alg: Alg = "sm3") -> dict[Key, bytes]:
    """Appending leaf `index`: the complete subtrees it completes (its own node included)."""
    new: dict[Key, bytes] = {(0, index): leaf}
    level, position, current = 0, index, leaf
    while position & 1:
        sibling = (level, position - 1)
        left = get({sibling})[sibling]
        current = node_hash(left, current, alg)
        level, position = level + 1, position >> 1
        new[(level, position)] = current
    return new


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ---------------------------------------------------
def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: list[bytes], root_hash: bytes, *, alg: Alg = "sm3"
) -> bool:
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r, alg)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p, alg)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(  # noqa: PLR0911  (RFC 9162 2.1.4.2, step by step)
    old: int, new: int, proof: list[bytes], old_root: bytes, new_root: bytes, *, alg: Alg = "sm3"
) -> bool:
    if old > new or old < 0:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:  # from the empty tree: nothing to prove, but the old root must be the empty tree's
        return not proof and old_root == empty_root(alg)
    if not proof and old & (old - 1) != 0:
        return False
    path = [old_root, *proof] if old & (old - 1) == 0 else list(proof)
    if not path:
        return False
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr, alg), node_hash(c, sr, alg)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c, alg)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


class MemoryTree:
    """A whole tree in memory (tests, the offline verifier's recomputation, benchmarks)."""

    def __init__(self, alg: Alg = "sm3") -> None:
        self.alg: Alg = alg
        self.nodes: dict[Key, bytes] = {}
        self.size = 0

    def get(self, keys: set[Key]) -> Mapping[Key, bytes]:
        return {k: self.nodes[k] for k in keys}

    def append(self, leaf: bytes) -> None:
        self.nodes.update(completed_nodes(self.size, leaf, self.get, self.alg))
        self.size += 1

    def root(self, size: int | None = None) -> bytes:
        return root(self.size if size is None else size, self.get, self.alg)
