"""Deadlines across real periods of the official calendar (民法典 §201, §203)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.calendar.calc import Calendar, period_end, rule_get
from ggzy.calendar.errors import CalendarError
from ggzy.calendar.models import CalendarYear, PeriodRule
from ggzy.core.errors import DomainError

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=SH)


@pytest.mark.clause("6.2.4")
def test_two_working_days_from_the_day_before_national_day_2026() -> None:
    end = period_end(at(2026, 9, 30), rule_get("registration-review"))
    # Oct 1–7 are holidays (Oct 10 is a working Saturday): the 1st working day is Oct 8, the 2nd Oct 9
    assert end.last_day == dt.date(2026, 10, 9)
    assert end.due_at == dt.datetime(2026, 10, 9, 17, 0, tzinfo=SH)  # close of business
    assert end.provisional is False


def test_twenty_days_ending_on_a_holiday_with_and_without_section_203() -> None:
    rule = rule_get("tender-bid-period")
    end = period_end(at(2026, 9, 13), rule)  # day 20 is 2026-10-03, in the National Day holiday
    assert end.last_day == dt.date(2026, 10, 8)  # §203: the first working day after the holiday
    assert end.due_at == dt.datetime(2026, 10, 9, 0, 0, tzinfo=SH)  # 24:00 of the last day
    no_rollover = PeriodRule.objects.create(
        code="t-no-203",
        name="t",
        amount=20,
        unit="calendar_day",
        holiday_rollover=False,
        legal_basis="test",
        certainty="law",
    )
    plain = period_end(at(2026, 9, 13), no_rollover)
    assert plain.last_day == dt.date(2026, 10, 3)


def test_start_day_counts_only_when_the_rule_says_so() -> None:
    counted = PeriodRule.objects.create(
        code="t-counted",
        name="t",
        amount=1,
        unit="calendar_day",
        start_day_counts=True,
        legal_basis="test",
        certainty="law",
    )
    assert period_end(at(2026, 11, 24), counted).last_day == dt.date(2026, 11, 24)
    assert period_end(at(2026, 11, 24), rule_get("objection-answer")).last_day == dt.date(2026, 11, 27)


def test_five_working_days_over_spring_festival_2026_with_adjusted_saturdays() -> None:
    end = period_end(at(2026, 2, 12), rule_get("procurement-notice"))
    # Feb 13 (Fri), Feb 14 (working Saturday), then Feb 15–23 off, Feb 24, 25, 26
    assert end.last_day == dt.date(2026, 2, 26)
    calendar = Calendar()
    assert calendar.is_working_day(dt.date(2026, 2, 14))
    assert calendar.is_working_day(dt.date(2026, 2, 28))
    assert not calendar.is_working_day(dt.date(2026, 2, 16))
    assert calendar.working_days_between(dt.date(2026, 2, 12), dt.date(2026, 2, 26)) == 5


def test_hours_do_not_depend_on_the_calendar() -> None:
    end = period_end(at(2026, 10, 1, 9), rule_get("answer-within-24h"))
    assert end.due_at == at(2026, 10, 2, 9)


def test_a_deadline_reaching_into_2027_is_provisional() -> None:
    assert not CalendarYear.objects.filter(year=2027).exists()
    end = period_end(at(2026, 12, 20), rule_get("tender-bid-period"))
    # day 20 = 2027-01-09, a Saturday: §203 moves it to Monday 2027-01-11 (provisional calendar)
    assert end.last_day == dt.date(2027, 1, 11)
    assert end.provisional is True


def test_bad_input() -> None:
    with pytest.raises(DomainError) as caught:
        rule_get("no-such-rule")
    assert caught.value.code is CalendarError.RULE_UNKNOWN
    with pytest.raises(DomainError) as caught:
        Calendar().add_working_days(dt.date(2026, 1, 5), -1)
    assert caught.value.code is CalendarError.AMOUNT_NEGATIVE
    with pytest.raises(DomainError) as caught:
        Calendar().is_working_day(dt.date(1999, 5, 3))  # neither official nor provisional data
    assert caught.value.code is CalendarError.NO_DATA
    with pytest.raises(DomainError) as caught:
        period_end(dt.datetime(2026, 1, 5, 9), rule_get("objection-answer"))  # noqa: DTZ001
    assert caught.value.code is CalendarError.NAIVE_TIME


@settings(max_examples=60, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2026, 10, 31)),
    n=st.integers(min_value=0, max_value=40),
)
def test_adding_n_working_days_then_counting_gives_n(day: dt.date, n: int) -> None:
    calendar = Calendar()
    assert calendar.working_days_between(day, calendar.add_working_days(day, n)) == n


def test_official_years_come_from_the_state_council_notices() -> None:
    years = list(CalendarYear.objects.values_list("year", flat=True))
    assert years[0] == 2004
    assert years[-1] == 2026
    assert "国务院办公厅" in CalendarYear.objects.get(year=2026).source


def test_derived_state_from_stored_instants(make_user: Callable[..., Any]) -> None:
    from ggzy.core.timestate import state_at

    published, closed = at(2026, 11, 1), at(2026, 11, 21)
    states = [(published, "published"), (closed, "closed"), (None, "opened")]
    assert state_at(at(2026, 10, 31), before="registered", milestones=states) == "registered"
    assert state_at(at(2026, 11, 10), before="registered", milestones=states) == "published"
    assert state_at(closed, before="registered", milestones=states) == "closed"


def test_calendar_page_and_calculator(client: Any) -> None:
    page = client.get("/calendar/?year=2026").content.decode()
    assert "2026-10-10" in page  # a working Saturday
    assert "国庆节" in page or "National Day" in page
    result = client.get("/calendar/?rule=tender-bid-period&start=2026-12-20T10:00").content.decode()
    assert "2027-01-12 00:00" in result  # 24:00 of Monday 2027-01-11
    assert "暂定" in result  # provisional: 2027 is not official yet
    bad = client.get("/calendar/?rule=tender-bid-period&start=yesterday").content.decode()
    assert 'role="alert"' in bad


def test_calendar_api(client: Any) -> None:
    body = client.get(
        "/api/v1/calendar/period", {"rule": "registration-review", "start": "2026-09-30T10:00:00+08:00"}
    ).json()
    assert body["due_at"] == "2026-10-09T17:00:00+08:00"
    assert body["provisional"] is False
    year = client.get("/api/v1/calendar/years/2027").json()
    assert year["official"] is False
    assert {d["date"] for d in year["days"]} >= {"2027-02-06", "2027-10-01"}
    naive = client.get(
        "/api/v1/calendar/period", {"rule": "registration-review", "start": "2026-09-30T10:00:00"}
    )
    assert naive.json()["code"] == "naive_time"
