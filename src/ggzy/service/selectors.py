"""Published figures of service quality (12.2.2): per month and service — ratings, average score, bad
ratings and how many were followed up — and a staff member's own figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q

from ggzy.calendar.calc import SHANGHAI
from ggzy.service.models import FollowUp, Rating


@dataclass(frozen=True)
class MonthFigures:
    service: str
    ratings: int
    average: float | None
    bad: int
    followed_up: int


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, month, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=SHANGHAI)  # noqa: PLR2004
    return start, end


def monthly_figures(*, centre: Any, year: int, month: int, staff: Any = None) -> list[MonthFigures]:
    start, end = month_bounds(year, month)
    ratings = Rating.objects.filter(centre=centre, rated_at__gte=start, rated_at__lt=end)
    if staff is not None:
        ratings = ratings.filter(staff=staff)
    rows = (
        ratings.values("service")
        .annotate(
            n=Count("id"),
            avg=Avg("score"),
            bad_n=Count("id", filter=Q(score__lte=2)),
            followed=Count("follow_up", filter=Q(score__lte=2)),
        )
        .order_by("service")
    )
    return [
        MonthFigures(
            service=r["service"],
            ratings=r["n"],
            average=round(float(r["avg"]), 2) if r["avg"] is not None else None,
            bad=r["bad_n"],
            followed_up=r["followed"],
        )
        for r in rows
    ]


def published_follow_ups(*, centre: Any, year: int, month: int) -> list[FollowUp]:
    """Follow-ups of bad ratings given in the month (published: no rater's name)."""
    start, end = month_bounds(year, month)
    return list(
        FollowUp.objects.filter(rating__centre=centre, rating__rated_at__gte=start, rating__rated_at__lt=end)
        .select_related("rating")
        .order_by("at")
    )
