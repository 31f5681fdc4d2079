"""The Merkle tree against the published RFC 6962 SHA-256 vectors (docs/published-vectors.md), SM3 mode
against an independent SM3, and property tests: proofs verify, and any single-bit change fails."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy_sm import merkle
from ggzy_sm.merkle import MemoryTree, verify_consistency, verify_inclusion

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    (1, 5): [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (0, 1): [],
}
CONSISTENCY = {
    (1, 8): INCLUSION[(0, 8)],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (6, 7): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (3, 7): [
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
    ],
}


@pytest.fixture(scope="module")
def tree() -> MemoryTree:
    t = MemoryTree("sha256")
    for leaf in LEAVES:
        t.append(merkle.leaf_hash(leaf, "sha256"))
    return t


def test_published_roots(tree: MemoryTree) -> None:
    for size, expected in ROOTS.items():
        assert tree.root(size).hex() == expected


def test_published_inclusion_proofs(tree: MemoryTree) -> None:
    for (index, size), expected in INCLUSION.items():
        proof = merkle.inclusion_proof(index, size, tree.get, "sha256")
        assert [p.hex() for p in proof] == expected
        leaf = merkle.leaf_hash(LEAVES[index], "sha256")
        assert verify_inclusion(leaf, index, size, proof, bytes.fromhex(ROOTS[size]), alg="sha256")


def test_published_consistency_proofs(tree: MemoryTree) -> None:
    for (old, new), expected in CONSISTENCY.items():
        proof = merkle.consistency_proof(old, new, tree.get, "sha256")
        assert [p.hex() for p in proof] == expected
        assert verify_consistency(
            old, new, proof, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), alg="sha256"
        )


def test_published_negative_cases(tree: MemoryTree) -> None:
    index, size = 5, 8
    proof = merkle.inclusion_proof(index, size, tree.get, "sha256")
    leaf, root = merkle.leaf_hash(LEAVES[index], "sha256"), bytes.fromhex(ROOTS[size])
    bad = [
        (leaf, index + 1, size, proof, root),
        (leaf, index - 1, size, proof, root),
        (leaf, index ^ 2, size, proof, root),
        (leaf, index, size * 2, proof, root),
        (leaf, index, size // 2, proof, root),
        (merkle.leaf_hash(b"x", "sha256"), index, size, proof, root),
        (leaf, index, size, proof, b""),
        (leaf, index, size, proof, bytes(32)),
        (leaf, index, size, [bytes(32), *proof], root),
        (leaf, index, size, [*proof, bytes(32)], root),
        (leaf, index, size, proof[:-1], root),
        (leaf, 9, 8, proof, root),
    ]
    for case in bad:
        assert not verify_inclusion(*case, alg="sha256"), case[1:3]
    old, new = 6, 8
    cproof = merkle.consistency_proof(old, new, tree.get, "sha256")
    r6, r8 = bytes.fromhex(ROOTS[6]), bytes.fromhex(ROOTS[8])
    assert not verify_consistency(old, new, cproof, r8, r6, alg="sha256")  # swapped roots
    assert not verify_consistency(old, new, cproof[:-1], r6, r8, alg="sha256")
    assert not verify_consistency(new, old, cproof, r8, r6, alg="sha256")


def test_exhaustive_small_trees(tree: MemoryTree) -> None:
    for n in range(1, 9):
        for m in range(n):
            proof = merkle.inclusion_proof(m, n, tree.get, "sha256")
            assert verify_inclusion(
                merkle.leaf_hash(LEAVES[m], "sha256"), m, n, proof, tree.root(n), alg="sha256"
            )
        for a in range(1, n + 1):
            proof = merkle.consistency_proof(a, n, tree.get, "sha256")
            assert verify_consistency(a, n, proof, tree.root(a), tree.root(n), alg="sha256")


def test_sm3_mode_against_an_independent_sm3() -> None:
    from smcryptopy import sm3 as other

    t = MemoryTree("sm3")
    for leaf in LEAVES[:3]:
        t.append(merkle.leaf_hash(leaf, "sm3"))
    h = [bytes.fromhex(other.sm3_hash(b"\x00" + leaf)) for leaf in LEAVES[:3]]
    expected = bytes.fromhex(
        other.sm3_hash(b"\x01" + bytes.fromhex(other.sm3_hash(b"\x01" + h[0] + h[1])) + h[2])
    )
    assert t.root() == expected


BIG = MemoryTree("sm3")
for _n in range(5000):
    BIG.append(merkle.leaf_hash(_n.to_bytes(4, "big")))


def flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=1, max_value=5000).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))),
    st.randoms(use_true_random=False),
)
def test_inclusion_proofs_verify_and_every_bit_flip_fails(pair: tuple[int, int], rnd: random.Random) -> None:
    index, size = pair
    proof = merkle.inclusion_proof(index, size, BIG.get)
    leaf, root = merkle.leaf_hash(index.to_bytes(4, "big")), BIG.root(size)
    assert verify_inclusion(leaf, index, size, proof, root)
    assert not verify_inclusion(flip(leaf, rnd.randrange(256)), index, size, proof, root)
    assert not verify_inclusion(leaf, index, size, proof, flip(root, rnd.randrange(256)))
    if proof:
        at = rnd.randrange(len(proof))
        bad = [*proof[:at], flip(proof[at], rnd.randrange(256)), *proof[at + 1 :]]
        assert not verify_inclusion(leaf, index, size, bad, root)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=1, max_value=5000).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))),
    st.randoms(use_true_random=False),
)
def test_consistency_proofs_verify_and_every_bit_flip_fails(
    pair: tuple[int, int], rnd: random.Random
) -> None:
    old, new = pair
    proof = merkle.consistency_proof(old, new, BIG.get)
    r1, r2 = BIG.root(old), BIG.root(new)
    assert verify_consistency(old, new, proof, r1, r2)
    assert not verify_consistency(old, new, proof, flip(r1, rnd.randrange(256)), r2)
    assert not verify_consistency(old, new, proof, r1, flip(r2, rnd.randrange(256)))
    if proof:
        at = rnd.randrange(len(proof))
        bad = [*proof[:at], flip(proof[at], rnd.randrange(256)), *proof[at + 1 :]]
        assert not verify_consistency(old, new, bad, r1, r2)


def test_a_proof_reads_a_bounded_number_of_nodes() -> None:
    for size in (1, 7, 4096, 5000):
        for index in (0, size // 2, size - 1):
            assert len(merkle.needed_nodes(merkle.inclusion_ranges(index, size))) <= 2 * size.bit_length()
