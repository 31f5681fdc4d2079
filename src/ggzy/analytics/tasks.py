"""Tick job `analytics.disclosure_publish`: publish each month's trading information on schedule.

A month is due from the `GGZY_DISCLOSURE_DAY` (1–28, default 5) of the following month at 09:00 Beijing
time. Each pass publishes every due month that has no report yet: the previous month once its day has
come, and any earlier month a stopped tick left behind (from the month of the first published notice on),
so a gap is caught up and nothing is published twice (`services.report_publish` refuses a published
month; the unique month settles two passes at one instant). An empty month is published too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ggzy.analytics import selectors, services
from ggzy.analytics.errors import AnalyticsError
from ggzy.core import clock, tick
from ggzy.core.errors import DomainError
from ggzy.core.formatting import PLATFORM_ZONE

DEFAULT_DAY = 5
#: The hour (Beijing time) of the disclosure day from which the previous month is published.
RELEASE_HOUR = 9
LAST_DAY = 28  # every month has it


def disclosure_day() -> int:
    """`GGZY_DISCLOSURE_DAY`: the day of the month the previous month's report is published (1–28)."""
    value = getattr(settings, "GGZY_DISCLOSURE_DAY", DEFAULT_DAY)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LAST_DAY:
        raise ImproperlyConfigured(
            f"GGZY_DISCLOSURE_DAY must be a day of the month from 1 to 28, not {value!r}"
        )
    return value


def disclosure_day_check(app_configs: Sequence[object] | None = None, **kwargs: object) -> list[checks.Error]:
    """System check: the disclosure day is a whole number from 1 to 28."""
    try:
        disclosure_day()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="ggzy.analytics.E001")]
    return []


def last_due_month(now: dt.datetime) -> dt.date:
    """The latest month whose report is due at `now`: the previous month from its disclosure day at
    09:00 on, the one before it until then."""
    local = now.astimezone(PLATFORM_ZONE)
    previous = selectors.previous_month(selectors.month_start(local.date()))
    release = dt.datetime(local.year, local.month, disclosure_day(), RELEASE_HOUR, tzinfo=PLATFORM_ZONE)
    return previous if local >= release else selectors.previous_month(previous)


def due_months(now: dt.datetime) -> list[dt.date]:
    """The months due at `now` without a report, oldest first."""
    last = last_due_month(now)
    first = selectors.earliest_published_month(now=now)
    month = min(first, last) if first is not None else last
    published = selectors.published_months(since=month, until=last)
    due = []
    while month <= last:
        if month not in published:
            due.append(month)
        month = selectors.next_month(month)
    return due


def disclosure_publish() -> int:
    """Tick job: publish the due months' reports; how many this pass published."""
    done = 0
    for month in due_months(clock.now()):
        try:
            services.report_publish(month=month)
        except DomainError as exc:
            if exc.code is not AnalyticsError.REPORT_PUBLISHED:
                raise
            continue  # another pass published it first
        done += 1
    return done


tick.register("analytics.disclosure_publish", disclosure_publish)
