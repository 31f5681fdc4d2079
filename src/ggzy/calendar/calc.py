"""Counting time the way the law counts it: the official calendar, working days, period rules.

All instants are aware; days are dates in Asia/Shanghai. A `Calendar` loads each year it needs
once (one query): the official arrangement where it is loaded, otherwise a provisional year made of
the statutory holidays alone (ggzy.calendar.statutory), marked provisional wherever it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings

from ggzy.calendar.errors import CalendarError
from ggzy.calendar.models import CalendarDay, CalendarYear, Closure, DayEnd, DayKind, PeriodRule, Unit
from ggzy.calendar.statutory import statutory_holidays
from ggzy.core.errors import DomainError

SHANGHAI = ZoneInfo("Asia/Shanghai")
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class YearData:
    year: int
    official: bool
    holidays: dict[dt.date, str]
    workdays: dict[dt.date, str]
    source: str


@dataclass(frozen=True)
class PeriodEnd:
    due_at: dt.datetime  # the instant the period ends (aware)
    last_day: dt.date
    provisional: bool  # some day counted lies in a year without the official arrangement
    basis: str


@dataclass
class Calendar:
    """Working days of one centre (its closures included), loading years on demand."""

    centre: str = ""
    _years: dict[int, YearData] = field(default_factory=dict)
    _closures: set[dt.date] | None = None

    def year(self, year: int) -> YearData:
        if year not in self._years:
            self._years[year] = _load_year(year)
        return self._years[year]

    def closures(self) -> set[dt.date]:
        if self._closures is None:
            self._closures = (
                set(Closure.objects.filter(centre=self.centre).values_list("date", flat=True))
                if self.centre
                else set()
            )
        return self._closures

    def is_working_day(self, day: dt.date) -> bool:
        data = self.year(day.year)
        if day in data.holidays or day in self.closures():
            return False
        if day in data.workdays:
            return True
        return day.weekday() < 5  # noqa: PLR2004

    def is_provisional(self, day: dt.date) -> bool:
        return not self.year(day.year).official

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day on or after `day`."""
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, after: dt.date, n: int) -> dt.date:
        """The n-th working day after `after` (n = 0: `after` itself)."""
        if n < 0:
            raise DomainError(CalendarError.AMOUNT_NEGATIVE)
        day = after
        while n:
            day += ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days lie in (start, end]."""
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count

    def provisional_between(self, start: dt.date, end: dt.date) -> bool:
        return any(self.is_provisional(dt.date(y, 1, 1)) for y in range(start.year, end.year + 1))


def _load_year(year: int) -> YearData:
    row = CalendarYear.objects.filter(year=year).first()
    if row is not None:
        holidays: dict[dt.date, str] = {}
        workdays: dict[dt.date, str] = {}
        for day in CalendarDay.objects.filter(year=row):
            (holidays if day.kind == DayKind.HOLIDAY else workdays)[day.date] = day.name
        return YearData(year, True, holidays, workdays, row.source)
    try:
        provisional = statutory_holidays(year)
    except ValueError as exc:
        raise DomainError(CalendarError.NO_DATA, detail={"year": year}) from exc
    return YearData(year, False, provisional, {}, "provisional: statutory holidays only")


def close_of_business() -> dt.time:
    hours, minutes = settings.GGZY_CLOSE_OF_BUSINESS.split(":")
    return dt.time(int(hours), int(minutes))


def period_end(start: dt.datetime, rule: PeriodRule, calendar: Calendar | None = None) -> PeriodEnd:
    """When a period of `rule` that starts at `start` ends (民法典 §201, §203 as the rule says)."""
    if start.tzinfo is None:
        raise DomainError(CalendarError.NAIVE_TIME)
    calendar = calendar or Calendar()
    local = start.astimezone(SHANGHAI)
    if rule.unit == Unit.HOUR:
        due = start + dt.timedelta(hours=rule.amount)
        return PeriodEnd(due, due.astimezone(SHANGHAI).date(), False, rule.legal_basis)
    first = local.date()
    base = first - ONE_DAY if rule.start_day_counts else first  # §201: the start day does not count
    if rule.unit == Unit.WORKING_DAY:
        last = calendar.add_working_days(base, rule.amount)
    else:
        last = base + dt.timedelta(days=rule.amount)
        if rule.holiday_rollover and not calendar.is_working_day(last):
            last = calendar.next_working_day(last)  # §203
    if rule.day_end == DayEnd.CLOSE_OF_BUSINESS:
        due = dt.datetime.combine(last, close_of_business(), SHANGHAI)
    else:
        due = dt.datetime.combine(last + ONE_DAY, dt.time(0, 0), SHANGHAI)  # 24:00 of the last day
    return PeriodEnd(due, last, calendar.provisional_between(first, last), rule.legal_basis)


def rule_get(code: str) -> PeriodRule:
    rule = PeriodRule.objects.filter(code=code).first()
    if rule is None:
        raise DomainError(CalendarError.RULE_UNKNOWN, detail={"rule": code})
    return rule
