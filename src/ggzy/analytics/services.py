"""The disclosure's one write (standard 6.10.2): `report_publish` computes a month's trading information from
the published notices (`selectors.month_figures`) and publishes it, once, with the CSV file as published and
its SM3, recording the public event `analytics.disclosure.published`.

A published report is never changed: a second publication of its month is refused
(`disclosure_report_published`), and the unique month makes two publications at one instant (two tick
passes) end with one report and one event — the other's transaction rolls back. A month is published
only once it is over (Beijing time): before its end its figures could still grow.

The CSV (`report_csv`) is the published document: UTF-8 with a byte-order mark (so spreadsheet programs
read the Chinese), its column headers in Chinese whatever the language of the request that caused the
publication, one row per trading category and region, then a totals row, amounts in yuan with two
decimals computed from integer fen (`core.formatting.yuan`, through `Decimal`, never a float). The bytes
are stored with the report, so the file downloaded later is byte for byte the one whose SM3 was recorded."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext

from ggzy.analytics import selectors
from ggzy.analytics.errors import AnalyticsError
from ggzy.analytics.event_types import AnalyticsEvents
from ggzy.analytics.models import DisclosureReport
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import yuan
from ggzy.core.types import Actor
from ggzy.events.services import event_record
from ggzy_sm.sm3 import sm3

#: The language of the published file (the platform's legal language).
CSV_LANGUAGE = "zh-hans"
BOM = "\ufeff"


def csv_headers() -> list[str]:
    """The CSV's column headers, in the active language."""
    return [
        gettext("Month"),
        gettext("Trading category code"),
        gettext("Trading category"),
        gettext("Region code"),
        gettext("Region"),
        gettext("Announcements"),
        gettext("Sections announced"),
        gettext("Budget or ceiling price of the sections (yuan)"),
        gettext("Result notices"),
        gettext("Termination notices"),
    ]


def report_csv(
    *, month: dt.date, rows: Sequence[Mapping[str, str | int]], totals: Mapping[str, int]
) -> bytes:
    """The month's CSV file as published: UTF-8 with BOM, Chinese headers, amounts in yuan (two decimals)."""
    label = f"{month:%Y-%m}"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    with translation.override(CSV_LANGUAGE):
        writer.writerow(csv_headers())
        total_label = gettext("Total")
    for row in rows:
        writer.writerow(
            [
                label,
                row["category"],
                row["category_name"],
                row["region"],
                row["region_name"],
                int(row["announcements"]),
                int(row["sections"]),
                yuan(int(row["budget_fen"]), grouping=False),
                int(row["results"]),
                int(row["terminations"]),
            ]
        )
    writer.writerow([
        label, "", total_label, "", "",
        totals["announcements"], totals["sections"], yuan(totals["budget_fen"], grouping=False),
        totals["results"], totals["terminations"],
    ])  # fmt: skip
    return (BOM + out.getvalue()).encode("utf-8")


@transaction.atomic
def report_publish(*, month: dt.date, actor: Actor | None = None) -> DisclosureReport:
    """Publish the trading information of `month` (any day of it: the month is meant), once, after the
    month's end; `actor` None is the tick job (or the demo). An empty month is published too: it says
    that nothing was announced."""
    month = selectors.month_start(month)
    now = clock.now()
    if selectors.is_published(month):
        raise DomainError(AnalyticsError.REPORT_PUBLISHED, detail={"month": f"{month:%Y-%m}"})
    if selectors.month_bounds(month)[1] > now:
        raise DomainError(AnalyticsError.MONTH_NOT_OVER, detail={"month": f"{month:%Y-%m}"})
    figures = selectors.month_figures(month=month, now=now)
    rows = [row.as_dict() for row in figures]
    totals = selectors.totals_of(figures)
    data = report_csv(month=month, rows=rows, totals=totals)
    digest = sm3(data).hex()
    try:
        with transaction.atomic():  # a savepoint: another pass that published it first is a refusal
            report = DisclosureReport.objects.create(
                month=month, rows=rows, totals=totals, csv=data, csv_sm3=digest, published_at=now,
                published_by=actor,
            )  # fmt: skip
    except IntegrityError as exc:
        raise DomainError(AnalyticsError.REPORT_PUBLISHED, detail={"month": f"{month:%Y-%m}"}) from exc
    event_record(
        type=AnalyticsEvents.DISCLOSURE_PUBLISHED,
        actor=actor,
        data={
            "month": f"{month:%Y-%m}",
            "rows": len(rows),
            "announcements": totals["announcements"],
            "results": totals["results"],
            "terminations": totals["terminations"],
            "csv_sm3": digest,
        },
    )
    return report
