"""The month's figures (6.10.2), computed in the database from the published notices: by trading category
and city, announcements (not corrections), sections and their budgets in fen, results and terminations
apart; nothing before its instant; months in Beijing time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ggzy.analytics import selectors
from ggzy.analytics.selectors import FigureRow
from ggzy.notices.models import NoticeType
from tests.analytics.conftest import Trade, at

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


def figures(month: dt.date, now: str) -> dict[tuple[str, str], FigureRow]:
    return {(r.category, r.region): r for r in selectors.month_figures(month=month, now=at(now))}


@pytest.mark.clause("6.10.2")
def test_march_by_category_and_city(trade: Trade) -> None:
    trade.march()
    march = figures(MARCH, "2026-04-02 12:00")
    assert set(march) == {
        ("engineering", "210100"),
        ("engineering", "210200"),
        ("procurement", "210100"),  # 210102 (和平区) is Shenyang's
    }
    works_sy = march["engineering", "210100"]
    # the tender notice names no section: both of its tender project's; the correction is no announcement
    assert (works_sy.announcements, works_sy.sections, works_sy.budget_fen) == (1, 2, 1234567890 + 800000000)
    assert (works_sy.results, works_sy.terminations) == (0, 1)
    assert works_sy.region_name == "辽宁省沈阳市"
    assert works_sy.category_name == "工程建设"
    works_dl = march["engineering", "210200"]
    # the tender notice names its second section only; the candidates at 23:30 on 31 March are March's
    assert (works_dl.announcements, works_dl.sections, works_dl.budget_fen) == (1, 1, 800000000)
    assert (works_dl.results, works_dl.terminations) == (1, 0)
    assert works_dl.region_name == "辽宁省大连市"
    goods_sy = march["procurement", "210100"]
    assert (goods_sy.announcements, goods_sy.sections, goods_sy.budget_fen) == (1, 1, 260000000)
    assert (goods_sy.results, goods_sy.terminations) == (1, 0)  # the award
    assert all(isinstance(v, int) for r in march.values() for v in (r.budget_fen, r.sections))
    assert selectors.totals_of(list(march.values())) == {
        "announcements": 3,
        "sections": 4,
        "budget_fen": 2034567890 + 800000000 + 260000000,
        "results": 2,
        "terminations": 1,
    }


def test_rows_are_in_category_order_then_region(trade: Trade) -> None:
    trade.march()
    rows = selectors.month_figures(month=MARCH, now=at("2026-04-02 12:00"))
    assert [(r.category, r.region) for r in rows] == [
        ("engineering", "210100"),
        ("engineering", "210200"),
        ("procurement", "210100"),
    ]
    assert all(isinstance(v, str | int) for r in rows for v in r.as_dict().values())


def test_nothing_is_read_before_its_instant(trade: Trade) -> None:
    trade.march()
    notice = trade.published["goods_dl procurement"]
    assert notice.publish_at == at("2026-04-03 10:00")
    assert notice.scheduled_at is not None
    assert notice.scheduled_at < at("2026-04-01 00:00")
    assert figures(APRIL, "2026-04-03 09:59") == {}  # scheduled in March, not published before its instant
    april = figures(APRIL, "2026-04-03 10:00")
    assert (april["procurement", "210200"].announcements, april["procurement", "210200"].budget_fen) == (
        1,
        350000050,
    )
    # and the March figures read at the end of March hold no notice scheduled for April
    assert ("procurement", "210200") not in figures(MARCH, "2026-03-31 23:59")


def test_the_month_ends_at_midnight_in_beijing(trade: Trade) -> None:
    trade.march()
    candidates = trade.published["works_dl candidates"]
    assert candidates.publish_at == dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC)
    assert figures(MARCH, "2026-03-31 23:29")["engineering", "210200"].results == 0
    assert figures(MARCH, "2026-03-31 23:30")["engineering", "210200"].results == 1
    trade.april()
    april = figures(APRIL, "2026-05-01 00:00")
    assert ("engineering", "210200") not in april  # the 31 March candidates are not April's
    assert april["engineering", "210100"].results == 1  # 8 April
    assert april["engineering", "210100"].announcements == 0
    assert selectors.month_bounds(MARCH) == (at("2026-03-01 00:00"), at("2026-04-01 00:00"))
    assert selectors.month_of(dt.datetime(2026, 3, 31, 16, 0, tzinfo=dt.UTC)) == APRIL


def test_a_withdrawn_notice_and_the_other_types_are_not_counted(trade: Trade) -> None:
    from ggzy.notices import services as notices

    trade.march()
    trade.now("2026-03-20 11:00")
    draft = notices.notice_draft(
        actor=trade.world.agent_user,
        tender_project=trade.works_sy,
        notice_type="special",
        title="特殊事项公告",
        content={"matter": "开标当日由北门进入。", "contacts": "李，13900000001"},
    )
    notices.notice_schedule(actor=trade.world.agent_user, notice=draft, publish_at=at("2026-03-20 11:05"))
    assert figures(MARCH, "2026-04-02 12:00")["engineering", "210100"].announcements == 1  # special: none
    assert NoticeType.CORRECTION not in selectors.ANNOUNCING + selectors.RESULTS
    assert set(selectors.ANNOUNCING) | set(selectors.RESULTS) | set(selectors.TERMINATIONS) == set(
        NoticeType
    ) - {NoticeType.CORRECTION, NoticeType.SPECIAL}


def test_the_figures_cost_the_same_queries_for_few_notices_as_for_many(trade: Trade) -> None:
    trade.march()
    trade.april()
    with CaptureQueriesContext(connection) as few:  # April: two notices
        selectors.month_figures(month=APRIL, now=at("2026-05-02 12:00"))
    with CaptureQueriesContext(connection) as many:  # March: eight
        selectors.month_figures(month=MARCH, now=at("2026-05-02 12:00"))
    assert len(many) == len(few) == 3  # the counts, the sections, the categories' names
