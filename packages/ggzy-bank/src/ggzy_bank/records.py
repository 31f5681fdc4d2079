"""What a simulated bank computes, without HTTP or files (docs/bank-interface.md): sub-account numbers
and their check digit, the checks of amounts (whole fen, JSON integers only), the business day of an
instant (Asia/Shanghai), deposit interest (Decimal, rounded half-up to the fen) and the day's
statement of a ledger's transactions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from ggzy_sm import canonical

BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")
MAX_FEN = 2**53 - 1  # the largest whole number every JSON reader keeps exactly
ACCOUNT_DIGITS = 19
PREFIX_DIGITS = 5
SERIAL_DIGITS = ACCOUNT_DIGITS - PREFIX_DIGITS - 1
DAY_COUNTS = (360, 365)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PREFIX = re.compile(r"[1-9][0-9]{4}")
_ACCOUNT = re.compile(r"[0-9]{19}")
_RATE = re.compile(r"(?:0|[1-9][0-9]?)(?:\.[0-9]{1,6})?")
CREDIT, REFUND = "credit", "refund"


class RecordError(ValueError):
    """A value is not what the bank takes; the message says why."""


# --- sub-account numbers ---------------------------------------------------------------------------------


def luhn_digit(digits: str) -> str:
    """The Luhn (ISO/IEC 7812-1) check digit appended to `digits`."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: every second digit from the right, the check digit not yet there
            value *= 2
            if value > 9:  # noqa: PLR2004
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def account_number(prefix: str, serial: int) -> str:
    """The sub-account number: the bank's 5-digit prefix, the 13-digit serial (1, 2, … in the order the
    sub-accounts were opened), the Luhn check digit — 19 digits."""
    if not _PREFIX.fullmatch(prefix):
        raise RecordError("the account prefix is 5 digits, not starting 0")
    if not 0 < serial < 10**SERIAL_DIGITS:
        raise RecordError("no sub-account numbers are left")
    body = f"{prefix}{serial:0{SERIAL_DIGITS}d}"
    return body + luhn_digit(body)


def is_account_number(text: Any) -> bool:
    """A 19-digit number whose last digit is its Luhn check digit."""
    return isinstance(text, str) and bool(_ACCOUNT.fullmatch(text)) and luhn_digit(text[:-1]) == text[-1]


def account_prefix(text: Any) -> str:
    if not isinstance(text, str) or not _PREFIX.fullmatch(text):
        raise RecordError("the account prefix is 5 digits, not starting 0")
    return text


# --- values ------------------------------------------------------------------------------------------------


def fen(value: Any, what: str, *, least: int = 0) -> int:
    """A whole number of fen given as a JSON integer (not a float, not a string, not a boolean), from
    `least` to 2^53 − 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(
            f"{what} is a whole number of fen written as a JSON integer (not a float or a string)"
        )
    if not least <= value <= MAX_FEN:
        raise RecordError(f"{what} is from {least} to 2^53 − 1 fen")
    return value


def text(value: Any, what: str, most: int) -> str:
    """A non-empty printable text of at most `most` characters without surrounding whitespace."""
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= most
        or value != value.strip()
        or not value.isprintable()
    ):
        raise RecordError(f"{what} is 1 to {most} printable characters without surrounding whitespace")
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
    if not isinstance(value, str) or not re.fullmatch(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z", value
    ):
        raise RecordError(f"{what} is an instant YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)")
    try:
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise RecordError(f"{what} is not a real instant ({value})") from exc


def stamp(moment: dt.datetime) -> str:
    """An instant as the bank writes it (RFC 3339 UTC, microseconds, Z)."""
    return canonical.format_instant(moment)


def business_day(moment: dt.datetime) -> dt.date:
    """The bank's business day of an instant: its date in Asia/Shanghai."""
    return moment.astimezone(BUSINESS_ZONE).date()


def day_of(instant_text: str) -> dt.date:
    return business_day(instant(instant_text, "instant"))


# --- interest ----------------------------------------------------------------------------------------------


def annual_rate(value: Any) -> Decimal:
    """The demand-deposit rate in percent a year, as a decimal string ("0.05" is 0.05 % p.a.): 0 to
    99.999999, at most 6 decimals."""
    if not isinstance(value, str) or not _RATE.fullmatch(value):
        raise RecordError('the annual rate is a decimal string of percent a year, e.g. "0.05" (0.05 % p.a.)')
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
        raise RecordError(f"the annual rate {value!r} is not a decimal") from exc


def day_count(value: Any) -> int:
    if isinstance(value, bool) or value not in DAY_COUNTS:
        raise RecordError("the day count is 360 (actual/360) or 365 (actual/365)")
    return int(value)


def round_fen(amount: Decimal) -> int:
    """A Decimal amount of fen rounded half-up to the whole fen."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def balances_by_day(transactions: Iterable[Mapping[str, Any]]) -> dict[dt.date, int]:
    """The net movement of principal of each business day (credits in, refunds' principal out)."""
    moves: dict[dt.date, int] = {}
    for entry in transactions:
        day = day_of(entry["instant"])
        sign = 1 if entry["kind"] == CREDIT else -1
        moves[day] = moves.get(day, 0) + sign * int(entry["amount_fen"])
    return moves


def accumulation(transactions: Sequence[Mapping[str, Any]], start: dt.date, end: dt.date) -> tuple[int, int]:
    """(积数, days): the sum over each day d from `start` up to but not including `end` of the balance at
    the end of d (fen × days), and the number of such days. A transaction counts from its own business
    day on (算头不算尾: the day money arrives earns, the day it leaves does not)."""
    if end <= start:
        return 0, 0
    moves = balances_by_day(transactions)
    balance = sum(amount for day, amount in moves.items() if day < start)
    total = 0
    day = start
    while day < end:
        balance += moves.get(day, 0)
        total += balance
        day += dt.timedelta(days=1)
    return total, (end - start).days


def interest_fen(fen_days: int, rate_percent: Decimal, days_a_year: int) -> int:
    """积数 × rate / 100 / days-a-year, in Decimal, rounded half-up once to the fen."""
    return round_fen(Decimal(fen_days) * rate_percent / Decimal(100) / Decimal(days_a_year))


def first_day(transactions: Sequence[Mapping[str, Any]]) -> dt.date | None:
    """The business day of a sub-account's first credit (None: none yet)."""
    days = [day_of(entry["instant"]) for entry in transactions if entry["kind"] == CREDIT]
    return min(days) if days else None


# --- the day's statement -------------------------------------------------------------------------------


def statement(
    transactions: Sequence[Mapping[str, Any]], day: dt.date
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """(entries, totals) of the business day `day`: every transaction booked on it, in booking order, and
    {"credits", "credited_fen", "refunds", "refunded_fen", "interest_fen", "opening_balance_fen",
    "closing_balance_fen"} over every sub-account (opening + credited − refunded = closing)."""
    entries = [dict(entry) for entry in transactions if day_of(entry["instant"]) == day]
    opening = 0
    for entry in transactions:
        if day_of(entry["instant"]) < day:
            opening += entry["amount_fen"] if entry["kind"] == CREDIT else -entry["amount_fen"]
    credited_entries = [entry for entry in entries if entry["kind"] == CREDIT]
    refunds = [entry for entry in entries if entry["kind"] == REFUND]
    credited = sum(entry["amount_fen"] for entry in credited_entries)
    refunded = sum(entry["amount_fen"] for entry in refunds)
    totals = {
        "credits": len(credited_entries),
        "credited_fen": credited,
        "refunds": len(refunds),
        "refunded_fen": refunded,
        "interest_fen": sum(entry["interest_fen"] for entry in refunds),
        "opening_balance_fen": opening,
        "closing_balance_fen": opening + credited - refunded,
    }
    return entries, totals
