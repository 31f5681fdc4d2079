"""What a simulated expert pool holds and checks, without HTTP or files (docs/expert-pool-interface.md):
the values of its requests (texts, instants, dates, whole numbers), organisation codes (GB 32100) and
identity numbers (GB 11643), the person hash both sides compute, region codes (GB/T 2260) and what a code
covers, specialty codes, and its experts.

**An expert** as it is loaded (`ggzy-expertpool load`, POST /v1/admin/experts), every field required and no
other taken:

    {"id": the pool's own id (1–32 of A–Z a–z 0–9 _ -, starting with a letter or digit),
     "name": 1–50 characters, "id_number": the 18-character identity number (GB 11643 check character),
     "phone": 11 digits starting 1, "specialties": [specialty codes, 1–20, distinct],
     "region": the 6-digit GB/T 2260 code of where the expert lives and works, "title": 1–50 characters
     (e.g. "高级工程师"), "employer": {"uscc", "name", "from": date} (the current employer, since),
     "history": [{"uscc", "name", "from": date, "to": date}, …] (past employers, each with its dates;
     may be empty), "status": "active" | "suspended", "available": [dates the expert can evaluate]}

It is kept without its identity number: as `id_masked` (the first 6 and the last 4 characters, the 8
between as "*") and `id_hash` (`person_hash`), so the pool's file names no one by number and the platform
can still match the expert against its own records and avoidance list. A batch is {"experts": [...]}; an
expert whose id is already held replaces the old record; a batch naming an id twice, or with one bad
record, is refused whole, saying which record and why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from ggzy_sm import canonical, codes, strict
from ggzy_sm.sm3 import sm3

BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")
STATUSES = ("active", "suspended")
PERSON_FORMAT = "ggzy-expertpool-person-v1"
MOST_SPECIALTIES = 20
MOST_DATES = 1000
MOST_HISTORY = 50
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EXPERT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
_SPECIALTY = re.compile(r"[A-Z][A-Z0-9]{0,15}")
_REGION = re.compile(r"[1-9][0-9]{5}")
_PHONE = re.compile(r"1[3-9][0-9]{9}")
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
_MASKED = re.compile(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]")


EXPERT_FIELDS = frozenset(
    {
        "id", "name", "id_number", "phone", "specialties", "region", "title", "employer", "history",
        "status", "available",
    }
)  # fmt: skip
STORED_FIELDS = (EXPERT_FIELDS - {"id_number"}) | {"id_masked", "id_hash"}
EMPLOYER_FIELDS = frozenset({"uscc", "name", "from"})
PAST_FIELDS = frozenset({"uscc", "name", "from", "to"})


class RecordError(ValueError):
    """A value (or an expert, or a batch) that is not taken; the message says which and why."""


# --- values ----------------------------------------------------------------------------------------------


def text(value: Any, what: str, most: int) -> str:
    """A non-empty printable text of at most `most` characters without surrounding whitespace."""
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= most
        or value != value.strip()
        or not value.isprintable()
    ):
        raise RecordError(f"{what} is 1 to {most} printable characters without surrounding whitespace")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RecordError(f"{what} is not valid Unicode") from exc
    return value


def whole(value: Any, what: str, least: int, most: int) -> int:
    """A whole number written as a JSON integer (not a float, a string or a boolean), least to most."""
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise RecordError(f"{what} is a whole number from {least} to {most} (a JSON integer)")
    return value


def flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise RecordError(f"{what} is true or false")
    return value


def date(value: Any, what: str) -> dt.date:
    """A date written YYYY-MM-DD."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise RecordError(f"{what} is a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise RecordError(f"{what} is not a real date ({value})") from exc


def instant(value: Any, what: str) -> dt.datetime:
    """An instant written RFC 3339 in UTC with microseconds: YYYY-MM-DDTHH:MM:SS.ffffffZ."""
    try:
        return strict.parse_instant(value)
    except ValueError as exc:
        raise RecordError(f"{what} is a real instant YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)") from exc


def stamp(moment: dt.datetime) -> str:
    """An instant as the pool writes it (RFC 3339 UTC, microseconds, Z)."""
    return canonical.format_instant(moment)


def business_day(moment: dt.datetime) -> dt.date:
    """The day of an instant in Asia/Shanghai: the day an expert is (or is not) available."""
    return moment.astimezone(BUSINESS_ZONE).date()


def three_years_before(day: dt.date) -> dt.date:
    """The same day three years earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - 3)
    except ValueError:
        return day.replace(year=day.year - 3, day=28)


def distinct(values: Any, what: str, check: Any, most: int, *, least: int = 0) -> list[Any]:
    """A JSON array of `least` to `most` values, each passed through `check(value, what)`, none twice."""
    if not isinstance(values, list) or not least <= len(values) <= most:
        raise RecordError(f"{what} is an array of {least} to {most} values")
    checked = [check(value, what) for value in values]
    if len(set(checked)) != len(checked):
        raise RecordError(f"{what} names a value twice")
    return checked


# --- codes ------------------------------------------------------------------------------------------------


def uscc(value: Any, what: str = "a USCC") -> str:
    """A 统一社会信用代码 (GB 32100-2015): 18 characters of its alphabet, characters 9–17 an organisation
    code with its GB 11714 check character, the last its GB 32100 check character; as given (upper case)."""
    if not isinstance(value, str) or len(value) != 18 or any(c not in codes.USCC_VALUES for c in value):  # noqa: PLR2004
        raise RecordError(f"{what} is a unified social credit code: 18 of 0–9 and A–Y but I, O, S, V, Z")
    if value[16] != codes.org_code_check(value[8:16]) or value[17] != codes.uscc_check(value[:17]):
        raise RecordError(f"{what} ({value}) has a wrong check character")
    return value


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a USCC (for making test data)."""
    return codes.uscc_check(first17)


def id_number(value: Any, what: str = "id_number") -> str:
    """An 18-character identity number (GB 11643-1999: 17 digits and the ISO 7064 MOD 11-2 check
    character, 0–9 or X; a lower-case x is taken as X) with a real birth date."""
    if not isinstance(value, str) or not _ID_NUMBER.fullmatch(value.strip().upper()):
        raise RecordError(f"{what} is an 18-character identity number: 17 digits and a digit or X")
    number = value.strip().upper()
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise RecordError(f"{what}: characters 7–14 are not a real birth date") from exc
    if number[17] != codes.resident_id_check(number[:17]):
        raise RecordError(f"{what} has a wrong check character")
    return number


def id_check_char(first17: str) -> str:
    """The GB 11643 check character of 17 digits (for making test data)."""
    return codes.resident_id_check(first17)


def person_hash(number: str) -> str:
    """The person hash of an identity number, as the pool and the platform both compute it: SM3 (hex)
    over the canonical JSON {"format": "ggzy-expertpool-person-v1", "id_number": the number, upper case}.
    A matching key, not a secret: an identity number has too few possibilities to be hidden by a hash."""
    return sm3(canonical.dumps({"format": PERSON_FORMAT, "id_number": id_number(number)})).hex()


def masked(number: str) -> str:
    """An identity number as shown: its first 6 and last 4 characters, the 8 between as "*"."""
    checked = id_number(number)
    return checked[:6] + "*" * 8 + checked[-4:]


def hash_text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not strict.HEX64.fullmatch(value):
        raise RecordError(f"{what} is a person hash: 64 lower-case hex digits")
    return value


def region(value: Any, what: str = "region") -> str:
    """A GB/T 2260 region code: 6 digits, not starting 0 (a province ends 0000, a city 00)."""
    if not isinstance(value, str) or not _REGION.fullmatch(value):
        raise RecordError(f"{what} is a 6-digit GB/T 2260 region code")
    return value


def covers(code: str, place: str) -> bool:
    """Whether region `code` covers the region `place`: a province code (…0000) covers its cities and
    counties, a city code (…00) its counties, a county code itself."""
    if code.endswith("0000"):
        return place[:2] == code[:2]
    if code.endswith("00"):
        return place[:4] == code[:4]
    return place == code


def specialty(value: Any, what: str = "specialty") -> str:
    """A specialty code of the national classification (公共资源交易评标专家专业分类标准), as the pool writes
    it: an upper-case letter and up to 15 more letters or digits (e.g. "B010203")."""
    if not isinstance(value, str) or not _SPECIALTY.fullmatch(value):
        raise RecordError(f"{what} is a specialty code: an upper-case letter and up to 15 letters or digits")
    return value


# --- experts ------------------------------------------------------------------------------------------------


def _exact(record: Any, fields: frozenset[str], what: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise RecordError(f"{what} is a JSON object")
    missing, unknown = fields - set(record), set(record) - fields
    if missing:
        raise RecordError(f"{what} lacks {sorted(missing)}")
    if unknown:
        raise RecordError(f"{what} has unknown fields {sorted(unknown)}")
    return record


def _employment(record: Any, what: str, *, past: bool) -> dict[str, Any]:
    entry = _exact(record, PAST_FIELDS if past else EMPLOYER_FIELDS, what)
    out: dict[str, Any] = {
        "uscc": uscc(entry["uscc"], f"{what}.uscc"),
        "name": text(entry["name"], f"{what}.name", 200),
        "from": date(entry["from"], f"{what}.from").isoformat(),
    }
    if past:
        out["to"] = date(entry["to"], f"{what}.to").isoformat()
        if out["to"] < out["from"]:
            raise RecordError(f"{what} ends before it begins")
    return out


def _common(record: dict[str, Any], what: str) -> dict[str, Any]:
    history = record["history"]
    if not isinstance(history, list) or len(history) > MOST_HISTORY:
        raise RecordError(f"{what}.history is an array of at most {MOST_HISTORY} past employers")
    available = distinct(record["available"], f"{what}.available", date, MOST_DATES)
    status = record["status"]
    if status not in STATUSES:
        raise RecordError(f"{what}.status is one of {', '.join(STATUSES)}")
    return {
        "id": expert_id(record["id"], f"{what}.id"),
        "name": text(record["name"], f"{what}.name", 50),
        "phone": _phone(record["phone"], f"{what}.phone"),
        "specialties": distinct(
            record["specialties"], f"{what}.specialties", specialty, MOST_SPECIALTIES, least=1
        ),
        "region": region(record["region"], f"{what}.region"),
        "title": text(record["title"], f"{what}.title", 50),
        "employer": _employment(record["employer"], f"{what}.employer", past=False),
        "history": [_employment(entry, f"{what}.history[{i}]", past=True) for i, entry in enumerate(history)],
        "status": status,
        "available": sorted(day.isoformat() for day in available),
    }


def expert_id(value: Any, what: str = "id") -> str:
    if not isinstance(value, str) or not _EXPERT_ID.fullmatch(value):
        raise RecordError(f"{what} is 1 to 32 of A–Z a–z 0–9 _ -, starting with a letter or digit")
    return value


def _phone(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _PHONE.fullmatch(value):
        raise RecordError(f"{what} is a mobile number: 11 digits starting 1")
    return value


def expert_parse(record: Any, what: str = "the expert") -> dict[str, Any]:
    """An expert as loaded (with its identity number), checked: the expert as kept (masked, hashed)."""
    entry = _exact(record, EXPERT_FIELDS, what)
    number = id_number(entry["id_number"], f"{what}.id_number")
    return {**_common(entry, what), "id_masked": masked(number), "id_hash": person_hash(number)}


def expert_check(record: Any, what: str = "the expert") -> dict[str, Any]:
    """An expert as kept (pool.json), checked again."""
    entry = _exact(record, STORED_FIELDS, what)
    if not isinstance(entry["id_masked"], str) or not _MASKED.fullmatch(entry["id_masked"]):
        raise RecordError(f"{what}.id_masked is 6 digits, 8 *, 3 digits and a digit or X")
    return {
        **_common(entry, what),
        "id_masked": entry["id_masked"],
        "id_hash": hash_text(entry["id_hash"], f"{what}.id_hash"),
    }


def batch_parse(data: Any) -> dict[str, dict[str, Any]]:
    """The experts of a batch {"experts": [...]}, by id, each checked; RecordError naming the record (its
    index and id) and why — the whole batch refused."""
    if not isinstance(data, dict) or set(data) != {"experts"} or not isinstance(data["experts"], list):
        raise RecordError('a batch is {"experts": [...]}')
    out: dict[str, dict[str, Any]] = {}
    for index, record in enumerate(data["experts"]):
        named = record.get("id") if isinstance(record, dict) else None
        what = f"experts[{index}]" + (f" ({named})" if isinstance(named, str) else "")
        expert = expert_parse(record, what)
        if expert["id"] in out:
            raise RecordError(f"{what}: the id {expert['id']} is given twice")
        out[expert["id"]] = expert
    return out


def card(expert: Mapping[str, Any]) -> dict[str, Any]:
    """What the platform is told of a drawn expert (in the encrypted list only)."""
    return {
        "id": expert["id"],
        "name": expert["name"],
        "id_masked": expert["id_masked"],
        "id_hash": expert["id_hash"],
        "phone": expert["phone"],
        "specialties": list(expert["specialties"]),
        "region": expert["region"],
        "title": expert["title"],
        "employer": {"uscc": expert["employer"]["uscc"], "name": expert["employer"]["name"]},
    }


def counts(experts: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    held = list(experts)
    return {"experts": len(held), "active": sum(1 for e in held if e["status"] == "active")}
