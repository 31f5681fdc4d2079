"""The public notice list (standard 4.1.4, 6.4.2): Chinese full-text search through `ggzy.core.search`
and filters by category, type, region, dates and amount, over the portal's index (`NoticeIndex`, written
when a notice is scheduled). What is not yet published is neither listed nor counted; bad input is said
clearly and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from ggzy.core import clock, search
from ggzy.notices import selectors, services
from ggzy.notices.models import NoticeIndex
from ggzy.notices.selectors import PortalFilter
from ggzy.registry.models import TenderProject
from tests.notices.conftest import Place, accepted

pytestmark = pytest.mark.django_db


def found(**filters: Any) -> list[str]:
    return [row.title for row in selectors.portal_notices(PortalFilter(**filters))]


def listed(client: Client, **params: str) -> tuple[int, str]:
    """The status and the list's table (or the whole page when there is no table)."""
    response = client.get("/notices/", params)
    body = response.content.decode()
    return response.status_code, body.split('data-testid="notices"')[-1]


@pytest.fixture
def notices(place: Place, freeze: Any) -> dict[str, Any]:
    now = clock.now()
    freeze(now)
    first, second = (s.code for s in place.tender_project.sections.order_by("code"))
    made = {
        "works": place.scheduled(title="某某工程施工招标公告", sections=[first]),
        "road": place.scheduled(title="G228 国道改扩建招标公告", sections=[first, second]),
        "year": place.scheduled(title="2026年度办公设备采购公告", notice_type="tender"),
        "apart": place.scheduled(title="施工单位与招标人的通知", content=None) if False else None,
        "later": place.scheduled(title="尚未发布的工程招标公告", after=dt.timedelta(hours=2)),
    }
    made.pop("apart")
    world = place.world
    elsewhere = accepted(world, region="210200", name="大连港区道路维修工程")
    dalian = TenderProject.objects.get(project=elsewhere.project)
    made["dalian"] = Place(world, elsewhere, dalian).scheduled(title="大连港区道路维修工程招标公告")
    return made


WORKS, ROAD, YEAR, DALIAN, LATER = (
    "某某工程施工招标公告",
    "G228 国道改扩建招标公告",
    "2026年度办公设备采购公告",
    "大连港区道路维修工程招标公告",
    "尚未发布的工程招标公告",
)


@pytest.mark.usefixtures("notices")
@pytest.mark.parametrize(
    ("query", "hits", "misses"),
    [
        ("工程", {WORKS, DALIAN}, {LATER}),  # a two-character word (the project's name has it too)
        ("工", {WORKS, DALIAN}, {LATER}),  # one character
        ("G228", {ROAD}, {WORKS, YEAR, DALIAN}),
        ("ｇ２２８", {ROAD}, {WORKS, YEAR, DALIAN}),  # full width, lower case
        ("2026年", {YEAR}, {LATER}),
        ('"施工招标"', {WORKS}, {ROAD, YEAR, DALIAN}),  # a phrase
        ("国道 改扩建", {ROAD}, {WORKS, YEAR, DALIAN}),
        ("大连港区", {DALIAN}, {WORKS, ROAD, YEAR}),
        ("铁路", set(), {WORKS, ROAD, YEAR, DALIAN}),
        ("尚未发布", set(), {LATER}),  # scheduled for later: not found, not counted
    ],
)
@pytest.mark.clause("4.1.4")
def test_search_finds_chinese_words_codes_years_and_phrases(
    query: str, hits: set[str], misses: set[str]
) -> None:
    result = set(found(query=query))
    assert hits <= result
    assert not (misses & result)


def test_the_text_of_the_notice_and_its_project_are_searched_too(notices: dict[str, Any]) -> None:
    # the project's name and the content's items are in the index, not only the title
    assert "某某工程施工招标公告" in found(query="沈阳地铁")
    assert "某某工程施工招标公告" in found(query="建筑装修装饰")
    assert set(found(query="沈阳市")) >= {"某某工程施工招标公告", "G228 国道改扩建招标公告"}
    assert "大连港区道路维修工程招标公告" not in found(query="沈阳市和平区")


def test_a_quoted_phrase_keeps_its_characters_together(place: Place, freeze: Any) -> None:
    freeze(clock.now())
    place.scheduled(title="施工单位与招标人联系的通知")  # 施工, 工招? no: 施工 … 招标 apart
    place.scheduled(title="某路段施工招标公告")
    assert set(found(query="施工招标")) == {"某路段施工招标公告"}  # 工招 only where they stand together
    place.scheduled(title="施工与工招标记说明")  # every bigram of 施工招标, none of them together
    assert set(found(query="施工招标")) == {"某路段施工招标公告", "施工与工招标记说明"}  # bigram search
    assert set(found(query='"施工招标"')) == {"某路段施工招标公告"}  # the phrase


@pytest.mark.clause("4.1.4")
def test_filters_by_category_type_region_dates_and_amount(notices: dict[str, Any]) -> None:
    everything = set(found())
    assert "尚未发布的工程招标公告" not in everything
    assert len(everything) == 4
    assert set(found(category="engineering")) == everything
    assert found(category="procurement") == []
    assert set(found(type="tender")) == everything
    assert found(type="award") == []
    assert set(found(region="210200")) == {"大连港区道路维修工程招标公告"}  # a city
    assert "大连港区道路维修工程招标公告" not in found(region="210100")
    assert set(found(region="210000")) == everything  # the province
    today = clock.local_now().date()
    assert set(found(published_from=today, published_to=today)) == everything
    assert found(published_to=today - dt.timedelta(days=1)) == []
    assert found(published_from=today + dt.timedelta(days=1)) == []
    # 一标段 12,345,678.90 yuan, 二标段 8,000,000: the road notice covers both
    assert found(min_fen=2_000_000_000) == ["G228 国道改扩建招标公告"]
    assert set(found(max_fen=1_234_567_890)) == {"某某工程施工招标公告"}
    assert found(min_fen=1_234_567_890, max_fen=1_234_567_890) == ["某某工程施工招标公告"]
    assert found(query="工程", region="210200") == ["大连港区道路维修工程招标公告"]


def test_the_list_page_searches_filters_marks_and_pages(notices: dict[str, Any]) -> None:
    client = Client()
    status, body = listed(client, q="大连港区")
    assert status == 200
    assert "<mark>大连港区</mark>道路维修工程招标公告" in body
    assert "某某" not in body
    status, body = listed(client, q="工程")
    assert "尚未发布" not in body
    whole = client.get("/notices/", {"q": "工程"}).content.decode()
    assert "4 条公告" in whole  # counted: the four published, never the one scheduled for later
    status, body = listed(client, region="210200")
    assert status == 200
    assert "大连港区" in body
    assert "G228" not in body
    status, body = listed(client, region="210100", min_yuan="20000000", max_yuan="99999999.99")
    assert "G228" in body
    assert "某某" not in body
    assert "大连港区" not in body
    assert "20,345,678.90" in body  # both sections' budgets, in yuan
    status, body = listed(client, q="铁路")
    assert "没有" in body  # nothing matches, said in Chinese
    status, body = listed(client, page="abc")
    assert status == 200
    status, body = listed(client, page="99999")
    assert status == 200


@pytest.mark.usefixtures("notices")
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "工" * 10_000}, "100"),
        ({"category": "nonsense"}, "选择"),
        ({"region": "999999"}, "选择"),
        ({"type": "x"}, "选择"),
        ({"published_from": "2026-13-01"}, "日期"),
        ({"published_from": "2026-03-02", "published_to": "2026-03-01"}, "早于"),
        ({"min_yuan": "-1"}, "0"),
        ({"min_yuan": "abc"}, "数"),
        ({"min_yuan": "0.001"}, "2"),
        ({"min_yuan": "5", "max_yuan": "4"}, "低于"),
    ],
)
def test_bad_filters_are_said_clearly_in_chinese_and_list_nothing(
    params: dict[str, str], message: str
) -> None:
    before = NoticeIndex.objects.count()
    status, body = listed(Client(), **params)
    assert status == 400
    assert message in body
    assert "<tbody>" not in body  # no list
    assert NoticeIndex.objects.count() == before


@pytest.mark.usefixtures("notices")
@pytest.mark.parametrize(
    "query",
    [
        "工程'); DROP TABLE notices_noticeindex; --",
        '"',
        '""""',
        "工程 & 采购 | !",
        "NEAR(工程 采购)",
        "tokens:工程",
        "*",
        "'",
        "\\",
        "（）",
        "工程:*",
        "server OR 工程",
    ],
)
def test_query_syntax_is_only_text_never_an_error(query: str) -> None:
    status, _body = listed(Client(), q=query)
    assert status == 200
    assert NoticeIndex.objects.count() == 5


def test_withdrawing_a_scheduled_notice_removes_its_row(place: Place) -> None:
    notice = place.scheduled(title="将撤回的公告", after=dt.timedelta(days=1))
    assert NoticeIndex.objects.filter(notice=notice).exists()
    services.notice_withdraw(actor=place.world.agent_user, notice=notice)
    assert not NoticeIndex.objects.filter(notice=notice).exists()


def test_the_full_text_index_serves_the_query(notices: dict[str, Any]) -> None:
    """EXPLAIN shows the database's full-text index in the plan (PostgreSQL: the GIN index over the
    tokens, sequential scans discouraged as a large table would; SQLite: the FTS5 table). With the
    filters too, the planner may start from another index on a table this small: the benchmark
    (benchmarks/portal_search.py) prints the plans over 100,000 notices."""
    query = search.match(NoticeIndex.objects.all(), "工程", stored=True)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "notices_noticeindex_tokens_tsv_gin" in plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "notices_noticeindex_fts VIRTUAL TABLE INDEX" in plan
