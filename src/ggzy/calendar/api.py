from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Path, Query, Status

from ggzy.calendar import selectors, services
from ggzy.calendar.calc import Calendar, period_end, rule_get
from ggzy.calendar.errors import CalendarError
from ggzy.calendar.schemas import ClosureIn, ClosureOut, DayOut, PeriodOut, RuleOut, YearIn, YearOut
from ggzy.core.access import actor_of, allow, public
from ggzy.core.api import Router, refuses
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role

router = Router(tags=["calendar"])


@router.get(
    "/calendar/years/{year}", response=YearOut, summary="Holidays and adjusted working days of a year"
)
@public
def year_get(request: HttpRequest, year: int = Path(..., ge=2004, le=2100)) -> YearOut:
    data = selectors.year_get(year)
    days = [DayOut(date=d, kind="holiday", name=n) for d, n in data.holidays.items()]
    days += [DayOut(date=d, kind="workday", name=n) for d, n in data.workdays.items()]
    return YearOut(
        year=year, official=data.official, source=data.source, days=sorted(days, key=lambda d: d.date)
    )


@router.post("/calendar/years", response={201: YearOut}, summary="Load a year's official arrangement")
@allow(Role.SYSTEM_ADMIN)
@refuses(CalendarError.YEAR_ALREADY_OFFICIAL)
def year_load(request: HttpRequest, payload: YearIn) -> Status[YearOut]:
    services.calendar_year_load(
        actor=actor_of(request),
        year=payload.year,
        holidays=payload.holidays,
        workdays=payload.workdays,
        source=payload.source,
    )
    return Status(201, year_get(request, payload.year))


@router.get("/calendar/rules", response=list[RuleOut], summary="The period rules")
@public
def rule_list(request: HttpRequest) -> list[RuleOut]:
    return [RuleOut.model_validate(r, from_attributes=True) for r in selectors.rule_list()]


@router.get("/calendar/period", response=PeriodOut, summary="When a period of a rule starting at a time ends")
@public
def period(
    request: HttpRequest,
    rule: str = Query(..., max_length=64),
    start: dt.datetime = Query(...),
    centre: str = Query("", max_length=32),
) -> PeriodOut:
    if start.tzinfo is None:
        raise DomainError(CalendarError.NAIVE_TIME)
    end = period_end(start, rule_get(rule), Calendar(centre))
    return PeriodOut(
        rule=rule,
        start=start,
        due_at=end.due_at,
        last_day=end.last_day,
        provisional=end.provisional,
        basis=end.basis,
    )


@router.post("/calendar/closures", response={201: ClosureOut}, summary="Close a centre for a day")
@allow(Role.SYSTEM_ADMIN)
@refuses(CalendarError.CLOSURE_EXISTS)
def closure_add(request: HttpRequest, payload: ClosureIn) -> Status[ClosureOut]:
    closure = services.closure_add(
        actor=actor_of(request), centre=payload.centre, date=payload.date, reason=payload.reason
    )
    return Status(201, ClosureOut(centre=closure.centre, date=closure.date, reason=closure.reason))
