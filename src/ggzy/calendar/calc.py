"""Counting time the way the law counts it: the official calendar, working days, period rules.

All instants are aware; days are dates in Asia/Shanghai. A `Calendar` loads each year it needs
once (one query): the official arrangement where it is loaded, otherwise a provisional year made of
the statutory holidays alone (ggzy.calendar.statutory), marked provisional wherever it shows.

The rule table, in both directions — one convention (民法典 §201–§204):

* A rule relates two events, the *earlier* and the *later*: for a rule "after" its anchor the
  anchor is the earlier (documents first issued → bid deadline), for a rule "before" its anchor the
  act is the earlier (a clarification → the bid deadline).
* The period is always counted **forward from the earlier event**, by `period_end`: §201, the day
  of the earlier event does not count (counting starts the next day); working days are those of the
  official calendar (调休 included); §203, a last day on a holiday moves to the next working day,
  and the last day ends at 24:00 (or at close of business where the rule says so).
* "At least N" (a floor): the later event is legal from the end of that period, i.e. **N whole
  days lie between the earlier event's day and the later event's day**. The time of day of either
  event plays no part: "N days before 09:30 on day E" means an act on day E − N − 1 or earlier (for
  calendar days), whatever its hour; "N days after" an act on day D means from 24:00 of day D + N.
  Justification: §201 counts days, not hours, and excludes the first day; §203 ends the N-th day at
  24:00, so the N days have run only then. It is the strictest reading of "至少 N 日前 / 不得少于 N
  日": a date it accepts is legal under every reading (some practice counts the later event's own
  day; we do not: a date we refuse for that one day is the price of never accepting an illegal one).
* "Within N" (a limit): the later event must come no later than the end of that period.
* Backward computations invert the same forward count (never a second formula): the latest legal
  earlier event for a given later one is the last day whose period, counted forward, ends by the
  later event; the earliest legal earlier event for a "within" rule, the first day whose period
  ends at or after it. A moved anchor is simply re-read: every bound counted back from it moves.
* An instant at exactly 00:00 is 24:00 of the day before (§203), so a period that ends at 24:00 can
  anchor the next one: a 质疑 counted from the end of a result announcement (24:00 of its last day)
  counts from the next day (政府采购法实施条例 §53: 公告期限届满之日).
* Hours are exact (§201, second sentence): the hours start at the instant itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ggzy.calendar.errors import CalendarError
from ggzy.calendar.models import (
    Bound,
    CalendarDay,
    CalendarYear,
    Closure,
    DayEnd,
    DayKind,
    Direction,
    LocalPeriodRule,
    PeriodRule,
    Unit,
)
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


def day_of(instant: dt.datetime) -> dt.date:
    """The day an instant falls on, in Beijing time; an instant at exactly 00:00 is 24:00 of the day
    before (民法典 §203: a day ends at 24:00), so a period ending at 24:00 can anchor the next period
    (a 质疑 counted from the end of a result announcement starts the next day, not the one after)."""
    local = instant.astimezone(SHANGHAI)
    day = local.date()
    return day - ONE_DAY if local.time() == dt.time(0, 0) else day


def period_end(start: dt.datetime, rule: PeriodRule, calendar: Calendar | None = None) -> PeriodEnd:
    """When a period of `rule` that starts at `start` ends (民法典 §201, §203 as the rule says)."""
    if start.tzinfo is None:
        raise DomainError(CalendarError.NAIVE_TIME)
    calendar = calendar or Calendar()
    if rule.unit == Unit.HOUR:
        due = start + dt.timedelta(hours=rule.amount)
        return PeriodEnd(due, due.astimezone(SHANGHAI).date(), False, rule.legal_basis)
    first = day_of(start)
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


# --- the rule table, in both directions ---------------------------------------------------------------

SEARCH_LIMIT = 1000  # days searched back for a backward bound: far more than any rule of the table spans


@dataclass(frozen=True)
class LegalBound:
    """The earliest or latest legal instant of one event of a rule, given the other event."""

    rule: str
    kind: Literal["earliest", "latest"]
    of: Literal["act", "anchor"]  # which event the bound is for
    at: dt.datetime  # inclusive: the event is legal at `at` itself
    day: dt.date  # the local day of `at` (for a latest bound: the last legal day)
    provisional: bool
    basis: str


def effective_rule(rule: PeriodRule, centre: str = "") -> PeriodRule:
    """The rule as `centre` applies it: the law's floor, or the centre's longer local period."""
    if not centre or rule.bound != Bound.AT_LEAST:
        return rule
    local = LocalPeriodRule.objects.filter(centre=centre, rule=rule).first()
    if local is None:
        return rule
    return replace_amount(rule, local.amount, local.unit)


def replace_amount(rule: PeriodRule, amount: int, unit: str) -> PeriodRule:
    """An unsaved copy of `rule` counting `amount` `unit` (a local rule, or one compared with it)."""
    copy = PeriodRule(
        **{f.attname: getattr(rule, f.attname) for f in PeriodRule._meta.concrete_fields if not f.primary_key}
    )
    copy.amount, copy.unit = amount, unit
    return copy


def _day_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12, 0), SHANGHAI)


def _day_end(day: dt.date) -> dt.datetime:
    """24:00 of `day` (the next day's 00:00, which `day_of` counts in `day`)."""
    return dt.datetime.combine(day + ONE_DAY, dt.time(0, 0), SHANGHAI)


def _earlier_bound(
    later: dt.datetime, rule: PeriodRule, calendar: Calendar
) -> tuple[dt.datetime, dt.date, bool]:
    """The bound on the earlier event, found by counting forward from candidate days (the inverse)."""
    if later.tzinfo is None:
        raise DomainError(CalendarError.NAIVE_TIME)
    if rule.unit == Unit.HOUR:
        at = later - dt.timedelta(hours=rule.amount)
        return at, at.astimezone(SHANGHAI).date(), False

    def ends(day: dt.date) -> PeriodEnd:
        return period_end(_day_noon(day), rule, calendar)

    day = day_of(later)
    if rule.bound == Bound.AT_LEAST:  # the last day whose period has run out by `later`
        for _step in range(SEARCH_LIMIT):
            end = ends(day)
            if end.due_at <= later:
                return _day_end(day), day, end.provisional
            day -= ONE_DAY
    else:  # the first day whose period still reaches `later`
        for _step in range(SEARCH_LIMIT):
            if ends(day - ONE_DAY).due_at < later:
                # its first instant: 00:00 is the day before's 24:00, so one microsecond after it
                return _day_end(day - ONE_DAY) + dt.timedelta(microseconds=1), day, ends(day).provisional
            day -= ONE_DAY
    raise DomainError(CalendarError.NO_DATA, detail={"rule": rule.code})  # pragma: no cover


def legal_bound(
    rule: PeriodRule,
    *,
    anchor_at: dt.datetime | None = None,
    act_at: dt.datetime | None = None,
    calendar: Calendar | None = None,
) -> LegalBound:
    """The bound of the event not given: of the act given the anchor, or of the anchor given the act.

    E.g. `tender-bid-period` given the documents' first issue: the earliest legal bid deadline;
    `tender-clarification-notice` given the bid deadline: the latest legal clarification, and given a
    clarification: the earliest legal (possibly postponed) deadline."""
    given = anchor_at if anchor_at is not None else act_at
    if given is None or (anchor_at is not None and act_at is not None):
        raise ValueError("give exactly one of anchor_at and act_at")
    calendar = calendar or Calendar()
    given_is_earlier = (anchor_at is not None) == (rule.direction == Direction.AFTER)
    of: Literal["act", "anchor"] = "act" if anchor_at is not None else "anchor"
    floor = rule.bound == Bound.AT_LEAST
    if given_is_earlier:  # the unknown is the later event: the forward count bounds it
        end = period_end(given, rule, calendar)
        at, provisional = end.due_at, end.provisional
        kind: Literal["earliest", "latest"] = "earliest" if floor else "latest"
        day = at.astimezone(SHANGHAI).date() if floor else end.last_day
    else:  # the unknown is the earlier event: the inverse
        at, day, provisional = _earlier_bound(given, rule, calendar)
        kind = "latest" if floor else "earliest"
    return LegalBound(rule.code, kind, of, at, day, provisional, rule.legal_basis)


def earliest_legal(
    code: str, *, anchor_at: dt.datetime | None = None, act_at: dt.datetime | None = None, centre: str = ""
) -> LegalBound:
    """The earliest legal instant of the event not given (ValueError if the rule bounds it from above)."""
    bound = legal_bound(
        effective_rule(rule_get(code), centre), anchor_at=anchor_at, act_at=act_at, calendar=Calendar(centre)
    )
    if bound.kind != "earliest":
        raise ValueError(f"{code} gives a latest instant here, not an earliest")
    return bound


def latest_legal(
    code: str, *, anchor_at: dt.datetime | None = None, act_at: dt.datetime | None = None, centre: str = ""
) -> LegalBound:
    """The latest legal instant of the event not given (ValueError if the rule bounds it from below)."""
    bound = legal_bound(
        effective_rule(rule_get(code), centre), anchor_at=anchor_at, act_at=act_at, calendar=Calendar(centre)
    )
    if bound.kind != "latest":
        raise ValueError(f"{code} gives an earliest instant here, not a latest")
    return bound


def rule_check(
    code: str,
    *,
    act_at: dt.datetime,
    anchor_at: dt.datetime,
    centre: str = "",
    moving: Literal["act", "anchor"] = "act",
) -> None:
    """Refuse an act (a notice, a deadline, an objection…) that breaks rule `code` relative to its
    anchor, naming the rule, its legal basis and the earliest (or latest) legal instant — of the act,
    or, with `moving="anchor"`, of the anchor given the act (a deadline a clarification must leave 15
    days before: the refusal names the earliest legal deadline)."""
    if act_at.tzinfo is None or anchor_at.tzinfo is None:
        raise DomainError(CalendarError.NAIVE_TIME)
    rule = effective_rule(rule_get(code), centre)
    if moving == "anchor":
        bound = legal_bound(rule, act_at=act_at, calendar=Calendar(centre))
        moved = anchor_at
    else:
        bound = legal_bound(rule, anchor_at=anchor_at, calendar=Calendar(centre))
        moved = act_at
    legal = moved >= bound.at if bound.kind == "earliest" else moved <= bound.at
    if legal:
        return
    shown = local_text(bound)
    text = (
        _("{rule} ({basis}): the earliest legal time is {at}.")
        if bound.kind == "earliest"
        else _("{rule} ({basis}): the latest legal time is {at}.")
    )
    message = format_lazy(text, rule=rule.name, basis=rule.legal_basis, at=shown)
    raise DomainError(
        CalendarError.PERIOD_RULE_BROKEN,
        message,
        detail={
            "rule": rule.code,
            "name": rule.name,
            "legal_basis": rule.legal_basis,
            "certainty": rule.certainty,
            "amount": rule.amount,
            "unit": rule.unit,
            bound.kind: bound.at.isoformat(),
            "day": bound.day.isoformat(),
            "provisional": bound.provisional,
        },
    )


def local_text(bound: LegalBound) -> str:
    """A bound as people read it: a latest bound at the end of a day is "that day 24:00"."""
    local = bound.at.astimezone(SHANGHAI)
    if bound.kind == "latest" and local.time() == dt.time(0, 0):
        return f"{bound.day:%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"
