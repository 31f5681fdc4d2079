from __future__ import annotations

from django.db.models import QuerySet

from ggzy.accounts.models import Centre
from ggzy.accounts.selectors import (  # noqa: F401  (re-exported: the centres of staff are accounts' facts)
    access_staff_centre,
    centre_list,
    chosen_centre,
    staff_centres,
)
from ggzy.calendar.calc import Calendar, YearData
from ggzy.calendar.models import Bound, LocalPeriodRule, PeriodRule


def year_get(year: int) -> YearData:
    return Calendar().year(year)


def rule_list() -> QuerySet[PeriodRule]:
    """The rule table: by sector, then by code."""
    return PeriodRule.objects.order_by("sector", "code")


def floor_rules() -> QuerySet[PeriodRule]:
    """The rules a centre may lengthen locally: the floors ("at least"), by sector, then by code."""
    return rule_list().filter(bound=Bound.AT_LEAST)


def local_rules(*, centre: str = "") -> QuerySet[LocalPeriodRule]:
    """The centres' longer local periods (of `centre` only, when given), with their rules. Public: a
    centre's local rule binds everyone trading there."""
    found = LocalPeriodRule.objects.select_related("rule").order_by("centre", "rule__code")
    return found.filter(centre=centre) if centre else found


def centres_named(codes: set[str]) -> dict[str, Centre]:
    """The centres of `codes`, by code (one query)."""
    return {c.code: c for c in centre_list().filter(code__in=codes)} if codes else {}
