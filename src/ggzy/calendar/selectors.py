from __future__ import annotations

from django.db.models import QuerySet

from ggzy.calendar.calc import Calendar, YearData
from ggzy.calendar.models import PeriodRule


def year_get(year: int) -> YearData:
    return Calendar().year(year)


def rule_list() -> QuerySet[PeriodRule]:
    """The rule table: by sector, then by code."""
    return PeriodRule.objects.order_by("sector", "code")
