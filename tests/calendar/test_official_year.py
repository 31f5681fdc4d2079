"""Loading an official year: provisional deadlines move later (and the parties are told), never
earlier without an approved exception; bad arrangements and closures are refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ggzy.calendar.errors import CalendarError
from ggzy.calendar.models import CalendarYear, Closure
from ggzy.calendar.services import calendar_year_load, closure_add, deadline_allow_earlier, deadline_set
from ggzy.calendar.statutory import statutory_holidays
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.events.models import Event, Message

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 12, 20, 10, tzinfo=SH)  # 20 days later: Saturday 2027-01-09 -> Monday 01-11


def statutory_2027() -> dict[dt.date, str]:
    return dict(statutory_holidays(2027))


@pytest.fixture
def provisional(make_user: Callable[..., Any]) -> Any:
    bidder = make_user(Role.RESPONDER)
    deadline = deadline_set(
        owner="tendering.section:E1", rule_code="tender-bid-period", start=START, parties=[bidder]
    )
    assert deadline.provisional
    assert deadline.due_at == dt.datetime(2027, 1, 12, 0, 0, tzinfo=SH)
    return deadline, bidder


@pytest.mark.clause("6.5.1")
def test_a_holiday_in_the_official_year_moves_the_deadline_later_and_tells_the_parties(
    provisional: Any, make_user: Callable[..., Any]
) -> None:
    deadline, bidder = provisional
    holidays = statutory_2027() | {dt.date(2027, 1, 11): "Hypothetical Day"}
    calendar_year_load(
        actor=make_user(Role.SYSTEM_ADMIN),
        year=2027,
        holidays=holidays,
        workdays={},
        source="国办发明电〔2026〕某号",
    )
    deadline.refresh_from_db()
    assert deadline.due_at == dt.datetime(2027, 1, 13, 0, 0, tzinfo=SH)
    assert deadline.provisional is False
    moved = Event.objects.get(type="calendar.deadline.moved")
    assert moved.data["to"].startswith("2027-01-12T16:00:00")  # 2027-01-13 00:00 in Shanghai, as UTC
    message = Message.objects.get(recipient=bidder, template="calendar.deadline_moved")
    assert "2027-01-12 00:00" in message.body
    assert "2027-01-13 00:00" in message.body


def test_an_adjusted_working_day_does_not_move_an_announced_deadline_earlier(
    provisional: Any, make_user: Callable[..., Any]
) -> None:
    deadline, bidder = provisional
    calendar_year_load(
        actor=make_user(Role.SYSTEM_ADMIN),
        year=2027,
        holidays=statutory_2027(),
        workdays={dt.date(2027, 1, 9): "Hypothetical working Saturday"},
        source="国办发明电〔2026〕某号",
    )
    deadline.refresh_from_db()
    assert deadline.due_at == dt.datetime(2027, 1, 12, 0, 0, tzinfo=SH)  # stays put, not the 10th
    assert deadline.provisional is False
    assert not Message.objects.filter(recipient=bidder).exists()


def test_with_an_approved_exception_it_may_move_earlier(
    provisional: Any, make_user: Callable[..., Any]
) -> None:
    deadline, _bidder = provisional
    staff = make_user(Role.CENTRE_STAFF)
    deadline_allow_earlier(actor=staff, deadline=deadline, approval="监管部门批复 2026-12-21")
    calendar_year_load(
        actor=make_user(Role.SYSTEM_ADMIN),
        year=2027,
        holidays=statutory_2027(),
        workdays={dt.date(2027, 1, 9): "Hypothetical working Saturday"},
        source="国办发明电〔2026〕某号",
    )
    deadline.refresh_from_db()
    assert deadline.due_at == dt.datetime(2027, 1, 10, 0, 0, tzinfo=SH)
    assert Event.objects.filter(type="calendar.deadline.exception").count() == 1


@pytest.mark.parametrize(
    ("holidays", "workdays", "source"),
    [
        ({}, {}, "国办发明电〔2026〕某号"),  # the statutory days are missing
        (
            None,
            {dt.date(2027, 1, 6): "Wednesday"},
            "国办发明电〔2026〕某号",
        ),  # a weekday as adjusted working day
        (None, {dt.date(2028, 1, 8): "next year"}, "国办发明电〔2026〕某号"),
        (None, {}, "  "),  # no source
    ],
)
def test_bad_arrangements_are_refused_and_nothing_is_written(
    holidays: Any, workdays: dict[dt.date, str], source: str, make_user: Callable[..., Any]
) -> None:
    with pytest.raises(DomainError) as caught:
        calendar_year_load(
            actor=make_user(Role.SYSTEM_ADMIN),
            year=2027,
            holidays=statutory_2027() if holidays is None else holidays,
            workdays=workdays,
            source=source,
        )
    assert caught.value.code is CalendarError.ARRANGEMENT_INVALID
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_an_official_year_is_loaded_once(make_user: Callable[..., Any]) -> None:
    with pytest.raises(DomainError) as caught:
        calendar_year_load(
            actor=make_user(Role.SYSTEM_ADMIN), year=2026, holidays={}, workdays={}, source="x"
        )
    assert caught.value.code is CalendarError.YEAR_ALREADY_OFFICIAL


def test_closures(make_user: Callable[..., Any]) -> None:
    admin = make_user(Role.SYSTEM_ADMIN)
    with pytest.raises(DomainError) as caught:
        closure_add(actor=admin, centre="LN", date=dt.date(2026, 10, 10), reason="搬迁")  # a working Saturday
    assert caught.value.code is CalendarError.CLOSURE_ON_WORKDAY
    closure_add(actor=admin, centre="LN", date=dt.date(2026, 12, 1), reason="停电检修")
    with pytest.raises(DomainError):
        closure_add(actor=admin, centre="LN", date=dt.date(2026, 12, 1), reason="again")
    assert Closure.objects.count() == 1
    from ggzy.calendar.calc import Calendar

    assert not Calendar("LN").is_working_day(dt.date(2026, 12, 1))
    assert Calendar("DL").is_working_day(dt.date(2026, 12, 1))
