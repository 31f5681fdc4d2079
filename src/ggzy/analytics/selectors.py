"""Reads of the disclosure (standard 6.10.2): a month's trading figures computed from the published notices,
and the published reports.

**What is counted** (`month_figures`), per trading category and per region at city level (the project's
region code, its first four digits and "00": 210102 → 210100), over the notices published in the month
(Beijing time) — published as the public sees it (`notices.selectors.published_q`): nothing is read before
its publication instant, and a withdrawn notice was never published:

* announcements: the notices that open a procedure (`ANNOUNCING`: tender, procurement, land offer, asset
  transfer, prequalification, invitation, single-source publicity) — not corrections, special matters,
  terminations or results;
* sections announced: the distinct sections those announcements name (one naming none names every section
  of its tender project), and the sum of their budget or ceiling price (integer fen);
* result notices (`RESULTS`: publicity of the winning candidates, award, deal, publicity of the deal);
* terminations.

Every figure is one aggregate query in the database (no loop over notices in Python): the counts are
grouped by category and city there, so a month of many notices costs the same two queries as a month of
one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import CharField, Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Concat, Substr

from ggzy.analytics.models import DisclosureReport
from ggzy.core import regions
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import PLATFORM_ZONE
from ggzy.core.types import Viewer
from ggzy.notices.models import Notice, NoticeType
from ggzy.notices.selectors import published_q
from ggzy.registry.models import Section, TradingCategory

#: The notices that announce a procedure (the original announcing notices).
ANNOUNCING = (
    NoticeType.TENDER,
    NoticeType.PROCUREMENT,
    NoticeType.LAND_OFFER,
    NoticeType.ASSET_TRANSFER,
    NoticeType.PREQUALIFICATION,
    NoticeType.INVITATION,
    NoticeType.SINGLE_SOURCE,
)
#: The notices that publish a result: 中标候选人公示, 成交结果公示, 中标结果公告, 成交公告.
RESULTS = (NoticeType.CANDIDATES, NoticeType.DEAL_PUBLICITY, NoticeType.AWARD, NoticeType.DEAL)
TERMINATIONS = (NoticeType.TERMINATION,)
#: The counted figures of a row, in the order of the table and the CSV.
FIGURE_KEYS = ("announcements", "sections", "budget_fen", "results", "terminations")

#: A row as stored in a report: string and integer values only.
RowDict = dict[str, str | int]


@dataclass(frozen=True)
class FigureRow:
    """One trading category in one region (city level) in one month."""

    category: str  # TradingCategory code
    category_name: str  # its stored (Chinese) name, as published
    region: str  # the city-level region code
    region_name: str  # its full name (GB/T 2260), as published
    announcements: int
    sections: int
    budget_fen: int
    results: int
    terminations: int

    def as_dict(self) -> RowDict:
        return dict(asdict(self))


def month_start(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)  # noqa: PLR2004


def previous_month(month: dt.date) -> dt.date:
    return dt.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's first instant and the next month's, in Beijing time (its calendar month)."""
    month = month_start(month)
    start = dt.datetime(month.year, month.month, 1, tzinfo=PLATFORM_ZONE)
    following = next_month(month)
    return start, dt.datetime(following.year, following.month, 1, tzinfo=PLATFORM_ZONE)


def month_of(instant: dt.datetime) -> dt.date:
    """The calendar month (its first day) an instant falls in, in Beijing time."""
    return month_start(instant.astimezone(PLATFORM_ZONE).date())


def _city(region_path: str) -> Concat:
    return Concat(Substr(region_path, 1, 4), Value("00"), output_field=CharField())


def _published_in(month: dt.date, now: dt.datetime) -> QuerySet[Notice]:
    start, end = month_bounds(month)
    return Notice.objects.filter(published_q(now), publish_at__gte=start, publish_at__lt=end)


def month_figures(*, month: dt.date, now: dt.datetime) -> list[FigureRow]:
    """The month's figures as the public may read them at `now`, one row per category and city that had a
    counted notice, by category (its order) and region code. Two aggregate queries and one of the
    categories' names."""
    notices = _published_in(month, now)
    counts = (
        notices.filter(type__in=(*ANNOUNCING, *RESULTS, *TERMINATIONS))
        .annotate(
            category_code=F("tender_project__project__category"),
            city=_city("tender_project__project__region"),
        )
        .values("category_code", "city")
        .annotate(
            announcements=Count("pk", filter=Q(type__in=ANNOUNCING)),
            results=Count("pk", filter=Q(type__in=RESULTS)),
            terminations=Count("pk", filter=Q(type__in=TERMINATIONS)),
        )
        .order_by()
    )
    announcing = notices.filter(type__in=ANNOUNCING)
    named = Notice.sections.through.objects.filter(notice__in=announcing).values("section_id")
    whole = announcing.filter(sections__isnull=True).values("tender_project_id")
    sections = (
        Section.objects.filter(Q(pk__in=named) | Q(tender_project__in=whole))
        .annotate(
            category_code=F("tender_project__project__category"),
            city=_city("tender_project__project__region"),
        )
        .values("category_code", "city")
        .annotate(n=Count("pk"), budget=Sum("budget_fen"))
        .order_by()
    )
    found: dict[tuple[str, str], dict[str, int]] = {}
    for row in counts:
        found.setdefault((row["category_code"], row["city"]), {}).update(
            announcements=row["announcements"], results=row["results"], terminations=row["terminations"]
        )
    for row in sections:
        # int(): PostgreSQL sums a bigint column as numeric (a Decimal, exact for an integer)
        found.setdefault((row["category_code"], row["city"]), {}).update(
            sections=row["n"], budget_fen=int(row["budget"] or 0)
        )
    categories = {c.code: c for c in TradingCategory.objects.filter(code__in={k[0] for k in found})}

    def order(key: tuple[str, str]) -> tuple[int, str, str]:
        category = categories.get(key[0])
        return (category.order if category else 0, key[0], key[1])

    return [
        FigureRow(
            category=code,
            category_name=categories[code].name if code in categories else code,
            region=city,
            region_name=regions.full_name(city),
            announcements=found[code, city].get("announcements", 0),
            sections=found[code, city].get("sections", 0),
            budget_fen=found[code, city].get("budget_fen", 0),
            results=found[code, city].get("results", 0),
            terminations=found[code, city].get("terminations", 0),
        )
        for code, city in sorted(found, key=order)
    ]


def totals_of(rows: list[FigureRow]) -> dict[str, int]:
    return {key: sum(int(getattr(row, key)) for row in rows) for key in FIGURE_KEYS}


def earliest_published_month(*, now: dt.datetime) -> dt.date | None:
    """The month of the first notice published by `now` (none: no notice was ever published)."""
    first = (
        Notice.objects.filter(published_q(now)).order_by("publish_at").values_list("publish_at", flat=True)
    )
    instant = first.first()
    return month_of(instant) if instant is not None else None


# --- the published reports --------------------------------------------------------------------------


def published_reports() -> QuerySet[DisclosureReport]:
    """Every published report, newest month first (without the CSV bytes)."""
    return DisclosureReport.objects.defer("csv").order_by("-month")


def published_months(*, since: dt.date, until: dt.date) -> set[dt.date]:
    return set(
        DisclosureReport.objects.filter(month__gte=since, month__lte=until).values_list("month", flat=True)
    )


def is_published(month: dt.date) -> bool:
    return DisclosureReport.objects.filter(month=month_start(month)).exists()


def access_report(*, viewer: Viewer, month: dt.date) -> DisclosureReport:
    """The published report of a month, for anyone; a month without one (not over, not yet due, or before
    the platform) raises the same not-found error as a month that cannot exist."""
    found = DisclosureReport.objects.filter(month=month_start(month)).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found
