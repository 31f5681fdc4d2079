"""The draw itself, as a pure function of the fixed eligible list and the seed (no database): each
specialty's order is the lazy uniform permutation `ggzy_sm.randomness.ordering(seed, n, "experts.<code>")`
of its sorted eligible list; specialties are served in code order; each takes its members, then its
reserves, from the front of its order, passing over an expert already called for another specialty; a
decline (or a timeout) calls the next expert of the same order after the last one called there — never a new
seed. `replay` recomputes every call from the list, the seed and the order in which calls were declined:
what `ggzy experts verify-draw` compares with the recorded calls."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from ggzy_sm.randomness import ordering


@dataclass(frozen=True)
class Seat:
    specialty: str
    position: int  # in the specialty's order
    expert: str  # the expert's uid
    role: str  # principal, reserve, replacement


def label(code: str) -> str:
    return f"experts.{code}"


def _next(seed: str, code: str, listed: list[str], after: int, taken: set[str]) -> tuple[int, str] | None:
    """The first position after `after` in `code`'s order whose expert is not taken."""
    for position, index in enumerate(
        islice(ordering(seed, len(listed), label(code)), after + 1, None), after + 1
    ):
        if listed[index] not in taken:
            return position, listed[index]
    return None


class Walk:
    """The calls of one request as they are made: the positions reached in each specialty's order."""

    def __init__(self, seed: str, eligible: dict[str, list[str]]) -> None:
        self.seed = seed
        self.eligible = eligible
        self.taken: set[str] = set()
        self.reached: dict[str, int] = dict.fromkeys(eligible, -1)
        self.seats: list[Seat] = []

    def call(self, code: str, role: str) -> Seat | None:
        found = _next(self.seed, code, self.eligible.get(code, []), self.reached.get(code, -1), self.taken)
        if found is None:
            return None
        position, uid = found
        seat = Seat(code, position, uid, role)
        self.reached[code] = position
        self.taken.add(uid)
        self.seats.append(seat)
        return seat

    def first(self, needs: dict[str, dict[str, int]]) -> list[Seat]:
        """The first calls: for each specialty in code order, its members, then its reserves."""
        made = []
        for code in sorted(needs):
            for role, key in (("principal", "count"), ("reserve", "reserves")):
                for _ in range(int(needs[code].get(key, 0))):
                    seat = self.call(code, role)
                    if seat is not None:
                        made.append(seat)
        return made


def replay(
    seed: str, eligible: dict[str, list[str]], needs: dict[str, dict[str, int]], declined: Iterable[int]
) -> Walk:
    """Every call of a request, in order (`.seats`): the first calls, then one replacement for each call
    declined (or timed out), given as indexes into the calls in the order their replacements were made."""
    walk = Walk(seed, eligible)
    walk.first(needs)
    for index in declined:
        walk.call(walk.seats[index].specialty, "replacement")
    return walk
