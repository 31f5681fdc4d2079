"""`{{ instant|limit_time }}`: a time limit as the law and the services word it — an instant at 00:00 is
the end of the day before ("2026-12-09 24:00", as `calendar.calc.local_text` writes it in messages and
refusals), any other instant in Asia/Shanghai to the minute."""

from __future__ import annotations

import datetime as dt

from django import template

from ggzy.calendar.calc import SHANGHAI

register = template.Library()


@register.filter
def limit_time(instant: dt.datetime | None) -> str:
    if instant is None:
        return ""
    local = instant.astimezone(SHANGHAI)
    if local.time() == dt.time(0, 0):
        return f"{local.date() - dt.timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"
