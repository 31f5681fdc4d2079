"""Demo disclosure (standard 6.10.2): the monthly trading information of the months before the current one,
published through `analytics.services.report_publish` as the tick job would on its day.

Every month from the month of the first published demo notice to the previous month is published; when the
demo's notices all fall in the current month, the previous month is published anyway (an empty month is a
publication too: "本月无公告"). The current month is left to the tick job `analytics.disclosure_publish`,
after its end. Idempotent: a month already published is left as it is."""

from __future__ import annotations

from ggzy.analytics import selectors, services
from ggzy.core import clock


def load() -> None:
    """Publish the reports of the months before the current one (on the demo's clock) not yet published."""
    now = clock.now()
    last = selectors.previous_month(selectors.month_of(now))
    first = selectors.earliest_published_month(now=now)
    month = min(first, last) if first is not None else last
    while month <= last:
        if not selectors.is_published(month):
            services.report_publish(month=month)
        month = selectors.next_month(month)


def summary() -> str:
    """One line for the demo's report: the published months."""
    months = [f"{report.month:%Y-%m}" for report in selectors.published_reports()]
    return ", ".join(months) or "none"
