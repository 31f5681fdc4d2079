"""Publication on a schedule (6.10.2): `report_publish` stores a month's figures and its CSV once, after the
month's end, with a public event; the tick job `analytics.disclosure_publish` publishes the previous month
from the disclosure day at 09:00 (Beijing time) on, once; a published report never changes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, transaction

from ggzy.analytics import selectors, services, tasks
from ggzy.analytics.models import DisclosureReport
from ggzy.core import tick
from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.notices.models import Notice
from ggzy_sm.sm3 import sm3
from tests.analytics.conftest import Trade, at

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
PUBLISHED = "analytics.disclosure.published"


def months() -> list[str]:
    return [f"{m:%Y-%m}" for m in DisclosureReport.objects.order_by("month").values_list("month", flat=True)]


@pytest.mark.clause("6.10.2")
def test_a_month_is_published_once_with_its_csv_and_a_public_event(trade: Trade) -> None:
    trade.march()
    trade.now("2026-04-02 12:00")
    report = services.report_publish(month=dt.date(2026, 3, 17))  # any day of the month means the month
    assert report.month == MARCH
    assert report.published_at == at("2026-04-02 12:00")
    assert [(r["category"], r["region"], r["announcements"]) for r in report.rows] == [
        ("engineering", "210100", 1),
        ("engineering", "210200", 1),
        ("procurement", "210100", 1),
    ]
    assert all(isinstance(v, str | int) for row in report.rows for v in row.values())
    assert report.totals == {
        "announcements": 3, "sections": 4, "budget_fen": 3094567890, "results": 2, "terminations": 1,
    }  # fmt: skip
    data = bytes(report.csv)
    assert report.csv_sm3 == sm3(data).hex()
    assert data.startswith("\ufeff".encode())
    [event] = Event.objects.filter(type=PUBLISHED)
    assert (event.visibility, event.event_class, event.actor) == ("public", "domain", None)
    body = json.loads(event.document)["data"]
    assert body == {
        "month": "2026-03", "rows": 3, "announcements": 3, "results": 2, "terminations": 1,
        "csv_sm3": report.csv_sm3,
    }  # fmt: skip

    with pytest.raises(DomainError) as again:
        services.report_publish(month=MARCH)
    assert again.value.code.value == "disclosure_report_published"
    assert Event.objects.filter(type=PUBLISHED).count() == 1


def test_the_csv_is_chinese_with_amounts_in_yuan_from_fen(trade: Trade) -> None:
    trade.march()
    trade.now("2026-04-02 12:00")
    report = services.report_publish(month=MARCH)
    lines = list(csv.reader(io.StringIO(bytes(report.csv).decode("utf-8-sig"))))
    assert lines[0] == [
        "月份", "交易类别代码", "交易类别", "地区代码", "地区", "公告数", "公告标段数",
        "标段预算或最高限价合计（元）", "结果公告公示数", "终止公告数",
    ]  # fmt: skip
    assert lines[1] == [
        "2026-03", "engineering", "工程建设", "210100", "辽宁省沈阳市", "1", "2", "20345678.90", "0", "1"
    ]  # fmt: skip
    assert lines[2][7] == "8000000.00"
    assert lines[3][:8] == [
        "2026-03",
        "procurement",
        "政府采购",
        "210100",
        "辽宁省沈阳市",
        "1",
        "1",
        "2600000.00",
    ]
    assert lines[-1] == ["2026-03", "", "合计", "", "", "3", "4", "30945678.90", "2", "1"]
    assert len(lines) == 5


def test_a_month_is_published_after_its_end_only(trade: Trade) -> None:
    trade.now("2026-03-31 23:59")
    with pytest.raises(DomainError) as early:
        services.report_publish(month=MARCH)
    assert early.value.code.value == "disclosure_month_not_over"
    trade.now("2026-04-01 00:00")
    assert services.report_publish(month=MARCH).rows == []  # an empty month is a publication too
    assert not DisclosureReport.objects.filter(month=APRIL).exists()


@pytest.mark.clause("6.10.2")
def test_the_tick_publishes_the_previous_month_on_its_day_at_nine(trade: Trade) -> None:
    job = tick.jobs()["analytics.disclosure_publish"]
    trade.march()
    trade.now("2026-04-05 08:59")
    job()
    assert "2026-03" not in months()  # not before the 5th at 09:00
    assert months() == ["2026-02"]  # the month before the first notice: due since 5 March, empty
    trade.now("2026-04-05 09:00")
    assert job() == 1
    assert months() == ["2026-02", "2026-03"]
    assert job() == 0  # once
    assert Event.objects.filter(type=PUBLISHED).count() == 2
    trade.now("2026-05-04 23:00")
    assert job() == 0
    trade.now("2026-05-05 09:00")
    assert job() == 1
    assert months() == ["2026-02", "2026-03", "2026-04"]


def test_the_tick_catches_up_on_months_it_missed(trade: Trade) -> None:
    trade.march()
    trade.now("2026-07-10 12:00")  # the tick did not run in April, May or June
    assert tasks.disclosure_publish() == 4
    assert months() == ["2026-03", "2026-04", "2026-05", "2026-06"]
    assert tasks.disclosure_publish() == 0


def test_the_disclosure_day_is_a_setting_from_1_to_28(trade: Trade, settings: Any) -> None:
    settings.GGZY_DISCLOSURE_DAY = 10
    trade.now("2026-04-10 08:59")
    tasks.disclosure_publish()
    assert "2026-03" not in months()
    trade.now("2026-04-10 09:00")
    tasks.disclosure_publish()
    assert "2026-03" in months()
    for wrong in (0, 29, "5", True):
        settings.GGZY_DISCLOSURE_DAY = wrong
        with pytest.raises(ImproperlyConfigured):
            tasks.disclosure_day()
        assert [e.id for e in tasks.disclosure_day_check()] == ["ggzy.analytics.E001"]
    settings.GGZY_DISCLOSURE_DAY = 28
    assert tasks.disclosure_day_check() == []


def test_a_published_report_never_changes(trade: Trade) -> None:
    trade.march()
    trade.now("2026-04-05 09:00")
    tasks.disclosure_publish()
    report = DisclosureReport.objects.get(month=MARCH)
    before = (report.rows, report.totals, bytes(report.csv), report.csv_sm3, report.published_at)
    # a notice of March that turns up after the publication (as if imported late): the report stays
    late = trade.published["works_dl tender"]
    late.pk, late.uid, late.reference = None, uuid.uuid4(), "late"
    late.save(force_insert=True)
    Notice.objects.filter(reference="late").update(publish_at=at("2026-03-30 10:00"))
    trade.now("2026-04-06 09:00")
    recounted = selectors.month_figures(month=MARCH, now=at("2026-04-06 09:00"))
    assert [r.announcements for r in recounted if r.region == "210200"] == [2]  # counted if computed now
    assert tasks.disclosure_publish() == 0
    with pytest.raises(DomainError):
        services.report_publish(month=MARCH)
    report = DisclosureReport.objects.get(month=MARCH)
    assert (report.rows, report.totals, bytes(report.csv), report.csv_sm3, report.published_at) == before
    assert [r["announcements"] for r in report.rows if r["region"] == "210200"] == [1]
    # and the database refuses to change it, whatever the code does
    with pytest.raises(DatabaseError), transaction.atomic():
        DisclosureReport.objects.filter(month=MARCH).update(rows=[])
    assert DisclosureReport.objects.get(month=MARCH).rows == before[0]
