"""The statutory holidays computed from the rules agree with the official arrangements.

`chinese_calendar.holidays` holds the State Council's yearly arrangements (调休安排), which always
contain the statutory days (a statutory day on a weekend is still listed as a holiday, with its
compensation added elsewhere), so every statutory day must appear there under the same name.
"""

from __future__ import annotations

import datetime

import chinese_calendar
import pytest
from lunar_python import Lunar, Solar

from ggzy.calendar.statutory import (
    DRAGON_BOAT_FESTIVAL,
    LABOUR_DAY,
    MID_AUTUMN_FESTIVAL,
    NAMES,
    NATIONAL_DAY,
    NEW_YEARS_DAY,
    REGIMES,
    SPRING_FESTIVAL,
    TOMB_SWEEPING_DAY,
    regime_for,
    statutory_holidays,
)

D = datetime.date
OFFICIAL_YEARS = range(2008, 2027)  # the years chinesecalendar 1.11.0 has arrangements for


def test_chinesecalendar_covers_the_checked_years() -> None:
    years = {day.year for day in chinese_calendar.holidays}
    assert set(OFFICIAL_YEARS) <= years


# Where chinesecalendar 1.11.0 differs from the statutory days, date -> what it says instead. Each
# one is checked against the State Council's notice for that year; the test fails if the list is
# not exact, so a fixed upstream entry shows up here.
CHINESECALENDAR_DIFFERENCES: dict[datetime.date, str | None] = {
    # 中秋 (八月十五) fell on 2009-10-03, inside 国庆 (10-01..03). Two statutory festivals share the
    # date; we name such a date National Day (as chinesecalendar itself does for 2020-10-01),
    # chinesecalendar names this one Mid-autumn Festival. The date is a holiday in both.
    D(2009, 10, 3): MID_AUTUMN_FESTIVAL,
    # 端午 (五月初五) 2012 was Saturday 06-23; the State Council notice for 2012 reads "端午节：6月22日至
    # 24日放假公休，共3天", but chinesecalendar lists only 06-22 and 06-24 (its known gaps on weekend
    # days joined to a festival, cf. liriansu-opus/chinese-calendar issues 69 and 74).
    # chinese_calendar.is_holiday() is still True for it, being a Saturday.
    D(2012, 6, 23): None,
}


@pytest.mark.parametrize("year", OFFICIAL_YEARS)
def test_every_statutory_day_is_an_official_holiday_with_the_same_name(year: int) -> None:
    computed = statutory_holidays(year)
    differences = {
        day: chinese_calendar.holidays.get(day)
        for day, name in computed.items()
        if chinese_calendar.holidays.get(day) != name
    }
    assert differences == {day: name for day, name in CHINESECALENDAR_DIFFERENCES.items() if day.year == year}
    assert all(chinese_calendar.is_holiday(day) for day in computed)


def test_the_documented_differences() -> None:
    assert statutory_holidays(2009)[D(2009, 10, 3)] == NATIONAL_DAY
    assert Lunar.fromYmd(2009, 8, 15).getSolar().toYmd() == "2009-10-03"
    assert statutory_holidays(2012)[D(2012, 6, 23)] == DRAGON_BOAT_FESTIVAL
    assert D(2012, 6, 23).weekday() == 5
    assert chinese_calendar.holidays[D(2012, 6, 22)] == DRAGON_BOAT_FESTIVAL
    assert chinese_calendar.holidays[D(2012, 6, 24)] == DRAGON_BOAT_FESTIVAL


@pytest.mark.parametrize("year", OFFICIAL_YEARS)
def test_each_festival_has_its_statutory_number_of_days(year: int) -> None:
    computed = statutory_holidays(year)
    assert all(day.year == year for day in computed)
    counts = {name: list(computed.values()).count(name) for name in NAMES}
    expected = dict(regime_for(year).counts)
    if year in {2009, 2020}:
        # 中秋 fell on 2009-10-03 and 2020-10-01, inside National Day; the date counts once.
        expected[MID_AUTUMN_FESTIVAL] = 0
    assert counts == expected


@pytest.mark.parametrize(
    ("year", "count"), [(2008, 11), (2009, 10), (2013, 11), (2014, 11), (2020, 10), (2024, 11)]
)
def test_count_before_2025(year: int, count: int) -> None:
    assert len(statutory_holidays(year)) == count


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2030, 2099])
def test_count_from_2025_is_13(year: int) -> None:
    assert len(statutory_holidays(year)) == 13


def test_mid_autumn_on_national_day_2020() -> None:
    assert Lunar.fromYmd(2020, 8, 15).getSolar().toYmd() == "2020-10-01"
    assert statutory_holidays(2020)[D(2020, 10, 1)] == NATIONAL_DAY
    assert MID_AUTUMN_FESTIVAL not in statutory_holidays(2020).values()


def test_spring_festival_by_regime() -> None:
    # 2008: 除夕 (02-06), 初一, 初二.
    assert _days(2008, SPRING_FESTIVAL) == [D(2008, 2, 6), D(2008, 2, 7), D(2008, 2, 8)]
    # 2014: 初一 (01-31), 初二, 初三; 除夕 (01-30) no longer statutory.
    assert _days(2014, SPRING_FESTIVAL) == [D(2014, 1, 31), D(2014, 2, 1), D(2014, 2, 2)]
    # 2025: 除夕 (01-28) through 初三.
    assert _days(2025, SPRING_FESTIVAL) == [D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30), D(2025, 1, 31)]


def test_2026_known_dates() -> None:
    holidays = statutory_holidays(2026)
    assert _days(2026, SPRING_FESTIVAL) == [D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18), D(2026, 2, 19)]
    assert _days(2026, LABOUR_DAY) == [D(2026, 5, 1), D(2026, 5, 2)]
    assert _days(2026, NATIONAL_DAY) == [D(2026, 10, 1), D(2026, 10, 2), D(2026, 10, 3)]
    assert holidays[D(2026, 1, 1)] == NEW_YEARS_DAY


def test_2027_known_dates() -> None:
    """A year past chinesecalendar's data: the dates come from lunar_python alone."""
    assert Lunar.fromYmd(2027, 1, 1).getSolar().toYmd() == "2027-02-06"
    assert _days(2027, SPRING_FESTIVAL) == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]
    assert _days(2027, TOMB_SWEEPING_DAY) == [D(2027, 4, 5)]
    assert _days(2027, DRAGON_BOAT_FESTIVAL) == [D(2027, 6, 9)]
    assert _days(2027, MID_AUTUMN_FESTIVAL) == [D(2027, 9, 15)]
    assert _days(2027, LABOUR_DAY) == [D(2027, 5, 1), D(2027, 5, 2)]
    assert _days(2027, NATIONAL_DAY) == [D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)]


def test_chuxi_is_the_day_before_new_year_whether_month_12_has_29_or_30_days() -> None:
    # (lunar year whose 腊月 ends it, days in that 腊月, 除夕)
    cases = [
        (2007, 30, D(2008, 2, 6)),
        (2011, 29, D(2012, 1, 22)),
        (2024, 29, D(2025, 1, 28)),
        (2029, 30, D(2030, 2, 2)),
    ]
    for lunar_year, days, chuxi in cases:
        assert Lunar.fromYmd(lunar_year, 12, days).getSolar().toYmd() == chuxi.isoformat()
        assert (
            Lunar.fromYmd(lunar_year + 1, 1, 1).getSolar().toYmd()
            == (chuxi + datetime.timedelta(1)).isoformat()
        )
        assert min(_days(chuxi.year, SPRING_FESTIVAL)) == chuxi
    # From 2014 to 2024 除夕 is not statutory: 2014's Spring Festival starts on 初一 (01-31).
    assert min(_days(2014, SPRING_FESTIVAL)) == D(2014, 1, 31)


@pytest.mark.parametrize("year", range(2008, 2100))
def test_qingming_agrees_with_chinesecalendar_solar_terms(year: int) -> None:
    # chinesecalendar computes solar terms by an independent formula (寿星公式); they agree through
    # 2099 (in 2100 清明 falls at 00:43 Beijing time and the formula says 04-04).
    terms = chinese_calendar.get_solar_terms(D(year, 4, 1), D(year, 4, 30))
    qingming = [day for day, name in terms if name == "清明"]
    assert _days(year, TOMB_SWEEPING_DAY) == qingming


@pytest.mark.parametrize("year", range(2008, 2101))
def test_every_year_is_well_formed(year: int) -> None:
    holidays = statutory_holidays(year)
    assert list(holidays) == sorted(holidays)
    assert all(day.year == year for day in holidays)
    assert set(holidays.values()) <= set(NAMES)
    # Spring Festival is always late January to late February.
    assert all(D(year, 1, 20) <= day <= D(year, 2, 22) for day in _days(year, SPRING_FESTIVAL))
    assert all(D(year, 4, 4) <= day <= D(year, 4, 6) for day in _days(year, TOMB_SWEEPING_DAY))
    # The lunar dates round-trip through lunar_python.
    for day in _days(year, DRAGON_BOAT_FESTIVAL):
        lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
        assert (lunar.getMonth(), lunar.getDay()) == (5, 5)


def test_regimes() -> None:
    assert [regime.start_year for regime in REGIMES] == [2008, 2014, 2025]
    assert [regime.total for regime in REGIMES] == [11, 11, 13]
    assert all("国务院令" in regime.source for regime in REGIMES)
    assert "第513号" in regime_for(2013).source
    assert "第644号" in regime_for(2014).source
    assert "第644号" in regime_for(2024).source
    assert "第795号" in regime_for(2025).source
    assert "第795号" in regime_for(2100).source
    assert regime_for(2026).counts[SPRING_FESTIVAL] == 4
    assert regime_for(2026).counts[LABOUR_DAY] == 2


@pytest.mark.parametrize("year", [1949, 2000, 2007])
def test_years_before_2008_are_refused(year: int) -> None:
    with pytest.raises(ValueError, match="2008"):
        statutory_holidays(year)
    with pytest.raises(ValueError, match="2008"):
        regime_for(year)


def _days(year: int, name: str) -> list[datetime.date]:
    return sorted(day for day, holiday in statutory_holidays(year).items() if holiday == name)
