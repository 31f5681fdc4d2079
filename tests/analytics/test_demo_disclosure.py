"""The demo's disclosure (`ggzy.demo.disclosure`): the months before the current one are published through
`report_publish`, from the month of the first published notice; the previous month even when every notice
is in the current month; a second run changes nothing."""

from __future__ import annotations

import pytest

from ggzy.analytics.models import DisclosureReport
from ggzy.demo import disclosure
from ggzy.events.models import Event
from tests.analytics.conftest import Trade

pytestmark = pytest.mark.django_db


def months() -> list[str]:
    return [f"{m:%Y-%m}" for m in DisclosureReport.objects.order_by("month").values_list("month", flat=True)]


def test_the_months_of_the_demo_notices_before_this_one_are_published(trade: Trade) -> None:
    trade.march()
    trade.now("2026-05-02 12:00")
    disclosure.load()
    assert months() == ["2026-03", "2026-04"]
    assert DisclosureReport.objects.get(month="2026-03-01").totals["announcements"] == 3
    events = Event.objects.filter(type="analytics.disclosure.published").count()
    disclosure.load()
    assert months() == ["2026-03", "2026-04"]
    assert Event.objects.filter(type="analytics.disclosure.published").count() == events == 2
    assert disclosure.summary() == "2026-04, 2026-03"


def test_notices_all_in_this_month_still_publish_the_previous_one_empty(trade: Trade) -> None:
    trade.march()
    trade.now("2026-03-31 23:59")
    disclosure.load()
    assert months() == ["2026-02"]
    assert DisclosureReport.objects.get().rows == []
