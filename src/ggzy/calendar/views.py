"""The public calendar page: the year's holidays and adjusted working days, the period rules, and a
deadline calculator (a plain GET form)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ggzy.calendar import selectors
from ggzy.calendar.anchors import event_name
from ggzy.calendar.calc import SHANGHAI, Calendar, period_end, rule_get
from ggzy.calendar.names import holiday_name
from ggzy.core import clock
from ggzy.core.access import public
from ggzy.core.errors import DomainError


@public
def calendar_page(request: HttpRequest) -> HttpResponse:
    today = clock.local_now().date()
    try:
        year = int(request.GET.get("year", today.year))
        data = selectors.year_get(year)
    except (ValueError, DomainError):
        year, data = today.year, selectors.year_get(today.year)
    result, error = None, ""
    rule_code, start_text = request.GET.get("rule", ""), request.GET.get("start", "")
    if rule_code and start_text:
        try:
            start = dt.datetime.fromisoformat(start_text)
            start = start if start.tzinfo else start.replace(tzinfo=SHANGHAI)
            result = period_end(start, rule_get(rule_code), Calendar())
        except ValueError:
            error = "bad_start"
        except DomainError as exc:
            error = str(exc.message)
    rules = list(selectors.rule_list())
    days = sorted(
        [(d, "holiday", holiday_name(n)) for d, n in data.holidays.items()]
        + [(d, "workday", holiday_name(n)) for d, n in data.workdays.items()]
    )
    return render(
        request,
        "calendar/calendar.html",
        {
            "year": year,
            "data": data,
            "days": days,
            "rules": rules,
            "rule_rows": [(r, event_name(r.anchor)) for r in rules],
            "result": result,
            "error": error,
            "rule_code": rule_code,
            "start_text": start_text or timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
        },
    )
