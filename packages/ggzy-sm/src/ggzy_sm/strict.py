"""The conventions of the sealed-bid format 2 and the custodian protocol v2 (docs/sealed-bid-format.md,
"Conventions"), in one place for `sealedbid` and `custodians`: what a reader accepts, and nothing else.

An independent opener found that v1 was lenient where readers could disagree: a deadline with an
offset was opened, a naive one raised an exception, a float raised from deep inside the canonical
profile, a JSON text with a key twice was read as whatever the parser kept. Format 2 refuses them all
with a reason, so these helpers only say yes or no (ValueError), and the caller names the reason:

* **instants** are exactly `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds, `Z`; ASCII digits —
  `\\d` would take any script's, and `$` a final newline);
* **JSON texts** have no key twice, no float (nor `1e3`, nor `NaN`/`Infinity`), and are valid UTF-8;
  whether a text is also in canonical form is the caller's check (`canonical.dumps(value) == raw`);
* **hex** is lower case, and keys are `04 ‖ x ‖ y` on the curve.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from ggzy_sm import canonical
from ggzy_sm.errors import KeyMaterialError
from ggzy_sm.sm2 import Sm2PublicKey

INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
HEX64 = re.compile(r"[0-9a-f]{64}")
HEX32 = re.compile(r"[0-9a-f]{32}")
HEX = re.compile(r"(?:[0-9a-f]{2})+")
PUBLIC_KEY = re.compile(r"04[0-9a-f]{128}")
SIGNATURE = re.compile(r"[0-9a-f]{128}")
TENDER_PROJECT = re.compile(r"[A-Z][0-9]{19}")
SECTION = re.compile(r"[A-Z][0-9]{22}")


def parse_instant(text: Any) -> dt.datetime:
    """An aware UTC datetime from exactly `YYYY-MM-DDTHH:MM:SS.ffffffZ`; ValueError for anything else
    (an offset, no fraction, a naive time, a number, 30 February)."""
    if not isinstance(text, str) or not INSTANT.fullmatch(text):
        raise ValueError(f"{text!r} is not an RFC 3339 UTC instant with microseconds and Z")
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def instant(value: Any) -> str:
    """An aware datetime as the format writes it; ValueError for a naive one, a float, anything else."""
    if not isinstance(value, dt.datetime):
        raise ValueError(f"an instant is an aware datetime, not {type(value).__name__}")  # noqa: TRY004  (one refusal for every wrong value)
    try:
        return canonical.format_instant(value)
    except canonical.CanonicalError as exc:
        raise ValueError("a naive datetime is not an instant: give it its time zone") from exc


def is_int(value: Any) -> bool:
    """A JSON integer (not a boolean, which Python counts as one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_text(value: Any, most: int | None = None) -> bool:
    """A non-empty string (of at most `most` characters)."""
    return isinstance(value, str) and bool(value) and (most is None or len(value) <= most)


def exact(value: Any, fields: frozenset[str] | set[str]) -> bool:
    """An object with exactly these fields."""
    return isinstance(value, dict) and set(value) == set(fields)


def public_key(text: Any) -> Sm2PublicKey:
    """An SM2 public key from its lower-case hex `04 ‖ x ‖ y`; ValueError otherwise (off the curve too)."""
    if not isinstance(text, str) or not PUBLIC_KEY.fullmatch(text):
        raise ValueError("a public key is 130 lower-case hex digits starting 04")
    try:
        return Sm2PublicKey(bytes.fromhex(text))
    except KeyMaterialError as exc:
        raise ValueError(str(exc)) from exc


def signature(text: Any) -> bytes:
    """Raw r ‖ s from 128 lower-case hex digits; ValueError otherwise."""
    if not isinstance(text, str) or not SIGNATURE.fullmatch(text):
        raise ValueError("a signature is 128 lower-case hex digits (r ‖ s)")
    return bytes.fromhex(text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_float(text: str) -> Any:
    raise ValueError(f"{text} is a float: the format has none")


def _no_twice(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice")
        out[key] = value
    return out


def loads(raw: bytes) -> Any:
    """A JSON text as the format allows it: UTF-8, no key twice, no float, no NaN or Infinity; ValueError
    otherwise. (Canonical form is checked by the caller, against `canonical.dumps`.)"""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("the JSON text is not UTF-8") from exc
    return json.loads(text, object_pairs_hook=_no_twice, parse_float=_no_float, parse_constant=_no_constant)


def canonical_loads(raw: bytes) -> Any:
    """A JSON text that is also in canonical form (ggzy-canonical-v1): the value, or ValueError."""
    value = loads(raw)
    try:
        again = canonical.dumps(value)
    except canonical.CanonicalError as exc:  # an integer beyond ±(2^53 − 1), a lone surrogate
        raise ValueError(f"not in the canonical profile: {exc}") from exc
    if again != raw:
        raise ValueError("not in canonical form")
    return value
