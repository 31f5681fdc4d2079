"""How the pool draws, without HTTP or files (docs/expert-pool-interface.md, "The rules" and "The order"):
which rules exclude an expert from a draw, the draw itself — per specialty a full order of the eligible
experts by the pool's own randomness, the first ones seated — and a replacement, which walks that order
further and never draws again.

**The rules** (an expert excluded by several is counted under each):

    status           not active (suspended)
    unavailable      the evaluation's day (Asia/Shanghai) is not among the expert's available dates
    region           outside every region of `within` (when it names any), or inside one of `outside`
    employer         the current employer, or an employer whose dates cover the evaluation's day, is in
                     the avoidance list's organisations
    former_employer  procurement only: a past employer that the expert left within the three years
                     before the evaluation's day (on or after that day three years earlier) is in them
    person           the expert's person hash is in the avoidance list's persons

**A draw** takes the specialties in the order asked. For each, the candidates are the experts holding the
specialty code; the eligible are the candidates no rule excludes; the order is the eligible shuffled by
the pool's randomness (`secrets.SystemRandom`: the platform cannot predict or replay it). Walking the
order, an expert already seated for an earlier specialty is passed over; the first `experts` are seated
as principals, the next `reserves` as reserves. A specialty with too few (eligible less those seated
earlier) leaves the draw short: it is refused whole.

**A replacement** of a seat walks on: for a principal, the specialty's standing reserves first, in their
order (not declined, not replaced, and passing every rule again — a reserve that no longer does is marked
excluded and passed over); then, for a principal or a reserve, the order from where the draw (or the
last replacement) stopped, passing over whoever is already seated and whoever a rule now excludes. The
order is never shuffled again.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ggzy_expertpool import records

RULES = ("status", "unavailable", "region", "employer", "former_employer", "person")
PRINCIPAL, RESERVE = "principal", "reserve"


@dataclass(frozen=True)
class Terms:
    """What a draw (and each of its replacements) is judged by."""

    day: dt.date
    procurement: bool
    within: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()
    organisations: frozenset[str] = frozenset()
    persons: frozenset[str] = frozenset()

    @classmethod
    def of(cls, draw: Mapping[str, Any]) -> Terms:
        """The terms a stored draw was made (and is replaced) under."""
        return cls(
            day=dt.date.fromisoformat(draw["day"]),
            procurement=draw["procurement"],
            within=tuple(draw["regions"]["within"]),
            outside=tuple(draw["regions"]["outside"]),
            organisations=frozenset(draw["avoid"]["organisations"]),
            persons=frozenset(draw["avoid"]["persons"]),
        )


@dataclass(frozen=True)
class Need:
    specialty: str
    experts: int
    reserves: int


def _covers(past: Mapping[str, Any], day: dt.date) -> bool:
    """Whether a past employment's dates cover `day`."""
    return bool(past["from"] <= day.isoformat() <= past["to"])


def exclusions(expert: Mapping[str, Any], terms: Terms) -> list[str]:
    """The rules that exclude `expert` under `terms`, in the order of RULES ([] for an eligible one)."""
    found = []
    if expert["status"] != "active":
        found.append("status")
    if terms.day.isoformat() not in expert["available"]:
        found.append("unavailable")
    place = expert["region"]
    if (terms.within and not any(records.covers(code, place) for code in terms.within)) or any(
        records.covers(code, place) for code in terms.outside
    ):
        found.append("region")
    avoided = terms.organisations
    if expert["employer"]["uscc"] in avoided or any(
        past["uscc"] in avoided and _covers(past, terms.day) for past in expert["history"]
    ):
        found.append("employer")
    if terms.procurement:
        since = records.three_years_before(terms.day).isoformat()
        if any(
            past["uscc"] in avoided and since <= past["to"] < terms.day.isoformat()
            for past in expert["history"]
        ):
            found.append("former_employer")
    if expert["id_hash"] in terms.persons:
        found.append("person")
    return found


def no_exclusions() -> dict[str, int]:
    return dict.fromkeys(RULES, 0)


def sift(
    experts: Mapping[str, Mapping[str, Any]], code: str, terms: Terms
) -> tuple[int, dict[str, int], list[str]]:
    """(candidates, excluded per rule, the eligible ids in id order) of specialty `code`."""
    excluded = no_exclusions()
    eligible = []
    candidates = sorted(i for i, expert in experts.items() if code in expert["specialties"])
    for expert_id in candidates:
        found = exclusions(experts[expert_id], terms)
        for rule in found:
            excluded[rule] += 1
        if not found:
            eligible.append(expert_id)
    return len(candidates), excluded, eligible


@dataclass
class Plan:
    """A draw as decided: per specialty its counts and its order, where the walk stopped, the seats."""

    specialties: list[dict[str, Any]] = field(default_factory=list)
    orders: dict[str, list[str]] = field(default_factory=dict)
    cursors: dict[str, int] = field(default_factory=dict)
    seats: list[dict[str, Any]] = field(default_factory=list)

    @property
    def short(self) -> bool:
        return any(entry["short"] for entry in self.specialties)


def seat_make(
    number: int,
    code: str,
    role: str,
    rank: int,
    expert: Mapping[str, Any],
    *,
    called_at: str,
    answer_by: str,
    replaces: int | None = None,
) -> dict[str, Any]:
    """A seat of the list: the expert's card as it was when seated, and its answers to come."""
    return {
        "seat": number,
        "specialty": code,
        "role": role,
        "rank": rank,
        "expert": expert["id"],
        "card": records.card(expert),
        "called_at": called_at,
        "answer_by": answer_by,
        "answer": None,
        "answered_at": None,
        "channel": None,
        "replaces": replaces,
        "replaced_by": None,
        "replaced_reason": None,
        "excluded": None,
    }


def plan(
    experts: Mapping[str, Mapping[str, Any]],
    needs: Sequence[Need],
    terms: Terms,
    rng: random.Random,
    *,
    called_at: str,
    answer_by: str,
) -> Plan:
    """The draw of `needs` from `experts` under `terms`, shuffled by `rng` (see the module's docstring)."""
    out = Plan()
    seated: set[str] = set()
    for need in needs:
        candidates, excluded, eligible = sift(experts, need.specialty, terms)
        order = list(eligible)
        rng.shuffle(order)
        elsewhere = len(seated.intersection(eligible))
        wanted = need.experts + need.reserves
        chosen: list[tuple[int, str]] = []
        cursor = 0
        while cursor < len(order) and len(chosen) < wanted:
            expert_id = order[cursor]
            cursor += 1
            if expert_id not in seated:
                chosen.append((cursor, expert_id))
                seated.add(expert_id)
        for index, (rank, expert_id) in enumerate(chosen):
            role = PRINCIPAL if index < need.experts else RESERVE
            out.seats.append(
                seat_make(
                    len(out.seats) + 1,
                    need.specialty,
                    role,
                    rank,
                    experts[expert_id],
                    called_at=called_at,
                    answer_by=answer_by,
                )
            )
        out.orders[need.specialty] = order
        out.cursors[need.specialty] = cursor
        out.specialties.append(
            {
                "specialty": need.specialty,
                "experts": need.experts,
                "reserves": need.reserves,
                "candidates": candidates,
                "excluded": excluded,
                "eligible": len(eligible),
                "drawn_elsewhere": elsewhere,
                "short": wanted - len(chosen),
            }
        )
    return out


def skipped_none() -> dict[str, int]:
    return {**no_exclusions(), "seated": 0, "declined": 0}


def _count(skipped: dict[str, int], rules: Iterable[str]) -> None:
    for rule in rules:
        skipped[rule] += 1


def take(
    draw: dict[str, Any],
    replaced: dict[str, Any],
    experts: Mapping[str, Mapping[str, Any]],
    *,
    called_at: str,
    answer_by: str,
) -> tuple[dict[str, Any] | None, dict[str, int]]:
    """Who takes `replaced`'s place in `draw` (changed in place: a reserve promoted, or a seat appended,
    and where the walk stopped), and what was passed over on the way, per rule ("seated": already on the
    list; "declined": a reserve who declined). None when the order is used up."""
    terms = Terms.of(draw)
    code = replaced["specialty"]
    skipped = skipped_none()
    if replaced["role"] == PRINCIPAL:
        standing = sorted(
            (
                seat
                for seat in draw["seats"]
                if seat["specialty"] == code
                and seat["role"] == RESERVE
                and seat["replaced_by"] is None
                and seat["excluded"] is None
            ),
            key=lambda seat: seat["rank"],
        )
        for seat in standing:
            if seat["answer"] == "decline":
                skipped["declined"] += 1
                continue
            found = exclusions(experts[seat["expert"]], terms)
            if found:
                seat["excluded"] = found[0]
                _count(skipped, found)
                continue
            seat.update(role=PRINCIPAL, replaces=replaced["seat"])
            return seat, skipped
    order: list[str] = draw["orders"][code]
    seated = {seat["expert"] for seat in draw["seats"]}
    cursor = draw["cursors"][code]
    while cursor < len(order):
        expert_id = order[cursor]
        cursor += 1
        if expert_id in seated:
            skipped["seated"] += 1
            continue
        found = exclusions(experts[expert_id], terms)
        if found:
            _count(skipped, found)
            continue
        seat = seat_make(
            len(draw["seats"]) + 1,
            code,
            replaced["role"],
            cursor,
            experts[expert_id],
            called_at=called_at,
            answer_by=answer_by,
            replaces=replaced["seat"],
        )
        draw["seats"].append(seat)
        draw["cursors"][code] = cursor
        return seat, skipped
    draw["cursors"][code] = cursor
    return None, skipped
