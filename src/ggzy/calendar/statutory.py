"""China's statutory public holidays (法定节假日) for any Gregorian year from 2008.

The days are those fixed by 《全国年节及纪念日放假办法》 (the national measures on annual festivals
and memorial days), as amended:

* 国务院令第513号 (2007-12-14, in force 2008-01-01): 元旦 1 day, 春节 3 days (除夕, 正月初一, 初二),
  清明 1, 劳动节 1 (May 1), 端午 1, 中秋 1, 国庆 3 (October 1–3). 11 days.
* 国务院令第644号 (2013-12-11, in force 2014-01-01): 春节 becomes 正月初一, 初二, 初三; the rest unchanged.
  11 days.
* 国务院令第795号 (2024-11-10, in force 2025-01-01): 春节 4 days (除夕, 初一, 初二, 初三), 劳动节 2 days
  (May 1 and 2); the rest unchanged. 13 days.

Lunar dates (春节, 端午 = 五月初五, 中秋 = 八月十五) and the solar term 清明 come from `lunar_python`.
除夕 is the last day of lunar month 12, which may be its 29th or 30th, so it is computed as the day
before the lunar New Year.

This module is used ONLY to compute PROVISIONAL deadlines for years whose official arrangement has
not been loaded yet. Each year the General Office of the State Council (国务院办公厅) publishes the
year's holiday arrangement (部分节假日安排的通知), which moves working days around the statutory days
(调休) and adds compensatory days off; once that arrangement is loaded it replaces this computation
entirely. The statutory days alone are a lower bound on the days off, never the real calendar.

Pure: no Django, no database.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from lunar_python import Lunar, Solar  # type: ignore[import-untyped]

__all__ = [
    "DRAGON_BOAT_FESTIVAL",
    "FIRST_YEAR",
    "LABOUR_DAY",
    "MID_AUTUMN_FESTIVAL",
    "NAMES",
    "NATIONAL_DAY",
    "NEW_YEARS_DAY",
    "REGIMES",
    "SPRING_FESTIVAL",
    "TOMB_SWEEPING_DAY",
    "Regime",
    "regime_for",
    "statutory_holidays",
]

# The English names the `chinesecalendar` package uses, so both sources compare directly.
NEW_YEARS_DAY: Final = "New Year's Day"
SPRING_FESTIVAL: Final = "Spring Festival"
TOMB_SWEEPING_DAY: Final = "Tomb-sweeping Day"
LABOUR_DAY: Final = "Labour Day"
DRAGON_BOAT_FESTIVAL: Final = "Dragon Boat Festival"
MID_AUTUMN_FESTIVAL: Final = "Mid-autumn Festival"
NATIONAL_DAY: Final = "National Day"

NAMES: Final[tuple[str, ...]] = (
    NEW_YEARS_DAY,
    SPRING_FESTIVAL,
    TOMB_SWEEPING_DAY,
    LABOUR_DAY,
    DRAGON_BOAT_FESTIVAL,
    MID_AUTUMN_FESTIVAL,
    NATIONAL_DAY,
)


@dataclass(frozen=True, slots=True)
class Regime:
    """One version of the statutory rules, in force from 1 January of `start_year`.

    `spring_festival` holds offsets in days from 正月初一 (-1 is 除夕); `labour_day` and
    `national_day` hold days of May and of October. 元旦, 清明, 端午 and 中秋 are one day in every
    regime since 2008.
    """

    start_year: int
    source: str
    spring_festival: tuple[int, ...]
    labour_day: tuple[int, ...]
    national_day: tuple[int, ...]

    @property
    def counts(self) -> Mapping[str, int]:
        """Statutory days per holiday name."""
        return MappingProxyType(
            {
                NEW_YEARS_DAY: 1,
                SPRING_FESTIVAL: len(self.spring_festival),
                TOMB_SWEEPING_DAY: 1,
                LABOUR_DAY: len(self.labour_day),
                DRAGON_BOAT_FESTIVAL: 1,
                MID_AUTUMN_FESTIVAL: 1,
                NATIONAL_DAY: len(self.national_day),
            }
        )

    @property
    def total(self) -> int:
        """Statutory days per year (before any two festivals fall on the same date)."""
        return sum(self.counts.values())


REGIMES: Final[tuple[Regime, ...]] = (
    Regime(
        start_year=2008,
        source=(
            "国务院令第513号《国务院关于修改〈全国年节及纪念日放假办法〉的决定》，"
            "2007年12月14日公布，2008年1月1日起施行"
        ),
        spring_festival=(-1, 0, 1),
        labour_day=(1,),
        national_day=(1, 2, 3),
    ),
    Regime(
        start_year=2014,
        source=(
            "国务院令第644号《国务院关于修改〈全国年节及纪念日放假办法〉的决定》，"
            "2013年12月11日公布，2014年1月1日起施行"
        ),
        spring_festival=(0, 1, 2),
        labour_day=(1,),
        national_day=(1, 2, 3),
    ),
    Regime(
        start_year=2025,
        source=(
            "国务院令第795号《国务院关于修改〈全国年节及纪念日放假办法〉的决定》，"
            "2024年11月10日公布，2025年1月1日起施行"
        ),
        spring_festival=(-1, 0, 1, 2),
        labour_day=(1, 2),
        national_day=(1, 2, 3),
    ),
)

FIRST_YEAR: Final = REGIMES[0].start_year


def regime_for(year: int) -> Regime:
    """The rules in force for `year`; ValueError before 2008 (the earlier rules are not modelled)."""
    if year < FIRST_YEAR:
        raise ValueError(f"statutory holidays are computed from {FIRST_YEAR} only, not for {year}")
    return next(regime for regime in reversed(REGIMES) if regime.start_year <= year)


def _to_date(solar: Any) -> datetime.date:
    return datetime.date(int(solar.getYear()), int(solar.getMonth()), int(solar.getDay()))


def _lunar_to_date(lunar_year: int, lunar_month: int, lunar_day: int) -> datetime.date:
    """The Gregorian date of a (non-leap) lunar date."""
    return _to_date(Lunar.fromYmd(lunar_year, lunar_month, lunar_day).getSolar())


def _qingming(year: int) -> datetime.date:
    """The date (Beijing time) of the solar term 清明 in `year`, always 4–6 April."""
    # A Lunar's jieqi table runs from 大雪 of the previous year to 惊蛰 of the next, keyed by name;
    # from a date in April, its "清明" is the one of this Gregorian year.
    term = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    return _to_date(term)


def _around(year: int, lunar_month: int, lunar_day: int, offsets: tuple[int, ...]) -> Iterator[datetime.date]:
    """The days `offsets` from a lunar date, for every lunar year whose days can reach `year`.

    The festivals of lunar year Y fall in Gregorian year Y in practice, but looking at the
    neighbouring lunar years too costs nothing and keeps a 除夕 (or any offset) that crosses
    31 December/1 January on the right side.
    """
    for lunar_year in (year - 1, year, year + 1):
        anchor = _lunar_to_date(lunar_year, lunar_month, lunar_day)
        for offset in offsets:
            day = anchor + datetime.timedelta(days=offset)
            if day.year == year:
                yield day


def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """Every statutory holiday date of `year` with its name, in date order (a fresh dict).

    When two festivals fall on the same date (中秋 on 1–3 October: 2009-10-03, 2020-10-01) the date
    counts once, named National Day (the official notices name such a period "国庆节、中秋节" and
    `chinesecalendar` is inconsistent: Mid-autumn Festival in 2009, National Day in 2020), so such a
    year has one date fewer than `regime_for(year).total`.
    """
    return dict(_statutory_holidays(year))


@functools.lru_cache(maxsize=256)
def _statutory_holidays(year: int) -> tuple[tuple[datetime.date, str], ...]:
    regime = regime_for(year)
    entries: list[tuple[datetime.date, str]] = [
        (datetime.date(year, 1, 1), NEW_YEARS_DAY),
        *((day, SPRING_FESTIVAL) for day in _around(year, 1, 1, regime.spring_festival)),
        (_qingming(year), TOMB_SWEEPING_DAY),
        *((datetime.date(year, 5, day), LABOUR_DAY) for day in regime.labour_day),
        *((day, DRAGON_BOAT_FESTIVAL) for day in _around(year, 5, 5, (0,))),
        *((day, MID_AUTUMN_FESTIVAL) for day in _around(year, 8, 15, (0,))),
        # Last, so that it wins a date it shares with 中秋.
        *((datetime.date(year, 10, day), NATIONAL_DAY) for day in regime.national_day),
    ]
    result: dict[datetime.date, str] = {}
    for day, name in entries:
        result[day] = name
    return tuple(sorted(result.items()))
