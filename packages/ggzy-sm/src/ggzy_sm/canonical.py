"""The canonical payload profile `ggzy-canonical-v1`: one byte string for one value, forever.

An event's payload is hashed into the witness log and re-hashed years later, possibly by code
that is not this code. So the bytes must follow a written profile, not a library's habits:

* serialisation is RFC 8785 (JSON Canonicalization Scheme): keys sorted by UTF-16 code units, no
  insignificant whitespace, minimal string escaping, UTF-8;
* no floating point anywhere: a `float` is refused;
* integers only within ±(2^53 − 1) (RFC 8785 / I-JSON); money is an integer number of fen;
* decimals only with a declared scale — `Fixed(Decimal("1.5"), 2)` is the string `"1.50"`; a bare
  `Decimal` is refused (its scale is an accident of how it was written), and a value with more
  digits than its scale is refused rather than rounded;
* instants only as aware datetimes, written in UTC with microseconds: `"2026-11-28T01:02:03.000004Z"`;
  a naive datetime is refused; dates as `"YYYY-MM-DD"`;
* strings as they are (no Unicode normalisation); UUIDs in lower-case hex with hyphens; enums by value;
* mapping keys must be strings; tuples and lists are arrays; `None`, `True`, `False` as JSON.

Every payload the platform records carries `"profile": "ggzy-canonical-v1"`.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import rfc8785

PROFILE = "ggzy-canonical-v1"
MAX_SAFE_INTEGER = 2**53 - 1

JSONValue = None | bool | int | str | list["JSONValue"] | dict[str, "JSONValue"]


class CanonicalError(ValueError):
    """A value the profile cannot represent; `path` says where (e.g. `$.bids[2].price`)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Fixed:
    """A decimal with a declared scale (digits after the point), e.g. a rate or a discount.

    `Fixed(Decimal("1.5"), 2)` and `Fixed(Decimal("1.50"), 2)` are the same canonical value."""

    value: Decimal
    scale: int

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal) or not self.value.is_finite():
            raise CanonicalError("$", "Fixed needs a finite Decimal")
        if not 0 <= self.scale <= 18:  # noqa: PLR2004
            raise CanonicalError("$", "Fixed scale must be between 0 and 18")
        quantum = Decimal(1).scaleb(-self.scale)
        if self.value.quantize(quantum) != self.value:
            raise CanonicalError("$", f"{self.value} has more than {self.scale} decimal places")

    def text(self) -> str:
        quantized = self.value.quantize(Decimal(1).scaleb(-self.scale))
        if quantized.is_zero():
            quantized = abs(quantized)  # no "-0.00"
        return f"{quantized:f}"


def format_instant(value: dt.datetime) -> str:
    """An aware datetime as RFC 3339 UTC with microseconds."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise CanonicalError("$", "naive datetime: give it a time zone")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonicalize(value: Any, path: str = "$") -> JSONValue:  # noqa: PLR0911, PLR0912
    """The plain JSON tree of `value` under the profile, or CanonicalError naming the place."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return canonicalize(value.value, path)
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalError(path, f"integer {value} is outside ±(2^53 − 1)")
        return int(value)
    if isinstance(value, float):
        raise CanonicalError(path, "floats are not allowed: use integer fen or Fixed(Decimal, scale)")
    if isinstance(value, Decimal):
        raise CanonicalError(path, "a Decimal needs a fixed scale: wrap it in Fixed(value, scale)")
    if isinstance(value, Fixed):
        return value.text()
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise CanonicalError(path, "string is not valid Unicode") from exc
        return str.__str__(value)
    if isinstance(value, dt.datetime):
        try:
            return format_instant(value)
        except CanonicalError as exc:
            raise CanonicalError(path, exc.reason) from exc
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        out: dict[str, JSONValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(path, f"mapping key {key!r} is not a string")
            out[str.__str__(key)] = canonicalize(item, f"{path}.{key}")
        return out
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [canonicalize(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise CanonicalError(path, f"{type(value).__name__} is not part of the profile")


def dumps(value: Any) -> bytes:
    """The canonical bytes of `value` (checked against the profile, then RFC 8785)."""
    return bytes(rfc8785.dumps(canonicalize(value)))
