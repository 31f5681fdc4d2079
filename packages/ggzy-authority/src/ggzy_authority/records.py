"""The records a simulated authority answers for, their shapes, and the one check every record passes
whichever way it comes in (`ggzy-authority load`, POST /v1/admin/records, records.json at start).

Three kinds, each a list in a batch and keyed by one field:

    licence         (电子营业执照, market regulation), keyed by "code":
                    {"code": the registration code as registered (e.g. an 18-character 统一社会信用代码),
                     "name", "legal_representative", "entity_type" (e.g. "有限责任公司"),
                     "registered_capital_fen" (whole fen, ≥ 0), "established" (date), "address", "scope",
                     "status": "active" | "cancelled" | "revoked", "registrar" (the issuing office)}
    qualification   (企业资质, 住建部四库一平台), keyed by "certificate":
                    {"certificate", "holder_code" (the holder's organisation code), "holder_name",
                     "type" (a dotted code such as "construction.general.municipal"), "level" (e.g.
                     "一级"), "issuer", "valid_from" (date), "valid_to" (date, not before valid_from),
                     "status": "valid" | "suspended" | "revoked"}
    professional    (注册人员: 注册建造师 …), keyed by "certificate":
                    {"certificate", "name", "kind" (e.g. "一级注册建造师"), "specialty", "registered_to"
                     (the organisation's code), "registered_to_name", "registered_since" (date),
                     "valid_to" (date), "status": "valid" | "suspended" | "revoked"}

Every field is required and no other is taken. Dates are "YYYY-MM-DD" (real dates); money is integer fen
(a float or a string is refused, as is more than 2^53 − 1: an answer is signed canonical JSON). Texts are
non-empty; a key field (and holder_code, registered_to) is 1–64 printable characters without surrounding
whitespace, kept as given.

**Numbers** — a record's key and a lookup's number — are compared by `normalise`: surrounding whitespace
stripped and ASCII letters upper-cased (a code read off paper or typed in lower case still matches; other
characters, such as a certificate's province prefix 辽, are compared as they are). A record whose key
normalises to another's is the same record: a later batch replaces it; one batch naming it twice is
refused.

A batch is {"licences": [...], "qualifications": [...], "professionals": [...]}, each list optional. A
batch with one bad record is refused whole, its message naming the record (list, index and key) and why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from ggzy_sm.canonical import MAX_SAFE_INTEGER

#: kind -> the batch's (and records.json's) list of that kind
LISTS = {"licence": "licences", "qualification": "qualifications", "professional": "professionals"}
#: kind -> the field a record of that kind is keyed (and looked up) by
KEY_FIELDS = {"licence": "code", "qualification": "certificate", "professional": "certificate"}
KEY_LENGTH = 64
LICENCE_STATUSES = ("active", "cancelled", "revoked")
CERTIFICATE_STATUSES = ("valid", "suspended", "revoked")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TYPE = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")

Batch = dict[str, dict[str, dict[str, Any]]]  # list name -> normalised key -> record


class RecordError(ValueError):
    """A record (or a batch) that is not taken; the message says which and why."""


def normalise(number: str) -> str:
    """A number as compared: surrounding whitespace stripped, ASCII letters upper-cased (only those:
    `str.upper` would also change other scripts, e.g. "ß" to "SS")."""
    return "".join(c.upper() if "a" <= c <= "z" else c for c in number.strip())


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise RecordError(f"{what} is a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RecordError(f"{what} is not valid Unicode") from exc
    return value


def key_text(value: Any, what: str) -> str:
    """A key or organisation code: 1–64 printable characters, no surrounding whitespace."""
    value = _string(value, what)
    if not 0 < len(value) <= KEY_LENGTH or value != value.strip() or not value.isprintable():
        raise RecordError(f"{what} is 1 to {KEY_LENGTH} printable characters without surrounding whitespace")
    return value


def _text(limit: int) -> Callable[[Any, str], Any]:
    def check(value: Any, what: str) -> str:
        value = _string(value, what)
        if not value.strip() or len(value) > limit:
            raise RecordError(f"{what} is a non-empty text of at most {limit} characters")
        return value

    return check


def _date(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise RecordError(f"{what} is a date YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise RecordError(f"{what} is not a real date ({value})") from exc
    return value


def _fen(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INTEGER:
        raise RecordError(f"{what} is a whole number of fen from 0 to 2^53 − 1 (not a float or a string)")
    return value


def _choice(*values: str) -> Callable[[Any, str], Any]:
    def check(value: Any, what: str) -> str:
        if not isinstance(value, str) or value not in values:
            raise RecordError(f"{what} is one of {', '.join(values)}")
        return value

    return check


def _type_code(value: Any, what: str) -> str:
    if not isinstance(value, str) or len(value) > 100 or not _TYPE.fullmatch(value):  # noqa: PLR2004
        raise RecordError(f"{what} is a dotted code of lower-case letters, digits and _ (e.g. a.b.c)")
    return value


SHAPES: dict[str, dict[str, Callable[[Any, str], Any]]] = {
    "licence": {
        "code": key_text,
        "name": _text(200),
        "legal_representative": _text(100),
        "entity_type": _text(100),
        "registered_capital_fen": _fen,
        "established": _date,
        "address": _text(500),
        "scope": _text(4000),
        "status": _choice(*LICENCE_STATUSES),
        "registrar": _text(200),
    },
    "qualification": {
        "certificate": key_text,
        "holder_code": key_text,
        "holder_name": _text(200),
        "type": _type_code,
        "level": _text(50),
        "issuer": _text(200),
        "valid_from": _date,
        "valid_to": _date,
        "status": _choice(*CERTIFICATE_STATUSES),
    },
    "professional": {
        "certificate": key_text,
        "name": _text(100),
        "kind": _text(100),
        "specialty": _text(100),
        "registered_to": key_text,
        "registered_to_name": _text(200),
        "registered_since": _date,
        "valid_to": _date,
        "status": _choice(*CERTIFICATE_STATUSES),
    },
}


def check(kind: str, record: Any) -> dict[str, Any]:
    """`record` as a record of `kind` (a copy, its fields in the shape's order); RecordError otherwise."""
    shape = SHAPES[kind]
    if not isinstance(record, dict):
        raise RecordError(f"a {kind} is a JSON object")
    missing, unknown = set(shape) - set(record), set(record) - set(shape)
    if missing:
        raise RecordError(f"the {kind} lacks {sorted(missing)}")
    if unknown:
        raise RecordError(f"the {kind} has unknown fields {sorted(unknown)}")
    checked = {name: field_check(record[name], name) for name, field_check in shape.items()}
    if kind == "qualification" and checked["valid_to"] < checked["valid_from"]:  # ISO dates sort as text
        raise RecordError("valid_to is before valid_from")
    return checked


def _where(name: str, index: int, kind: str, item: Any) -> str:
    key = item.get(KEY_FIELDS[kind]) if isinstance(item, dict) else None
    return f"{name}[{index}]" + (
        f" ({KEY_FIELDS[kind]} {key[:KEY_LENGTH]!r})" if isinstance(key, str) else ""
    )


def parse_batch(data: Any) -> Batch:
    """The records of a batch, checked, by list name and normalised key (every list present, perhaps
    empty); RecordError naming the first record refused (nothing of the batch is taken then)."""
    if not isinstance(data, dict):
        raise RecordError('records are a JSON object {"licences": [...], "qualifications": [...], ...}')
    unknown = set(data) - set(LISTS.values())
    if unknown:
        raise RecordError(f"unknown lists {sorted(unknown)} (give {', '.join(LISTS.values())})")
    batch: Batch = {}
    for kind, name in LISTS.items():
        items = data.get(name, [])
        if not isinstance(items, list):
            raise RecordError(f"{name} is a list of {kind} records")
        table: dict[str, dict[str, Any]] = {}
        first: dict[str, int] = {}
        for index, item in enumerate(items):
            where = _where(name, index, kind, item)
            try:
                record = check(kind, item)
            except RecordError as exc:
                raise RecordError(f"{where}: {exc}") from exc
            key = normalise(record[KEY_FIELDS[kind]])
            if key in table:
                raise RecordError(f"{where}: the same {KEY_FIELDS[kind]} as {name}[{first[key]}]")
            table[key], first[key] = record, index
        batch[name] = table
    return batch


def counts(batch: Batch) -> dict[str, int]:
    """How many records of each list: {"licences": n, "qualifications": n, "professionals": n}."""
    return {name: len(batch.get(name, {})) for name in LISTS.values()}
