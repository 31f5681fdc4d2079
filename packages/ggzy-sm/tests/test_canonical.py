"""The canonical payload profile: refusals, fixed forms, and a property test that equal values
written in different Python forms give the same bytes and round-trip."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy_sm.canonical import MAX_SAFE_INTEGER, CanonicalError, Fixed, canonicalize, dumps

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_known_bytes() -> None:
    value = {
        "price": 123456789,
        "rate": Fixed(Decimal("3.5"), 2),
        "at": dt.datetime(2026, 11, 28, 9, 30, tzinfo=SHANGHAI),
        "day": dt.date(2026, 12, 1),
        "名称": "工程",
        "ok": True,
        "none": None,
        "list": (1, "a"),
    }
    assert (
        dumps(value)
        == (
            '{"at":"2026-11-28T01:30:00.000000Z","day":"2026-12-01","list":[1,"a"],"none":null,'
            '"ok":true,"price":123456789,"rate":"3.50","名称":"工程"}'
        ).encode()
    )


def test_keys_sort_by_utf16_code_units() -> None:
    # U+FF61 sorts after U+1F600 in UTF-16 (0xFF61 > 0xD83D) but before it in code points
    assert dumps({"\U0001f600": 1, "\uff61": 2}) == '{"\U0001f600":1,"\uff61":2}'.encode()


@pytest.mark.parametrize(
    ("value", "where", "why"),
    [
        ({"price": 1.5}, "$.price", "floats"),
        ({"rate": Decimal("1.5")}, "$.rate", "fixed scale"),
        ({"at": dt.datetime(2026, 1, 1, 12, 0)}, "$.at", "naive"),  # noqa: DTZ001
        ({"n": [MAX_SAFE_INTEGER + 1]}, "$.n[0]", "outside"),
        ({1: "x"}, "$", "not a string"),
        ({"b": b"\x00"}, "$.b", "not part of the profile"),
        ({"s": "\ud800"}, "$.s", "Unicode"),
        ({"x": object()}, "$.x", "not part of the profile"),
    ],
)
def test_refusals_name_the_place(value: object, where: str, why: str) -> None:
    with pytest.raises(CanonicalError) as caught:
        dumps(value)
    assert caught.value.path == where
    assert why in caught.value.reason


def test_fixed_refuses_more_digits_than_its_scale_instead_of_rounding() -> None:
    with pytest.raises(CanonicalError, match="more than 2 decimal places"):
        Fixed(Decimal("1.555"), 2)
    with pytest.raises(CanonicalError, match="finite"):
        Fixed(Decimal("NaN"), 2)
    assert Fixed(Decimal("-0.00"), 2).text() == "0.00"
    assert Fixed(Decimal("12E+2"), 1).text() == "1200.0"


def test_uuid_and_enum() -> None:
    import enum

    class Colour(enum.StrEnum):
        RED = "red"

    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert dumps([u, Colour.RED]) == b'["12345678-1234-5678-1234-567812345678","red"]'


# --- property tests -------------------------------------------------------------------------------
zones = st.sampled_from(
    [dt.UTC, SHANGHAI, zoneinfo.ZoneInfo("America/New_York"), dt.timezone(dt.timedelta(hours=-3))]
)
instants = st.datetimes(
    min_value=dt.datetime(1970, 1, 2),  # noqa: DTZ001  (hypothesis bounds are naive)
    max_value=dt.datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)
scales = st.integers(min_value=0, max_value=6)
safe_ints = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
leaves = st.one_of(st.none(), st.booleans(), safe_ints, st.text(max_size=20), instants)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(instant=instants, zone_a=zones, zone_b=zones)
def test_the_same_instant_in_any_zone_gives_the_same_bytes(
    instant: dt.datetime, zone_a: dt.tzinfo, zone_b: dt.tzinfo
) -> None:
    a, b = instant.astimezone(zone_a), instant.astimezone(zone_b)
    assert hashlib.sha256(dumps({"t": a})).digest() == hashlib.sha256(dumps({"t": b})).digest()


@given(
    units=st.integers(min_value=-(10**15), max_value=10**15),
    scale=scales,
    extra=st.integers(min_value=0, max_value=4),
)
def test_the_same_fixed_value_written_with_more_zeros_gives_the_same_bytes(
    units: int, scale: int, extra: int
) -> None:
    short = Decimal(units).scaleb(-scale)
    padded = Decimal(units * 10**extra).scaleb(-(scale + extra))  # e.g. 1.5 vs 1.50
    assert short == padded
    assert dumps(Fixed(short, scale + extra)) == dumps(Fixed(padded, scale + extra))


@given(tree=trees)
def test_round_trip_is_a_fixed_point(tree: object) -> None:
    once = dumps(tree)
    parsed = json.loads(once)
    assert parsed == canonicalize(tree)
    assert dumps(parsed) == once
