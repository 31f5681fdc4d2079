"""How the platform writes people's names, money and times: one home for messages, pages and exports.

**Names: family name first, always** (the order of a Chinese identity card, and of the platform):

* a name in Chinese, Japanese or Korean script is written family name then given name, without a space:
  王建国, 欧阳芳;
* any other name is written FAMILY Given — the family name in capitals, a space, the given name:
  "LOVELACE Ada". Capitals mark which part is the family name when the order is not the reader's own (the
  convention of passports' machine-readable zone and of Chinese visas and residence permits);
* a person with only one part gives that part; with neither, `person_name` falls back to the username.

`accounts` makes Django's `get_full_name()` write names this way too, so "王建国" is never "建国 王".

**Money** is kept in fen (integers); `yuan(fen)` writes it as yuan with two decimals and thousands
separators, through `Decimal` (never a float): 123456789 → "1,234,567.89".

**Time** is written in Beijing time (Asia/Shanghai, whatever time zone is active), to the minute:
`local_time(instant)` → "2026-03-02 09:30"; `local_date(instant)` → "2026-03-02".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

#: The platform's legal time (Beijing time).
PLATFORM_ZONE = ZoneInfo("Asia/Shanghai")

#: Han (with extensions A and the compatibility block), Japanese kana, Hangul syllables and jamo.
_CJK_RANGES = (
    ("\u3400", "\u4dbf"),
    ("\u4e00", "\u9fff"),
    ("\uf900", "\ufaff"),
    ("\U00020000", "\U0003134f"),
    ("\u3040", "\u30ff"),
    ("\u1100", "\u11ff"),
    ("\uac00", "\ud7af"),
)


def is_cjk(text: str) -> bool:
    """Whether `text` has a character of Chinese, Japanese or Korean script."""
    return any(low <= ch <= high for ch in text for low, high in _CJK_RANGES)


def full_name(*, family: str, given: str) -> str:
    """A person's name, family name first: 王建国, "LOVELACE Ada"; "" when both parts are empty."""
    family, given = (family or "").strip(), (given or "").strip()
    if is_cjk(family + given):
        return family + given
    return f"{family.upper()} {given}".strip()


def person_name(user: Any) -> str:
    """How a user is named to people: the full name, family name first, else the username."""
    return full_name(family=user.last_name, given=user.first_name) or str(user.get_username())


def yuan(fen: int, *, grouping: bool = True) -> str:
    """Fen as yuan with two decimals (and thousands separators unless `grouping=False`)."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"money is an integer number of fen, not {type(fen).__name__}")
    amount = Decimal(fen).scaleb(-2)  # exact: the exponent stays -2
    return f"{amount:,}" if grouping else f"{amount}"


def beijing(instant: dt.datetime) -> dt.datetime:
    """An aware instant in Beijing time (a naive one is refused: it names no instant)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a naive datetime is not an instant")
    return instant.astimezone(PLATFORM_ZONE)


def local_time(instant: dt.datetime) -> str:
    """An aware instant in Beijing time, to the minute: "2026-03-02 09:30"."""
    return beijing(instant).strftime("%Y-%m-%d %H:%M")


def local_date(instant: dt.datetime) -> str:
    """The date of an aware instant in Beijing time: "2026-03-02"."""
    return beijing(instant).strftime("%Y-%m-%d")
