"""Seed data, ensured after every migrate (and after a test flush): the official arrangements
2004–2026 from `chinesecalendar` (which transcribes the State Council General Office's yearly
notices) and the period rules the law and practice give (each rule below names its article or
source). Only what is missing is added: a year an administrator loaded, or a rule an administrator
changed, is kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

SOURCE = "国务院办公厅历年节假日安排通知（经 chinesecalendar {version} 转录）"

RULES = [
    # code, name, amount, unit, start counts, §203 rollover, day end, basis, certainty
    ("registration-review", "项目登记办结", 2, "working_day", False, True, "close", "标准 6.2.4", "law"),
    (
        "tender-docs-on-sale",
        "招标文件发售期",
        5,
        "calendar_day",
        False,
        True,
        "midnight",
        "招标投标法实施条例 §16",
        "law",
    ),
    (
        "tender-bid-period",
        "招标文件发出至投标截止",
        20,
        "calendar_day",
        False,
        True,
        "midnight",
        "招标投标法 §24",
        "law",
    ),
    (
        "tender-clarification-notice",
        "澄清修改距投标截止",
        15,
        "calendar_day",
        False,
        True,
        "midnight",
        "招标投标法实施条例 §21",
        "law",
    ),
    (
        "tender-objection-docs",
        "对招标文件异议距投标截止",
        10,
        "calendar_day",
        False,
        True,
        "midnight",
        "招标投标法实施条例 §22",
        "law",
    ),
    (
        "objection-answer",
        "异议答复",
        3,
        "calendar_day",
        False,
        True,
        "midnight",
        "招标投标法实施条例 §22、§54",
        "law",
    ),
    (
        "candidate-publicity",
        "中标候选人公示",
        3,
        "calendar_day",
        False,
        True,
        "midnight",
        "招标投标法实施条例 §54",
        "law",
    ),
    (
        "complaint-filing",
        "向行政监督部门投诉",
        10,
        "calendar_day",
        False,
        True,
        "midnight",
        "招标投标法实施条例 §60",
        "law",
    ),
    (
        "complaint-acceptance",
        "投诉受理决定",
        3,
        "working_day",
        False,
        True,
        "midnight",
        "工程建设项目招标投标活动投诉处理办法 §11",
        "law",
    ),
    ("contract-signing", "签订合同", 30, "calendar_day", False, True, "midnight", "招标投标法 §46", "law"),
    (
        "award-report",
        "向行政监督部门提交书面报告",
        15,
        "calendar_day",
        False,
        True,
        "midnight",
        "招标投标法 §47",
        "verify",
    ),
    (
        "procurement-notice",
        "政府采购招标公告期限",
        5,
        "working_day",
        False,
        True,
        "midnight",
        "政府采购货物和服务招标投标管理办法",
        "law",
    ),
    (
        "procurement-challenge",
        "政府采购质疑",
        7,
        "working_day",
        False,
        True,
        "midnight",
        "政府采购法 §52",
        "law",
    ),
    (
        "procurement-result-notice",
        "政府采购结果公告",
        1,
        "working_day",
        False,
        True,
        "midnight",
        "政府采购法实施条例 §43",
        "verify",
    ),
    (
        "land-transfer-notice",
        "土地出让公告期",
        20,
        "calendar_day",
        False,
        True,
        "midnight",
        "招标拍卖挂牌出让国有建设用地使用权规定",
        "verify",
    ),
    (
        "land-listing-period",
        "挂牌期",
        10,
        "working_day",
        False,
        True,
        "close",
        "国土资源部令第39号（各地多按工作日执行，待核）",
        "verify",
    ),
    (
        "assets-disclosure",
        "国有产权转让正式披露",
        20,
        "working_day",
        False,
        True,
        "close",
        "企业国有资产交易监督管理办法",
        "verify",
    ),
    ("answer-within-24h", "24 小时内答复", 24, "hour", False, False, "midnight", "服务承诺", "practice"),
    # consultation and service quality (standard 6.1, 12.1.1, 12.2): the centre's published commitments
    (
        "consultation-online",
        "网上咨询答复",
        1,
        "working_day",
        False,
        True,
        "close",
        "服务承诺（标准 12.1.1）",
        "practice",
    ),
    (
        "consultation-phone",
        "电话咨询答复（需查证的）",
        1,
        "working_day",
        False,
        True,
        "close",
        "服务承诺（标准 12.1.1）",
        "practice",
    ),
    (
        "consultation-on-site",
        "现场咨询答复（需查证的）",
        1,
        "working_day",
        False,
        True,
        "close",
        "服务承诺（标准 12.1.1）",
        "practice",
    ),
    (
        "service-feedback",
        "服务投诉、意见答复",
        5,
        "working_day",
        False,
        True,
        "close",
        "服务承诺（标准 12.2.1）",
        "practice",
    ),
    (
        "bad-rating-follow-up",
        "差评回访整改",
        15,
        "working_day",
        False,
        True,
        "close",
        "国办发〔2019〕51号 政务服务“好差评”制度",
        "verify",
    ),
]


def seed(using: str = "default") -> None:
    import chinese_calendar

    from ggzy.calendar.models import CalendarDay, CalendarYear, PeriodRule

    version = getattr(chinese_calendar, "__version__", "")
    present = set(CalendarYear.objects.using(using).values_list("year", flat=True))
    years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    for year in (y for y in years if y not in present):
        row = CalendarYear.objects.using(using).create(
            year=year,
            source=SOURCE.format(version=version),
            loaded_at=dt.datetime(2026, 11, 28, tzinfo=dt.UTC),
        )
        days = [
            CalendarDay(year=row, date=d, kind="holiday", name=str(name))
            for d, name in chinese_calendar.holidays.items()
            if d.year == year
        ] + [
            CalendarDay(year=row, date=d, kind="workday", name=str(name))
            for d, name in chinese_calendar.workdays.items()
            if d.year == year
        ]
        CalendarDay.objects.using(using).bulk_create(days)
    codes = set(PeriodRule.objects.using(using).values_list("code", flat=True))
    PeriodRule.objects.using(using).bulk_create(
        [
            PeriodRule(
                code=code,
                name=name,
                amount=amount,
                unit=unit,
                start_day_counts=counts,
                holiday_rollover=rollover,
                day_end=day_end,
                legal_basis=basis,
                certainty=certainty,
            )
            for code, name, amount, unit, counts, rollover, day_end, basis, certainty in RULES
            if code not in codes
        ]
    )


def seed_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    seed(using=using)
