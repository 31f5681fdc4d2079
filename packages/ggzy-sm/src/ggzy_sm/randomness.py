"""Verifiable randomness (`ggzy-random-v1`): a value no single party chooses, fixed before anyone can profit,
recomputed by anyone from what is published — the arithmetic, with no Django (docs/randomness.md).

**Parties.** A draw has parties, each committing to a 32-byte secret before the moment anyone could profit
(the caller names it: the first bid release accepted, the eligible experts' list published):

    "platform"        the trading platform's own secret
    <beacon key hex>  each outside randomness service (`ggzy-beacon`, a process of its own with its own SM2
                      key), named by its public key so that a commitment binds the party's identity
    "fallback"        a second secret of the platform's, used in the place of a party that does not reveal

A commitment is `commitment(draw, party, secret)` = SM3("ggzy-random-commit-v1" ‖ canonical {"draw",
"party", "secret"}) (hex); every commitment is recorded in the co-signed witness log before the moment.

**Reveals** come after the moment: the platform reveals first, then each beacon — which reveals only when
shown the whole set of commitments (`commitments_hash`), its own among them, and signs its reveal over
that set: a platform that changed its commitment after seeing a beacon's secret contradicts the set the
beacon signed. A party that does not reveal causes no redraw: its slot takes the fallback's secret
(`slots`), the abort is recorded; the fallback is revealed only then.

**The value** is `seed(draw, slots)` = SM3("ggzy-random-seed-v1" ‖ canonical {"draw", "slots"}) where
slots lists, in the parties' recorded order, {"party", "secret"} for a party that revealed and {"party",
"fallback"} (the fallback's secret) for one that did not. What a caller derives from it:

    uniform(seed, n, label)      an integer in [0, n), without modulo bias (rejection sampling over an SM3
                                 counter stream; `label` separates independent uses of one seed)
    choose(seed, options, label) one of `options`
    permutation(seed, n, label)  a permutation of range(n) (Fisher–Yates, each step `uniform`)

**A published draw** (`ggzy-random-draw-v1`, `GET /api/v1/randomness/draws/<uid>`, checked offline by
`ggzy-verify random`) is

    {"format": "ggzy-random-draw-v1", "draw": uid, "purpose", "subject", "derive": {"kind": "seed"} |
     {"kind": "choose", "options": [str…], "label"} | {"kind": "permutation", "n", "label"},
     "parties": [{"party", "kind": "platform"|"beacon"|"fallback", "commitment", "event" (the witness-log
                  event that recorded it), "leaf_index" (its leaf, or null), "statement" (a beacon's signed
                  commitment) , "reveal" (a beacon's signed reveal, or null), "secret" (hex, or null)} …],
     "moment": {"event", "leaf_index" (or null: not yet in the log, so after every head), "label"},
     "sealing_head": the co-signed tree head (as the witness API answers heads) whose size is above every
                     commitment's leaf and not above the moment's, or null,
     "proofs": {event uid: inclusion bundle} (optional),
     "state": "open" | "drawn" | "refused", "aborted": [party…], "seed": hex or null, "result": …}

`check_draw` recomputes it: each revealed secret against its commitment, each beacon's statement and reveal
signed by a pinned beacon key for this draw, over the set of commitments recorded; the fallback used for
exactly the parties without a reveal; the seed and the result; every commitment's leaf below the sealing
head's size and the moment's leaf at or above it (with the head and the inclusion proofs checked under the
witness trust when given).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ggzy_sm import canonical
from ggzy_sm.sm3 import sm3

FORMAT = "ggzy-random-draw-v1"
PLATFORM, FALLBACK = "platform", "fallback"
SECRET_BYTES = 32
COMMIT_DOMAIN = b"ggzy-random-commit-v1"
SEED_DOMAIN = b"ggzy-random-seed-v1"
SET_DOMAIN = b"ggzy-random-set-v1"
STREAM_DOMAIN = b"ggzy-random-stream-v1"
#: purposes a beacon signs for (registered in ggzy_sm.sm2.PURPOSES)
BEACON_COMMITMENT = "ggzy-beacon-commitment-v1"
BEACON_REVEAL = "ggzy-beacon-reveal-v1"
BEACON_STATUS = "ggzy-beacon-status-v1"
HEX64 = frozenset("0123456789abcdef")


class RandomnessError(ValueError):
    """An input that is not what the arithmetic takes (the message says which)."""


def secret_hex(value: str) -> str:
    """`value` checked to be a secret: 64 lower-case hex digits (32 bytes)."""
    if not isinstance(value, str) or len(value) != 2 * SECRET_BYTES or not set(value) <= HEX64:
        raise RandomnessError("a secret is 64 lower-case hex digits")
    return value


def commitment(draw: str, party: str, secret: str) -> str:
    """The commitment (hex) of `party` to `secret` (hex) for `draw`."""
    body = canonical.dumps({"draw": draw, "party": party, "secret": secret_hex(secret)})
    return sm3(COMMIT_DOMAIN + body).hex()


def commitments_hash(commitments: Sequence[str]) -> str:
    """The hash (hex) of a draw's set of commitments, in sorted order: what a beacon reveals against."""
    return sm3(SET_DOMAIN + canonical.dumps(sorted(commitments))).hex()


def slots(parties: Sequence[str], revealed: dict[str, str], fallback: str | None) -> list[dict[str, str]]:
    """The seed's slots: each party's revealed secret, or the fallback's for a party that did not reveal
    (RandomnessError if one did not and there is no fallback secret)."""
    out: list[dict[str, str]] = []
    for party in parties:
        if party in revealed:
            out.append({"party": party, "secret": secret_hex(revealed[party])})
        elif fallback is None:
            raise RandomnessError(f"{party} did not reveal and the fallback was not revealed")
        else:
            out.append({"party": party, "fallback": secret_hex(fallback)})
    return out


def seed(draw: str, slot_list: Sequence[dict[str, str]]) -> str:
    """The draw's value (hex, 32 bytes) from its slots."""
    if not slot_list:
        raise RandomnessError("a seed needs at least one slot")
    return sm3(SEED_DOMAIN + canonical.dumps({"draw": draw, "slots": list(slot_list)})).hex()


def _block(seed_hex: str, label: str, counter: int) -> int:
    body = canonical.dumps({"seed": seed_hex, "label": label, "counter": counter})
    return int.from_bytes(sm3(STREAM_DOMAIN + body), "big")


def uniform(seed_hex: str, n: int, label: str = "") -> int:
    """An integer in [0, n), uniform: SM3 blocks of (seed, label, counter) below the largest multiple of n
    under 2^256 are taken modulo n; a block above it is skipped (no modulo bias)."""
    if not isinstance(n, int) or n < 1:
        raise RandomnessError("n is a positive integer")
    limit = (1 << 256) - (1 << 256) % n
    counter = 0
    while True:
        block = _block(seed_hex, label, counter)
        if block < limit:
            return block % n
        counter += 1  # pragma: no cover  (probability below n / 2^256)


def choose(seed_hex: str, options: Sequence[str], label: str = "") -> str:
    """One of `options`, uniformly."""
    if not options:
        raise RandomnessError("there is nothing to choose from")
    return options[uniform(seed_hex, len(options), label)]


def permutation(seed_hex: str, n: int, label: str = "") -> list[int]:
    """A uniform permutation of range(n): Fisher–Yates from the end, step i drawing `uniform(…, i + 1)`
    under the label "<label>/<i>"."""
    if not isinstance(n, int) or n < 0:
        raise RandomnessError("n is a non-negative integer")
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = uniform(seed_hex, i + 1, f"{label}/{i}")
        order[i], order[j] = order[j], order[i]
    return order


def ordering(seed_hex: str, n: int, label: str = "") -> Iterator[int]:
    """A uniform permutation of range(n), produced lazily from the front: Fisher–Yates where step i draws
    `uniform(…, n - i)` under the label "<label>/<i>" and swaps position i with i plus that (a sparse swap
    table, so taking the first k costs k draws whatever n is). An expert draw walks it as far as declines
    take it; an auditor recomputes the same positions."""
    if not isinstance(n, int) or n < 0:
        raise RandomnessError("n is a non-negative integer")
    swapped: dict[int, int] = {}
    for i in range(n):
        j = i + uniform(seed_hex, n - i, f"{label}/{i}")
        at_i, at_j = swapped.get(i, i), swapped.get(j, j)
        swapped[j] = at_i
        swapped.pop(i, None)
        yield at_j


def derived(seed_hex: str, derive: dict[str, Any]) -> Any:
    """What a draw's `derive` takes from its seed: the seed itself, a chosen option, or a permutation."""
    kind = derive.get("kind") if isinstance(derive, dict) else None
    if kind == "seed":
        return seed_hex
    if kind == "choose":
        options = derive.get("options")
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise RandomnessError("choose takes a list of options (strings)")
        return choose(seed_hex, options, str(derive.get("label", "")))
    if kind == "permutation":
        return permutation(seed_hex, derive.get("n"), str(derive.get("label", "")))  # type: ignore[arg-type]
    raise RandomnessError("derive is seed, choose or permutation")
