"""What the pool checks and how it draws, without HTTP: organisation codes and identity numbers with their
check characters, the person hash and the mask, region codes, experts refused with a reason — and the
draw against an independent oracle written from the avoidance rules themselves (not from the pool's
filter): nobody seated breaks a rule, the counts per rule are the oracle's, a draw is short exactly when
the oracle says too few remain, and a replacement takes the next one down the pool's own order."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy_expertpool import draw, records
from pool_world import DAY, SPECIALTY, expert, id_number, uscc


def test_organisation_codes_and_identity_numbers() -> None:
    assert records.uscc("91350100M000100Y43") == "91350100M000100Y43"  # a published example
    code = uscc(1)
    assert records.uscc(code) == code
    with pytest.raises(records.RecordError, match="check character"):
        records.uscc(code[:-1] + ("0" if code[-1] != "0" else "1"))
    with pytest.raises(records.RecordError, match="unified social credit code"):
        records.uscc(code.lower())
    assert records.id_number("11010519491231002X") == "11010519491231002X"  # GB 11643's example
    assert records.id_number("11010519491231002x") == "11010519491231002X"
    with pytest.raises(records.RecordError, match="check character"):
        records.id_number("110105194912310021")
    with pytest.raises(records.RecordError, match="birth date"):
        records.id_number("110105194902300025")
    assert records.masked("11010519491231002X") == "110105********002X"


def test_the_person_hash_is_the_same_on_both_sides() -> None:
    number = id_number(7)
    assert records.person_hash(number) == records.person_hash(number.lower())
    assert records.person_hash(number) != records.person_hash(id_number(8))
    assert len(records.person_hash(number)) == 64


def test_regions_cover_what_is_inside_them() -> None:
    assert records.covers("210000", "210102")  # Liaoning covers Shenyang's Heping district
    assert records.covers("210100", "210102")  # Shenyang covers it
    assert records.covers("210102", "210102")
    assert not records.covers("210200", "210102")  # Dalian does not
    assert not records.covers("220000", "210102")
    with pytest.raises(records.RecordError):
        records.region("010000")


def test_three_years_before() -> None:
    assert records.three_years_before(dt.date(2026, 3, 10)) == dt.date(2023, 3, 10)
    assert records.three_years_before(dt.date(2028, 2, 29)) == dt.date(2025, 2, 28)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"phone": "12345"}, "phone"),
        ({"id_number": "210102197001010011"}, "check character"),
        ({"specialties": []}, "specialties"),
        ({"specialties": [SPECIALTY, SPECIALTY]}, "twice"),
        ({"status": "retired"}, "status"),
        ({"available": ["2026-02-30"]}, "real date"),
        ({"employer": {"uscc": "91210100MA0000000X", "name": "x", "from": "2020-01-01"}}, "check character"),
        (
            {"history": [{"uscc": uscc(5), "name": "x", "from": "2020-01-01", "to": "2019-01-01"}]},
            "ends before",
        ),
        ({"extra": 1}, "unknown fields"),
    ],
)
def test_a_bad_expert_is_refused_with_its_reason(change: dict[str, Any], message: str) -> None:
    with pytest.raises(records.RecordError, match=message):
        records.batch_parse({"experts": [expert(1), expert(2, **change)]})


def test_an_expert_is_kept_masked_and_hashed() -> None:
    kept = records.batch_parse({"experts": [expert(1)]})["E00001"]
    assert "id_number" not in kept
    assert kept["id_masked"] == id_number(1)[:6] + "********" + id_number(1)[-4:]
    assert kept["id_hash"] == records.person_hash(id_number(1))
    assert records.expert_check(kept) == kept
    with pytest.raises(records.RecordError, match="twice"):
        records.batch_parse({"experts": [expert(1), expert(1)]})


# --- the draw against an independent oracle ------------------------------------------------------------


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _inside(code: str, place: str) -> bool:
    """Region `place` lies in `code`: by the GB/T 2260 levels, province, city, county."""
    level = 2 if code[2:] == "0000" else 4 if code[4:] == "00" else 6
    return place[:level] == code[:level]


def oracle(expert: dict[str, Any], terms: dict[str, Any]) -> set[str]:
    """The rules `expert` breaks, read off the rules as written (docs/expert-pool-interface.md)."""
    day: dt.date = terms["day"]
    broken = set()
    if expert["status"] == "suspended":
        broken.add("status")
    if day not in {_day(d) for d in expert["available"]}:
        broken.add("unavailable")
    if terms["within"] and not any(_inside(c, expert["region"]) for c in terms["within"]):
        broken.add("region")
    if any(_inside(c, expert["region"]) for c in terms["outside"]):
        broken.add("region")
    listed = set(terms["organisations"])
    if expert["employer"]["uscc"] in listed:
        broken.add("employer")
    for past in expert["history"]:
        began, ended = _day(past["from"]), _day(past["to"])
        if past["uscc"] in listed and began <= day <= ended:
            broken.add("employer")
        three_years = (
            day.replace(year=day.year - 3)
            if (day.month, day.day) != (2, 29)
            else day.replace(year=day.year - 3, day=28)
        )
        if terms["procurement"] and past["uscc"] in listed and three_years <= ended < day:
            broken.add("former_employer")
    if expert["id_hash"] in set(terms["persons"]):
        broken.add("person")
    return broken


ORGS = [uscc(100 + i) for i in range(6)]
REGIONS = ["210102", "210103", "210202", "211002"]
SPECIALTIES = [SPECIALTY, "C020101", "D030101"]
DATES = ["2019-01-01", "2022-06-30", "2023-03-09", "2023-03-10", "2024-12-31", "2026-03-09", "2026-03-10"]


@st.composite
def pools(draw_: st.DrawFn) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    count = draw_(st.integers(min_value=0, max_value=40))
    experts = {}
    for serial in range(count):
        history = []
        for _ in range(draw_(st.integers(min_value=0, max_value=2))):
            began, ended = sorted(draw_(st.lists(st.sampled_from(DATES), min_size=2, max_size=2)))
            history.append({"uscc": draw_(st.sampled_from(ORGS)), "name": "单位", "from": began, "to": ended})
        loaded = expert(
            serial,
            specialties=draw_(st.lists(st.sampled_from(SPECIALTIES), min_size=1, max_size=3, unique=True)),
            region=draw_(st.sampled_from(REGIONS)),
            employer={"uscc": draw_(st.sampled_from(ORGS)), "name": "单位", "from": "2020-01-01"},
            history=history,
            status=draw_(st.sampled_from(["active", "active", "active", "suspended"])),
            available=draw_(st.sampled_from([[DAY], [DAY, "2026-03-11"], [DAY], ["2026-03-11"], []])),
        )
        kept = records.expert_parse(loaded)
        experts[kept["id"]] = kept
    hashes = [e["id_hash"] for e in experts.values()]
    terms = {
        "day": _day(DAY),
        "procurement": draw_(st.booleans()),
        "within": draw_(st.lists(st.sampled_from(["210000", "210100", "210103"]), max_size=2, unique=True)),
        "outside": draw_(st.lists(st.sampled_from(["210200", "211000"]), max_size=1, unique=True)),
        "organisations": draw_(st.lists(st.sampled_from(ORGS), max_size=3, unique=True)),
        "persons": draw_(st.lists(st.sampled_from(hashes), max_size=3, unique=True)) if hashes else [],
    }
    return experts, terms


def _terms(terms: dict[str, Any]) -> draw.Terms:
    return draw.Terms(
        day=terms["day"],
        procurement=terms["procurement"],
        within=tuple(terms["within"]),
        outside=tuple(terms["outside"]),
        organisations=frozenset(terms["organisations"]),
        persons=frozenset(terms["persons"]),
    )


@settings(max_examples=150, deadline=None)
@given(pools(), st.integers(min_value=1, max_value=4), st.integers(min_value=0, max_value=2), st.randoms())
def test_a_draw_keeps_every_rule_and_counts_as_the_oracle(
    world: tuple[dict[str, dict[str, Any]], dict[str, Any]], experts_: int, reserves: int, rng: random.Random
) -> None:
    experts, terms = world
    needs = [draw.Need(SPECIALTY, experts_, reserves), draw.Need("C020101", 1, 0)]
    planned = draw.plan(experts, needs, _terms(terms), rng, called_at="x", answer_by="y")
    seated = [seat["expert"] for seat in planned.seats]
    assert len(set(seated)) == len(seated)  # nobody twice
    for seat in planned.seats:
        assert oracle(experts[seat["expert"]], terms) == set()
        assert seat["specialty"] in experts[seat["expert"]]["specialties"]
    taken: set[str] = set()
    for need, counted in zip(needs, planned.specialties, strict=True):
        holders = [e for e in experts.values() if need.specialty in e["specialties"]]
        broken = [oracle(e, terms) for e in holders]
        assert counted["candidates"] == len(holders)
        assert counted["excluded"] == {rule: sum(rule in b for b in broken) for rule in draw.RULES}
        eligible = {e["id"] for e, b in zip(holders, broken, strict=True) if not b}
        assert counted["eligible"] == len(eligible)
        assert set(planned.orders[need.specialty]) == eligible  # a full order of the eligible
        left = len(eligible - taken)
        assert counted["short"] == max(0, need.experts + need.reserves - left)
        mine = [s for s in planned.seats if s["specialty"] == need.specialty]
        assert [s["role"] for s in mine] == (
            ["principal"] * min(need.experts, len(mine)) + ["reserve"] * max(0, len(mine) - need.experts)
        )
        order = planned.orders[need.specialty]
        # the seats are the first ones of the order not seated before
        assert [s["expert"] for s in mine] == [i for i in order if i not in taken][: len(mine)]
        assert [s["rank"] for s in mine] == [order.index(s["expert"]) + 1 for s in mine]
        taken |= {s["expert"] for s in mine}


@settings(max_examples=80, deadline=None)
@given(pools(), st.randoms(), st.lists(st.integers(min_value=0, max_value=30), max_size=6))
def test_replacements_walk_the_order_and_never_draw_again(
    world: tuple[dict[str, dict[str, Any]], dict[str, Any]], rng: random.Random, picks: list[int]
) -> None:
    experts, terms = world
    planned = draw.plan(
        experts, [draw.Need(SPECIALTY, 2, 1)], _terms(terms), rng, called_at="x", answer_by="y"
    )
    if planned.short:
        return
    stored = {
        "day": DAY,
        "procurement": terms["procurement"],
        "regions": {"within": terms["within"], "outside": terms["outside"]},
        "avoid": {"organisations": terms["organisations"], "persons": terms["persons"]},
        "orders": planned.orders,
        "cursors": planned.cursors,
        "seats": planned.seats,
    }
    order = list(planned.orders[SPECIALTY])
    for pick in picks:
        standing = [s for s in stored["seats"] if s["replaced_by"] is None and s["excluded"] is None]
        replaced = standing[pick % len(standing)]
        reserves = [s for s in standing if s["role"] == "reserve"]
        seated = {s["expert"] for s in stored["seats"]}
        expected = (
            reserves[0]["expert"]
            if replaced["role"] == "principal" and reserves
            else next((i for i in order if i not in seated), None)
        )
        taker, _skipped = draw.take(stored, replaced, experts, called_at="x", answer_by="y")
        assert stored["orders"][SPECIALTY] == order  # never shuffled again
        if expected is None:
            assert taker is None
            break
        assert taker is not None
        assert taker["expert"] == expected
        assert taker["role"] == replaced["role"]
        assert taker["replaces"] == replaced["seat"]
        assert oracle(experts[taker["expert"]], terms) == set()
        replaced["replaced_by"] = taker["seat"]
