"""The structured opening sheet (开标一览表) inside a sealed bid: a versioned JSON schema
(`schemas/opening-sheet-v1.json`, JSON Schema 2020-12), checked by the bidder's client before sealing
and by the platform's opener after decrypting. Money is integer fen; rates and discounts are decimal
strings in percent."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from ggzy_sm.errors import CryptoError

SCHEMA = "ggzy-opening-sheet-v1"
#: What a sealed bid is (docs/sealed-bid-format.md §3, the header's optional `envelope`): the whole bid
#: (no `envelope` in the header), or the technical or the price envelope of a two-envelope bid (双信封).
ENVELOPES = ("single", "technical", "price")


class SheetError(CryptoError):
    """The opening sheet does not follow its schema; `where` is the JSON path of the first problem."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where


@cache
def schema() -> dict[str, Any]:
    """The JSON schema of ggzy-opening-sheet-v1 (published as is, for tool vendors)."""
    text = resources.files("ggzy_sm").joinpath("schemas/opening-sheet-v1.json").read_text("utf-8")
    return dict(json.loads(text))


def _is_integer(checker: Any, instance: Any) -> bool:
    """JSON Schema counts 100.0 as an integer; money in fen must be a true integer, never a float."""
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _validator() -> Any:
    base = jsonschema.Draft202012Validator
    base.check_schema(schema())
    strict = jsonschema.validators.extend(
        base, type_checker=base.TYPE_CHECKER.redefine("integer", _is_integer)
    )
    return strict(schema())


def check(sheet: Any, envelope: str = "single") -> dict[str, Any]:
    """`sheet` if it follows the schema and states the price exactly when `envelope` does (a single bid's
    sheet and a price envelope's have it; a technical envelope's has none: its price is sealed apart);
    else SheetError naming the first problem's place."""
    if envelope not in ENVELOPES:
        raise SheetError("/", f"the envelope is one of {', '.join(ENVELOPES)}, not {envelope!r}")
    first = jsonschema.exceptions.best_match(_validator().iter_errors(sheet))
    if first is not None:
        where = "/".join(str(p) for p in first.absolute_path) or "/"
        raise SheetError(where, f"the opening sheet does not follow {SCHEMA} at {where}: {first.message}")
    if envelope == "technical" and "price" in sheet:
        raise SheetError(
            "price",
            f"the opening sheet does not follow {SCHEMA} at price: a technical envelope states no price"
            " (the price is sealed in the price envelope)",
        )
    if envelope != "technical" and "price" not in sheet:
        raise SheetError(
            "/", f"the opening sheet does not follow {SCHEMA} at /: 'price' is a required property"
        )
    return dict(sheet)


def price_of(sheet: dict[str, Any]) -> tuple[str, Decimal]:
    """(kind, value): an amount in yuan (Decimal, 2 places), or a rate / discount in percent."""
    price = sheet["price"]
    if price["kind"] == "amount":
        return "amount", (Decimal(price["fen"]) / 100).quantize(Decimal("0.01"))
    return str(price["kind"]), Decimal(price["percent"])
