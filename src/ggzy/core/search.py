"""Chinese full-text search for every app: a CJK unigram + bigram token column with the database's index.

SQLite's trigram tokenizer and PostgreSQL's pg_trgm need three characters, and most Chinese words
have two (工程, 采购); PostgreSQL's parsers do not segment Chinese at all. So we tokenise ourselves
and let the database index space-separated tokens (docs/search.md):

* Text is normalised (NFKC — full-width letters and digits become half-width — then lower-case)
  and split into runs. A CJK run (Han, kana, hangul) gives every character and every overlapping
  bigram: 工程建设 → 工 程 建 设 工程 程建 建设. Any other run of letters/digits is one word
  (at most `MAX_WORD` characters): `G228` → g228, `2026年` → 2026 年. Everything else separates.
* A query is tokenised the same way: one CJK character looks for that character, two or more for
  all their bigrams (AND); words whole, or as a prefix when written `word*`. Every term must match.
* SQLite: FTS5 (`core_searchentry_fts`, unicode61, kept in sync by triggers), ranked by bm25;
  PostgreSQL: GIN index on to_tsvector('simple', tokens), ranked by ts_rank. Then most recent first.

Limits: queries are cut to `MAX_QUERY` characters and `MAX_QUERY_TERMS` terms, indexed text to
`MAX_TEXT` characters, titles to 300. A query of three or more CJK characters matches a text that
has all its bigrams, even apart (建设工程 ... 程建 ... for 工程建设): bigram search, not phrase search.
User text never reaches SQL except as a parameter, and only as tokens of letters and digits.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

MAX_QUERY = 100  # characters of a query that are read; the rest is ignored
MAX_QUERY_TERMS = 32  # tokens a query may require
MAX_TEXT = 20_000  # characters of a text that are stored and indexed
MAX_WORD = 64  # characters of one Latin/digit word (longer words are cut)
MIN_PREFIX = 2  # characters a `word*` prefix needs (shorter: the word itself)
MAX_LIMIT = 200  # hits one search returns at most
SNIPPET = 120  # characters of the snippet

_CJK_RANGES = (
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3130, 0x318F),  # hangul compatibility jamo
    (0x31F0, 0x31FF),  # katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x1100, 0x11FF),  # hangul jamo
    (0x20000, 0x3134F),  # CJK extensions B-G, compatibility supplement
)


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def normalise(text: str) -> str:
    """NFKC (full-width → half-width, compatibility ideographs → unified) then lower-case."""
    return unicodedata.normalize("NFKC", text).lower()


def _runs(text: str) -> list[tuple[bool, str, int]]:
    """(is_cjk, run, end offset) for every run of CJK characters or of other letters/digits."""
    runs: list[tuple[bool, str, int]] = []
    start, kind = 0, None  # kind: True CJK, False word, None separator
    for i, ch in enumerate([*text, " "]):
        now = True if _is_cjk(ch) else (False if ch.isalnum() else None)
        if now != kind:
            if kind is not None:
                runs.append((kind, text[start:i], i))
            start, kind = i, now
    return runs


def _cjk_tokens(run: str) -> list[str]:
    return [*run, *(run[i : i + 2] for i in range(len(run) - 1))]


def tokenize(text: str) -> list[str]:
    """The index tokens of `text`, in order (duplicates kept: they count for ranking)."""
    tokens: list[str] = []
    for cjk, run, _end in _runs(normalise(text)):
        tokens.extend(_cjk_tokens(run) if cjk else [run[:MAX_WORD]])
    return tokens


QUOTES = '"“”'  # a phrase is written between quotes (NFKC makes ＂ a ")


def _query_runs_quoted(query: str) -> list[tuple[bool, str, bool, bool]]:
    """(is_cjk, run, prefix, quoted) of a query: a word directly followed by `*` is a prefix; a run
    between an opening and a closing quote is quoted (an unclosed quote quotes the rest)."""
    text = normalise(query[:MAX_QUERY])
    runs = []
    for cjk, run, end in _runs(text):
        before = text[: end - len(run)]
        quoted = sum(before.count(q) for q in QUOTES) % 2 == 1
        prefix = not cjk and not quoted and len(run) >= MIN_PREFIX and text[end : end + 1] == "*"
        runs.append((cjk, run if cjk else run[:MAX_WORD], prefix, quoted))
    return runs


def _query_runs(query: str) -> list[tuple[bool, str, bool]]:
    """(is_cjk, run, prefix) of a query: a word directly followed by `*` is a prefix."""
    return [(cjk, run, prefix) for cjk, run, prefix, _quoted in _query_runs_quoted(query)]


def query_groups(query: str) -> list[tuple[str, ...]]:
    """What a text must have to match `query`: each group is one token (a prefix ends with `*`) or,
    for a quoted run of CJK characters, its bigrams in order, which must stand together (a phrase).
    At most `MAX_QUERY_TERMS` tokens in all; [] for nothing."""
    groups: list[tuple[str, ...]] = []
    count = 0
    for cjk, run, prefix, quoted in _query_runs_quoted(query):
        if cjk:
            bigrams = [run[i : i + 2] for i in range(len(run) - 1)]
            new: list[tuple[str, ...]] = (
                [(run,)] if len(run) == 1 else ([tuple(bigrams)] if quoted else [(b,) for b in bigrams])
            )
        else:
            new = [(run + "*" if prefix else run,)]
        for whole in new:
            if whole in groups:
                continue
            group = whole[: MAX_QUERY_TERMS - count]
            if not group:
                return groups
            groups.append(group)
            count += len(group)
    return groups


def query_terms(query: str) -> list[str]:
    """The tokens a text must all have to match `query`; a prefix term ends with `*`. [] for nothing."""
    terms: list[str] = []
    for group in query_groups(query):
        terms.extend(t for t in group if t not in terms)
    return terms[:MAX_QUERY_TERMS]


def highlight_terms(query: str) -> list[str]:
    """What to mark in titles and snippets: the query's runs, normalised (compare case-insensitively)."""
    seen: list[str] = []
    for _cjk, run, _prefix in _query_runs(query):
        if run not in seen:
            seen.append(run)
    return seen


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: str
    title: str
    snippet: str  # plain text (escape it); mark `terms` in it case-insensitively
    terms: tuple[str, ...]
    score: float  # higher is better; comparable only within one search
    updated_at: dt.datetime


def entry_tokens(title: str, text: str) -> str:
    """The `tokens` column of an entry (for bulk loads; `index` is the usual way). The title counts twice."""
    title_tokens = tokenize(title)
    return " ".join([*title_tokens, *title_tokens, *tokenize(text)])


def index(
    kind: str,
    object_id: object,
    *,
    title: str,
    text: str,
    visibility: str = "public",
    centre: str = "",
    updated_at: dt.datetime | None = None,
) -> None:
    """Add or replace the entry of (kind, object_id). Runs in the caller's transaction."""
    from ggzy.core.clock import now
    from ggzy.core.models import SearchEntry

    title, text = title[:300], text[:MAX_TEXT]
    SearchEntry.objects.update_or_create(
        kind=kind,
        object_id=str(object_id),
        defaults={
            "title": title,
            "body": text,
            "tokens": entry_tokens(title, text),
            "visibility": visibility,
            "centre": centre,
            "updated_at": updated_at or now(),
        },
    )


def remove(kind: str, object_id: object) -> None:
    """Forget the entry of (kind, object_id), if any."""
    from ggzy.core.models import SearchEntry

    SearchEntry.objects.filter(kind=kind, object_id=str(object_id)).delete()


def rebuild_index() -> None:
    """Re-read every entry into SQLite's FTS table (after a table rebuild); nothing to do on PostgreSQL."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO core_searchentry_fts(core_searchentry_fts) VALUES ('rebuild')")


def _fts5_query(groups: list[tuple[str, ...]]) -> str:
    # Tokens hold letters and digits only; quoting anyway keeps FTS5 syntax out of them. A quoted
    # string of several tokens is an FTS5 phrase: the tokens one after the other.
    def one(group: tuple[str, ...]) -> str:
        term = " ".join(group)
        word, star = (term[:-1], "*") if term.endswith("*") else (term, "")
        return '"' + word.replace('"', '""') + '"' + star

    return " AND ".join(one(g) for g in groups)


def _tsquery(groups: list[tuple[str, ...]]) -> str:
    def one(term: str) -> str:
        word, star = (term[:-1], ":*") if term.endswith("*") else (term, "")
        return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'" + star

    def phrase(group: tuple[str, ...]) -> str:  # `<->`: the next token at the next position
        return "(" + " <-> ".join(one(t) for t in group) + ")" if len(group) > 1 else one(group[0])

    return " & ".join(phrase(g) for g in groups)


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


_SQLITE_SEARCH = """
SELECT e.id, -bm25(core_searchentry_fts) AS score
FROM core_searchentry_fts JOIN core_searchentry e ON e.id = core_searchentry_fts.rowid
WHERE core_searchentry_fts MATCH %s
  AND (%s = 0 OR e.kind IN (SELECT value FROM json_each(%s)))
  AND (%s = 0 OR e.visibility IN (SELECT value FROM json_each(%s)))
  AND (%s = 0 OR e.centre IN (SELECT value FROM json_each(%s)))
ORDER BY score DESC, e.updated_at DESC, e.id DESC
LIMIT %s
"""

_POSTGRES_SEARCH = """
SELECT e.id, ts_rank(to_tsvector('simple'::regconfig, e.tokens), q) AS score
FROM core_searchentry e, to_tsquery('simple'::regconfig, %s) q
WHERE to_tsvector('simple'::regconfig, e.tokens) @@ q
  AND (NOT %s OR e.kind = ANY(%s::text[]))
  AND (NOT %s OR e.visibility = ANY(%s::text[]))
  AND (NOT %s OR e.centre = ANY(%s::text[]))
ORDER BY score DESC, e.updated_at DESC, e.id DESC
LIMIT %s
"""


def search(
    query: str,
    *,
    kinds: Iterable[str] | None = None,
    visibility: str | Iterable[str] | None = None,
    centre: str | Iterable[str] | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Entries matching every term of `query`, best first, then most recent.

    `kinds`, `visibility`, `centre`: None for any, else the allowed values (a string is one value).
    An empty, punctuation-only or term-less query returns [].
    """
    groups = query_groups(query)
    if not groups:
        return []
    limit = max(0, min(int(limit), MAX_LIMIT))
    filters = [_as_list(kinds), _as_list(visibility), _as_list(centre)]
    if limit == 0 or any(f == [] for f in filters):
        return []
    params: list[Any]
    if connection.vendor == "postgresql":
        sql, params = _POSTGRES_SEARCH, [_tsquery(groups)]
        for f in filters:
            params += [f is not None, f or []]
    else:
        sql, params = _SQLITE_SEARCH, [_fts5_query(groups)]
        for f in filters:
            params += [int(f is not None), json.dumps(f or [])]
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    from ggzy.core.models import SearchEntry

    entries = SearchEntry.objects.in_bulk([row[0] for row in rows])
    marks = tuple(highlight_terms(query))
    return [
        Hit(
            kind=e.kind,
            object_id=e.object_id,
            title=e.title,
            snippet=snippet(e.body, marks),
            terms=marks,
            score=float(score),
            updated_at=e.updated_at,
        )
        for pk, score in rows
        if (e := entries.get(pk)) is not None
    ]


# --- a token column on any table --------------------------------------------------------------------
# An app whose list pages filter and sort many rows as well as search them (the portal's notices) keeps
# its own token column, written with `entry_tokens`, indexed like `core_searchentry.tokens` and
# queried with `match`, so one query filters, searches and sorts in the same table.


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _identifiers(*names: str) -> None:
    """Table and column names come from the code (a model's db_table), never from users; checked anyway."""
    for name in names:
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a plain SQL identifier: {name!r}")


def fulltext_statements(
    table: str, column: str = "tokens", *, stored: bool = False
) -> dict[str, tuple[list[str], list[str]]]:
    """{vendor: (install, remove)} SQL of the full-text index over `table.column` (an integer `id` key).

    `stored` (PostgreSQL): keep the text-search vector in a generated column `<column>_tsv` and index
    that, instead of an expression index. A query that filters, sorts and limits may check rows one by
    one along another index (the newest first); a stored vector is read, an expression is computed from
    the tokens for every row it checks — ten to fifty times slower for a notice's few kilobytes."""
    _identifiers(table, column)
    fts = f"{table}_fts"
    insert = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"  # noqa: S608
    delete = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"  # noqa: S608
    sqlite_install = [
        (
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({column}, content='{table}', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        ),
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE ON {table} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608  (identifiers checked above)
    ]
    sqlite_remove = [f"DROP TRIGGER IF EXISTS {fts}_{t}" for t in ("au", "ad", "ai")]
    sqlite_remove.append(f"DROP TABLE IF EXISTS {fts}")
    gin = f"{table}_{column}_gin"
    vector = f"to_tsvector('simple'::regconfig, {column})"
    create = f"CREATE INDEX IF NOT EXISTS {gin} ON {table} USING gin ({vector})"
    postgres = ([create], [f"DROP INDEX IF EXISTS {gin}"])
    if stored:
        tsv = f"{column}_tsv"
        postgres = (
            [
                (
                    f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {tsv} tsvector "
                    f"GENERATED ALWAYS AS ({vector}) STORED"
                ),
                f"CREATE INDEX IF NOT EXISTS {table}_{tsv}_gin ON {table} USING gin ({tsv})",
            ],
            [f"DROP INDEX IF EXISTS {table}_{tsv}_gin", f"ALTER TABLE {table} DROP COLUMN IF EXISTS {tsv}"],
        )
    return {"sqlite": (sqlite_install, sqlite_remove), "postgresql": postgres}


def fulltext_index(table: str, column: str = "tokens", *, stored: bool = False) -> Any:
    """The migration operation that creates (and on reverse drops) the full-text index of `table.column`
    (`stored`: see `fulltext_statements`; the queries must then say so to `match`)."""
    from django.db import migrations

    statements = fulltext_statements(table, column, stored=stored)

    def run(which: int) -> Any:
        def step(apps: Any, schema_editor: Any) -> None:
            for sql in statements[schema_editor.connection.vendor][which]:
                schema_editor.execute(sql, params=None)

        return step

    return migrations.RunPython(run(0), run(1), elidable=False)


def match(queryset: Any, query: str, *, column: str = "tokens", stored: bool = False) -> Any:
    """`queryset` narrowed to rows whose `column` (tokens, see `entry_tokens`) matches every term of
    `query`, through the index `fulltext_index` made (with the same `stored`); None when the query has
    no term to look for."""
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    groups = query_groups(query)
    if not groups:
        return None
    table = queryset.model._meta.db_table
    _identifiers(table, column)  # the query itself is a parameter: only tokens of letters and digits
    if connection.vendor == "postgresql":
        vector = f"{table}.{column}_tsv" if stored else f"to_tsvector('simple'::regconfig, {table}.{column})"
        sql = f"{vector} @@ to_tsquery('simple'::regconfig, %s)"
        return queryset.filter(RawSQL(sql, [_tsquery(groups)], output_field=BooleanField()))  # noqa: S611
    sql = f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH %s"  # noqa: S608
    return queryset.filter(pk__in=RawSQL(sql, [_fts5_query(groups)]))  # noqa: S611


def snippet(text: str, terms: Iterable[str], length: int = SNIPPET) -> str:
    """About `length` characters of `text` (NFKC) around the first of `terms`; `…` where cut."""
    shown = unicodedata.normalize("NFKC", text)
    folded = shown.lower()
    if len(folded) != len(shown):  # a rare character whose lower case is longer: no offsets
        folded = shown
    found = [p for p in (folded.find(t) for t in terms if t) if p >= 0]
    start = max(0, min(found) - length // 3) if found else 0
    end = min(len(shown), start + length)
    start = max(0, min(start, end - length))
    return ("…" if start else "") + shown[start:end].strip() + ("…" if end < len(shown) else "")
