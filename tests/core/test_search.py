"""Chinese full-text search (ggzy.core.search): the tokenizer, and search on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from ggzy.core import search
from ggzy.core.models import SearchEntry


def ids(hits: list[search.Hit]) -> list[str]:
    return [h.object_id for h in hits]


def kinds(hits: list[search.Hit]) -> set[str]:
    return {h.kind for h in hits}


# --- the tokenizer ---------------------------------------------------------------------------------


def test_tokenize_cjk_unigrams_and_bigrams() -> None:
    assert search.tokenize("工程建设") == ["工", "程", "建", "设", "工程", "程建", "建设"]


def test_tokenize_mixed_latin_digits_and_full_width() -> None:
    assert search.tokenize("G228 国道") == ["g228", "国", "道", "国道"]
    assert search.tokenize("2026年") == ["2026", "年"]
    assert search.tokenize("ＧＢ／Ｔ　５０３２８－２０１４") == ["gb", "t", "50328", "2014"]  # full width
    assert search.tokenize("，。！？ -- '\"") == []


def test_tokenize_cuts_long_words() -> None:
    assert search.tokenize("a" * 500) == ["a" * search.MAX_WORD]


def test_query_terms() -> None:
    assert search.query_terms("工") == ["工"]
    assert search.query_terms("工程") == ["工程"]
    assert search.query_terms("工程建设") == ["工程", "程建", "建设"]
    assert search.query_terms("G228 工程") == ["g228", "工程"]
    assert search.query_terms("g22* 工") == ["g22*", "工"]
    assert search.query_terms("  ，。!?*:&|  ") == []
    assert search.query_terms("工程 工程") == ["工程"]


def test_a_quoted_run_is_a_phrase() -> None:
    assert search.query_groups("工程建设") == [("工程",), ("程建",), ("建设",)]
    assert search.query_groups('"工程建设"') == [("工程", "程建", "建设")]
    assert search.query_groups("“工程建设” G228") == [("工程", "程建", "建设"), ("g228",)]
    assert search.query_groups('"工程') == [("工程",)]  # an unclosed quote quotes the rest
    assert search.query_groups('"g22*"') == [("g22",)]  # no prefix inside quotes
    assert search.query_terms('"工程建设"') == ["工程", "程建", "建设"]


@pytest.mark.usefixtures("docs")
def test_a_phrase_finds_only_where_its_characters_stand_together() -> None:
    search.index("test.doc", "6", title="说明", text="房屋建设工程与施工")  # 建设 before 工程, no 程建
    search.index("test.doc", "7", title="说明", text="工程与程建设的建设")  # every bigram, none together
    assert set(ids(search.search("工程建设"))) == {"4", "7"}  # bigram search: 7 has 工程, 程建, 建设
    assert set(ids(search.search('"工程建设"'))) == {"4"}  # the phrase: only where they stand together


def test_query_is_cut_to_its_limit() -> None:
    assert search.query_terms("x" * 50 + " " + "y" * 200) == ["x" * 50, "y" * (search.MAX_QUERY - 51)]
    assert len(search.query_terms("".join(chr(0x4E00 + i) for i in range(500)))) == search.MAX_QUERY_TERMS


def test_snippet_centres_on_the_first_term() -> None:
    text = "前" * 300 + "工程" + "后" * 300
    cut = search.snippet(text, ["工程"])
    assert "工程" in cut
    assert cut.startswith("…")
    assert cut.endswith("…")
    assert search.snippet("短文本", ["无"]) == "短文本"


# --- search ------------------------------------------------------------------------------------------

DOCS = {
    "1": ("道路工程", "G228 国道改扩建工程施工招标公告"),
    "2": ("办公设备采购", "2026年度办公设备采购项目"),
    "3": ("通知", "工人去程的交通安排"),  # 工 and 程 apart
    "4": ("工程建设项目", "房屋建筑和市政基础设施工程建设"),
    "5": ("Server procurement", "Dell SERVER 采购 and maintenance"),
}


@pytest.fixture
def docs(db: None) -> None:
    for object_id, (title, text) in DOCS.items():
        search.index("test.doc", object_id, title=title, text=text)


@pytest.mark.usefixtures("docs")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("工", {"1", "3", "4"}),
        ("工程", {"1", "4"}),  # not 3: 工人去程 has both characters, apart
        ("采购", {"2", "5"}),
        ("工程建设", {"4"}),
        ("G228", {"1"}),
        ("g228", {"1"}),
        ("Ｇ２２８", {"1"}),
        ("2026年", {"2"}),
        ("2026", {"2"}),
        ("server", {"5"}),
        ("SeRvEr 采购", {"5"}),
        ("serv*", {"5"}),
        ("serv", set()),
        ("国道 工程", {"1"}),
        ("铁路", set()),
    ],
)
def test_search_finds(query: str, expected: set[str]) -> None:
    assert set(ids(search.search(query))) == expected


@pytest.mark.usefixtures("docs")
@pytest.mark.parametrize("query", ["", "   ", "，。！？", "*", ":", "&|!", '"', "'", "()", "\\", "-", "^"])
def test_nothing_to_search_returns_nothing(query: str) -> None:
    assert search.search(query) == []


@pytest.mark.usefixtures("docs")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("工程'); DROP TABLE core_searchentry; --", set()),  # terms: 工程 drop table core searchentry
        ("工程');", {"1", "4"}),
        ('"工程"', {"1", "4"}),
        ("工程*", {"1", "4"}),
        ("工程:*", {"1", "4"}),
        ("工程 & 采购 | !", set()),
        ("server:* & !dell", {"5"}),
        ("NEAR(工程 采购)", set()),
        ("server OR 工程", set()),  # `or` is a word here, not an operator
        ("tokens:工程", set()),  # not a column filter
    ],
)
def test_query_syntax_is_only_text(query: str, expected: set[str]) -> None:
    assert set(ids(search.search(query))) == expected
    assert SearchEntry.objects.count() == len(DOCS)


@pytest.mark.usefixtures("docs")
def test_hit_carries_title_snippet_and_terms() -> None:
    (hit,) = search.search("G228 改扩建")
    assert (hit.kind, hit.object_id, hit.title) == ("test.doc", "1", "道路工程")
    assert hit.terms == ("g228", "改扩建")
    assert "G228 国道改扩建" in hit.snippet
    assert hit.updated_at.tzinfo is not None


@pytest.mark.django_db
def test_ranking_more_matches_first_then_title_then_recency() -> None:
    filler = "本项目位于城区，资金已落实，欢迎潜在投标人参加。"
    search.index("t", "once", title="公告", text=filler + "采购" + filler)
    search.index("t", "thrice", title="公告", text=filler + "采购采购采购" + filler)
    search.index("t", "title", title="采购公告", text=filler + "采购" + filler)
    # the more matches, the higher (title counts twice)
    assert ids(search.search("采购")) == ["title", "thrice", "once"]
    # equal texts: the most recent first
    old = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    search.index("t", "old", title="通知", text="监理服务", updated_at=old)
    search.index("t", "new", title="通知", text="监理服务", updated_at=old + dt.timedelta(days=1))
    hits = search.search("监理")
    assert ids(hits) == ["new", "old"]
    assert hits[0].score == pytest.approx(hits[1].score)


@pytest.mark.django_db
def test_filters_kinds_visibility_centre_and_limit() -> None:
    search.index("service.question", "1", title="工程咨询", text="问", visibility="public", centre="sz")
    search.index("service.answer", "1", title="工程答复", text="答", visibility="internal", centre="sz")
    search.index("service.faq", "1", title="工程常见问题", text="答", visibility="public", centre="gz")
    assert set(ids(search.search("工程"))) == {"1"}
    assert len(search.search("工程")) == 3
    assert kinds(search.search("工程", kinds=["service.question", "service.faq"])) == {
        "service.question",
        "service.faq",
    }
    assert kinds(search.search("工程", visibility="public")) == {"service.question", "service.faq"}
    assert kinds(search.search("工程", visibility=["internal"])) == {"service.answer"}
    assert kinds(search.search("工程", centre="gz")) == {"service.faq"}
    assert kinds(search.search("工程", centre="sz", visibility="public")) == {"service.question"}
    assert search.search("工程", kinds=[]) == []
    assert len(search.search("工程", limit=2)) == 2
    assert search.search("工程", limit=0) == []


@pytest.mark.django_db
def test_update_reindexes_and_remove_deletes() -> None:
    search.index("t", 7, title="采购公告", text="办公家具")
    assert ids(search.search("家具")) == ["7"]
    search.index("t", 7, title="采购公告", text="计算机设备")  # the same object, new text
    assert SearchEntry.objects.count() == 1
    assert search.search("家具") == []
    assert ids(search.search("计算机")) == ["7"]
    SearchEntry.objects.filter(object_id="7").update(tokens="楼 宇")  # triggers follow queryset updates too
    assert ids(search.search("楼")) == ["7"]
    assert search.search("计算机") == []
    search.remove("t", 7)
    search.remove("t", 7)  # twice: harmless
    assert search.search("楼") == []
    assert search.search("采购") == []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM core_searchentry_fts")
            assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_rebuild_index_keeps_results() -> None:
    search.index("t", 1, title="工程", text="")
    search.rebuild_index()
    assert ids(search.search("工程")) == ["1"]


@pytest.mark.django_db
def test_long_text_is_cut() -> None:
    search.index("t", 1, title="长文", text="甲" * search.MAX_TEXT + "乙")
    assert len(SearchEntry.objects.get().body) == search.MAX_TEXT
    assert ids(search.search("甲")) == ["1"]
    assert search.search("乙") == []


# --- property: any CJK substring of 1-4 characters of an indexed text finds it ----------------------

_cjk_chars = st.sampled_from("工程建设采购招标公告项目服务咨询办公设备国道改扩道路市政房屋监理年度中标")
_texts = st.lists(
    st.one_of(
        st.text(_cjk_chars, min_size=1, max_size=30), st.sampled_from([" ", "，", "G228", "2026", "。"])
    ),
    min_size=1,
    max_size=8,
).map("".join)


class TestEverySubstringFinds(HypothesisTestCase):
    @given(text=_texts, data=st.data())
    def test_substring_of_indexed_text_is_found(self, text: str, data: st.DataObject) -> None:
        runs = [run for cjk, run, _end in search._runs(text) if cjk]
        if not runs:
            return
        run = data.draw(st.sampled_from(runs))
        size = data.draw(st.integers(1, min(4, len(run))))
        start = data.draw(st.integers(0, len(run) - size))
        search.index("prop", "x", title="", text=text)
        search.index("prop", "other", title="", text="无关内容")
        assert "x" in ids(search.search(run[start : start + size]))


@pytest.mark.django_db
def test_the_database_index_exists_and_serves_the_query() -> None:
    search.index("t", 1, title="工程", text="")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                "EXPLAIN SELECT id FROM core_searchentry "
                "WHERE to_tsvector('simple'::regconfig, tokens) @@ to_tsquery('simple'::regconfig, %s)",
                ["'工程'"],
            )
            assert "core_searchentry_tokens_gin" in " ".join(row[0] for row in cursor.fetchall())
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE tbl_name = 'core_searchentry' AND type = 'trigger'"
            )
            assert {row[0] for row in cursor.fetchall()} == {
                "core_searchentry_fts_ai",
                "core_searchentry_fts_ad",
                "core_searchentry_fts_au",
            }
