"""The opening sheet's schema (ggzy-opening-sheet-v1): what it accepts, what it refuses and where."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from ggzy_sm import openingsheet
from ggzy_sm.errors import CryptoError
from ggzy_sm.openingsheet import SheetError

BASE = {"schema": "ggzy-opening-sheet-v1"}
FULL = {
    **BASE,
    "price": {"kind": "amount", "fen": 1234567800},
    "duration_days": 365,
    "quality": "合格",
    "project_manager": {"name": "李建国", "certificate": "辽221212345678"},
    "other": [{"item": "安全文明施工费", "value": "按规定计取"}],
}


@pytest.mark.parametrize(
    "sheet",
    [
        {**BASE, "price": {"kind": "amount", "fen": 0}},
        {**BASE, "price": {"kind": "amount", "fen": 999999999999999}},
        {**BASE, "price": {"kind": "rate", "percent": "3.5"}},
        {**BASE, "price": {"kind": "rate", "percent": "0"}},
        {**BASE, "price": {"kind": "discount", "percent": "95.1234"}},
        {**BASE, "price": {"kind": "discount", "percent": "100.0000"}},
        FULL,
    ],
)
def test_valid_sheets_of_each_price_kind(sheet: dict[str, Any]) -> None:
    assert openingsheet.check(sheet) == sheet


@pytest.mark.parametrize(
    ("sheet", "where"),
    [
        ({**BASE, "price": {"kind": "amount", "fen": 12.5}}, "price/fen"),  # a float
        ({**BASE, "price": {"kind": "amount", "fen": "1234"}}, "price/fen"),  # fen as a string
        ({**BASE, "price": {"kind": "amount", "fen": True}}, "price/fen"),  # a boolean is not a number of fen
        ({**BASE, "price": {"kind": "amount", "fen": -1}}, "price/fen"),  # negative fen
        ({**BASE, "price": {"kind": "amount", "fen": 10**15}}, "price/fen"),  # above the maximum
        ({**BASE, "price": {"kind": "bonus", "fen": 1}}, "price"),  # unknown kind
        ({**BASE, "price": {"kind": "rate", "percent": 3.5}}, "price/percent"),  # a rate given as a number
        ({**BASE, "price": {"kind": "rate", "percent": "3.12345"}}, "price/percent"),  # more than 4 decimals
        ({**BASE, "price": {"kind": "discount", "percent": "100.5"}}, "price/percent"),  # above 100 %
        ({**BASE, "price": {"kind": "rate", "percent": "3.5%"}}, "price/percent"),
        ({**BASE, "price": {"kind": "amount", "fen": 1, "yuan": "0.01"}}, "price"),  # extra field in price
        ({**FULL, "bonus": "free"}, "/"),  # extra field
        ({"price": {"kind": "amount", "fen": 1}}, "/"),  # no "schema"
        ({"schema": "ggzy-opening-sheet-v2", "price": {"kind": "amount", "fen": 1}}, "schema"),
        ({**FULL, "duration_days": 0}, "duration_days"),
        ({**FULL, "project_manager": {"certificate": "x"}}, "project_manager"),  # no name
        ({**FULL, "other": [{"item": "a", "value": "b", "note": "c"}]}, "other/0"),
        ([FULL], "/"),  # not an object
    ],
)
def test_refusals_name_the_place(sheet: Any, where: str) -> None:
    with pytest.raises(SheetError) as caught:
        openingsheet.check(sheet)
    assert caught.value.where == where
    assert f"ggzy-opening-sheet-v1 at {where}" in str(caught.value)
    assert isinstance(caught.value, CryptoError)


def test_price_of_gives_decimal_yuan_for_fen_and_percent_for_rates() -> None:
    kind, yuan = openingsheet.price_of(FULL)
    assert (kind, yuan) == ("amount", Decimal("12345678.00"))
    assert isinstance(yuan, Decimal)
    assert yuan.as_tuple().exponent == -2  # always two places, never a float
    assert openingsheet.price_of({**BASE, "price": {"kind": "amount", "fen": 1}}) == (
        "amount",
        Decimal("0.01"),
    )
    assert str(openingsheet.price_of({**BASE, "price": {"kind": "amount", "fen": 0}})[1]) == "0.00"
    assert openingsheet.price_of({**BASE, "price": {"kind": "rate", "percent": "3.5"}}) == (
        "rate",
        Decimal("3.5"),
    )
    assert openingsheet.price_of({**BASE, "price": {"kind": "discount", "percent": "95.1234"}}) == (
        "discount",
        Decimal("95.1234"),
    )


def test_the_schema_is_published_with_the_package() -> None:
    published = openingsheet.schema()
    jsonschema.Draft202012Validator.check_schema(published)
    assert published["$id"] == "urn:ggzy:opening-sheet-v1"
    assert published["properties"]["schema"] == {"const": openingsheet.SCHEMA}
    assert published["additionalProperties"] is False
