"""The public disclosure pages (6.10.2): the published months and the latest table, a month's table in yuan
with its totals, its CSV file as published (its SM3 on the page and stored), and 404 — never 500 — for a
month that is not published or cannot exist. In Chinese by default."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ggzy.analytics import services
from ggzy.analytics.models import DisclosureReport
from ggzy.core import clock
from ggzy_sm.sm3 import sm3
from tests.analytics.conftest import Trade

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def published(trade: Trade) -> DisclosureReport:
    trade.march()
    trade.now("2026-04-05 09:00")
    services.report_publish(month=dt.date(2026, 2, 1))  # an empty month
    return services.report_publish(month=MARCH)


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def row(page: str, category: str, region: str) -> str:
    found = re.search(rf'<tr data-category="{category}" data-region="{region}">(.*?)</tr>', page, re.DOTALL)
    assert found, (category, region)
    return found.group(1)


def totals(page: str) -> str:
    found = re.search(r'<tr data-testid="totals">(.*?)</tr>', page, re.DOTALL)
    assert found
    return found.group(1)


def cell(fragment: str, name: str) -> str:
    found = re.search(rf'data-testid="{name}">([^<]*)<', fragment)
    assert found, name
    return found.group(1).strip()


def test_the_list_shows_the_months_newest_first_and_the_latest_table(published: DisclosureReport) -> None:
    response = Client().get("/disclosure/")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    page = text(response)
    assert "交易信息公开" in page
    assert "统计口径" in page  # what is counted, in words
    assert "次月 5 日 09:00" in page
    assert re.findall(r'data-month="(\d{4}-\d{2})"', page) == ["2026-03", "2026-02"]
    assert "最新一期：2026-03" in page
    assert cell(row(page, "engineering", "210100"), "budget") == "20,345,678.90"
    assert 'href="/disclosure/2026-03/"' in page
    assert 'href="/disclosure/2026-03.csv"' in page


def test_a_month_shows_its_table_in_yuan_with_totals(published: DisclosureReport) -> None:
    response = Client().get("/disclosure/2026-03/")
    assert response.status_code == 200
    page = text(response)
    assert "2026-03 交易信息" in page
    assert '<div class="table-responsive">' in page
    assert "<caption>" in page
    assert '<th scope="col">交易类别</th>' in page
    works_sy = row(page, "engineering", "210100")
    assert "工程建设" in works_sy
    assert "辽宁省沈阳市" in works_sy
    figures = ("announcements", "sections", "budget", "results", "terminations")
    assert [cell(works_sy, k) for k in figures] == ["1", "2", "20,345,678.90", "0", "1"]
    assert cell(row(page, "engineering", "210200"), "budget") == "8,000,000.00"
    assert "辽宁省大连市" in row(page, "engineering", "210200")
    assert cell(row(page, "procurement", "210100"), "budget") == "2,600,000.00"
    assert [cell(totals(page), k) for k in figures] == ["3", "4", "30,945,678.90", "2", "1"]
    assert "合计" in totals(page)


def test_an_empty_month_says_so(published: DisclosureReport) -> None:
    page = text(Client().get("/disclosure/2026-02/"))
    assert "本月无公告" in page
    assert cell(totals(page), "budget") == "0.00"


@pytest.mark.clause("6.10.2")
def test_the_csv_is_the_published_file_and_its_sm3_is_shown(published: DisclosureReport) -> None:
    client = Client()
    response = client.get("/disclosure/2026-03.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="disclosure-2026-03.csv"'
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0][:3] == ["月份", "交易类别代码", "交易类别"]
    assert [line[7] for line in lines[1:]] == ["20345678.90", "8000000.00", "2600000.00", "30945678.90"]
    digest = sm3(body).hex()
    assert digest == DisclosureReport.objects.get(month=MARCH).csv_sm3
    shown = re.findall(
        r'data-testid="csv-sm3">([0-9a-f]{64})<', client.get("/disclosure/2026-03/").content.decode()
    )
    assert shown == [digest]
    # the same bytes whatever the reader's language
    english = Client()
    english.cookies["django_language"] = "en"
    assert english.get("/disclosure/2026-03.csv").content == body


def test_the_page_is_in_english_when_chosen(published: DisclosureReport) -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    page = text(client.get("/disclosure/2026-03/"))
    assert "Trading information of 2026-03" in page
    assert "Construction projects" in row(page, "engineering", "210100")
    assert "Sections announced" in page


@pytest.mark.parametrize(
    "address",
    [
        "/disclosure/2026-13/",
        "/disclosure/2026-00/",
        "/disclosure/0000-01/",
        "/disclosure/abcd/",
        "/disclosure/2026-3/",
        "/disclosure/2026-04/",  # not published (not over when asked)
        "/disclosure/2025-12/",  # before anything was published
        "/disclosure/2026-13.csv",
        "/disclosure/2026-04.csv",
        "/disclosure/abcd.csv",
    ],
)
def test_a_month_not_published_or_impossible_is_not_found(published: DisclosureReport, address: str) -> None:
    response = Client(raise_request_exception=False).get(address)
    assert response.status_code == 404


def test_the_list_costs_the_same_queries_for_many_months(published: DisclosureReport) -> None:
    client = Client()
    client.get("/disclosure/")  # warm
    with CaptureQueriesContext(connection) as few:
        client.get("/disclosure/")
    report = DisclosureReport.objects.get(month=MARCH)
    for year in range(2010, 2026):  # sixteen more months, written as the service writes them
        DisclosureReport.objects.create(
            month=dt.date(year, 1, 1), rows=[], totals=report.totals, csv=b"x", csv_sm3=sm3(b"x").hex(),
            published_at=clock.now(),
        )  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        page = text(client.get("/disclosure/"))
    assert len(many) == len(few)
    assert len(re.findall(r'data-month="', page)) == 18
