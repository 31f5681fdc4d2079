"""The public disclosure pages (standard 6.10.2): the published months with the latest month's table
(`/disclosure/`), a month's table (`/disclosure/<yyyy-mm>/`) and its CSV file as published
(`/disclosure/<yyyy-mm>.csv`). A month without a published report — not over, not yet due, or one that
cannot exist — is the same 404 (`selectors.access_report`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ggzy.analytics import selectors, tasks
from ggzy.analytics.models import DisclosureReport
from ggzy.core.access import public
from ggzy.core.context_processors import TRADING_CATEGORIES
from ggzy.core.formatting import yuan


def _table(report: DisclosureReport) -> dict[str, Any]:
    """The report's rows as the page shows them: the category in the reader's language, money in yuan."""
    labels = dict(TRADING_CATEGORIES)
    rows = [
        {
            **row,
            "category_label": str(labels.get(row["category"], row["category_name"])),
            "budget_yuan": yuan(int(row["budget_fen"])),
        }
        for row in report.rows
    ]
    totals = {**report.totals, "budget_yuan": yuan(int(report.totals.get("budget_fen", 0)))}
    return {"report": report, "rows": rows, "totals": totals}


@public
def index(request: HttpRequest) -> HttpResponse:
    reports = list(selectors.published_reports())
    context = {
        "reports": reports,
        "latest": _table(reports[0]) if reports else None,
        "day": tasks.disclosure_day(),
        "time": f"{tasks.RELEASE_HOUR:02d}:00",
    }
    return render(request, "analytics/index.html", context)


@public
def month(request: HttpRequest, month: dt.date) -> HttpResponse:
    report = selectors.access_report(viewer=request.user, month=month)
    return render(request, "analytics/month.html", _table(report))


@public
def month_csv(request: HttpRequest, month: dt.date) -> HttpResponse:
    """The file as published: its bytes are the ones whose SM3 the page shows."""
    report = selectors.access_report(viewer=request.user, month=month)
    response = HttpResponse(bytes(report.csv), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="disclosure-{report.month:%Y-%m}.csv"'
    response["X-Content-SM3"] = report.csv_sm3
    return response
