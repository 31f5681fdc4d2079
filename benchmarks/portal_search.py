#!/usr/bin/env python3
"""The portal's notice list with Chinese full-text search, on PostgreSQL, against `LIKE '%词%'` scans of
the same rows with the same filters.

    python benchmarks/portal_search.py [--quick | --full] [--notices N]

Loads 100,000 synthetic notices (1,000,000 with --full) into a fresh PostgreSQL database
(`ggzy_bench_portal` on 127.0.0.1:5432, dropped and made again): the portal's rows (`NoticeIndex`:
category, city, type, amount, publication instant, tokens) and, beside them in a benchmark-only column,
the plain text the tokens were made of. Then runs a mix of portal searches — one, two, three and four
CJK characters, a road code, a year, a phrase, two words — alone and with a category, a city, a type, a
date range or an amount range, each through the page's own code (`selectors.portal_notices` then
`selectors.portal_page`: the 21 rows of page 1 and the count up to 1,001), and the same filters with
the full-text match replaced by `bench_text LIKE '%run%'` for every run of the query. Rounds alternate.
The list without a query (filters only) is timed too and reported apart: it is the same code for both.

Prints one JSON object last: value = our p99 in ms, baseline_value = LIKE's p99 in ms, ratio = LIKE p99 /
ours (goal ≥ 2), goal_met when also our p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

DB = "ggzy_bench_portal"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_cjk import synthetic  # noqa: E402  (the same synthetic notices as the search benchmark)

QUERIES = [
    "工",
    "工程",
    "采购",
    "监理服务",
    "道路改造",
    "G228",
    "2026年",
    '"污水处理厂"',
    "电梯 维修",
    "机房空调",
]
CITIES = ["2101", "2102", "2103", "2104", "2105", "2106", "2107", "2108", "2109", "2110", "2111", "2112"]
CATEGORIES = ["engineering", "procurement", "land", "assets"]
TYPES = ["tender", "procurement", "correction", "candidates", "award", "deal"]


def setup_django() -> None:
    os.environ.update(
        {
            "GGZY_VAR_DIR": tempfile.mkdtemp(prefix="ggzy-bench-"),
            "DJANGO_SETTINGS_MODULE": "ggzy.settings_test",
            "GGZY_TEST_POSTGRES": f"postgres://postgres@127.0.0.1:5432/{DB}",
        }
    )
    root = Path(__file__).resolve().parents[1]
    sys.path[:0] = [str(root), str(root / "src")]
    import django
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.execute(f"CREATE DATABASE {DB}")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(count: int) -> None:
    """`count` notices of one tender project (the rows the list reads are the portal's, one per notice)."""
    from django.db import connection, transaction
    from tests.notices.conftest import Place, accepted
    from tests.registry.conftest import make_world

    from ggzy.core import clock, search
    from ggzy.notices.models import Notice, NoticeIndex

    with transaction.atomic():
        world = make_world()
        registration = accepted(world)
        from ggzy.registry.models import TenderProject

        place = Place(world, registration, TenderProject.objects.get(project=registration.project))
        template = place.draft()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE notices_noticeindex ADD COLUMN bench_text text NOT NULL DEFAULT ''")
    rng = random.Random(2026)  # noqa: S311  (synthetic text, not secrets)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    span = (clock.now() - start).total_seconds()
    began, batch = time.perf_counter(), 5000
    for first in range(0, count, batch):
        notices, rows = [], []
        for _i in range(first, min(first + batch, count)):
            uid = uuid.uuid4()
            at = start + dt.timedelta(seconds=rng.random() * span)
            title, text = synthetic(rng, 6) + "公告", synthetic(rng, 80)
            notices.append(
                Notice(
                    uid=uid, reference=str(uid), type="tender", tender_project=template.tender_project,
                    centre=template.centre, title=title, content={}, state="scheduled", publish_at=at,
                    drafted_by=template.drafted_by, drafted_at=at, edited_at=at, published_recorded=True,
                )
            )  # fmt: skip
            city = rng.choice(CITIES)
            rows.append(
                NoticeIndex(
                    uid=uid, publish_at=at, type=rng.choice(TYPES), category=rng.choice(CATEGORIES),
                    region=city + "02", city=city, title=title, tender_project_code=f"B{first}",
                    amount_fen=rng.randrange(10_000_00, 500_000_000_00) if rng.random() < 0.8 else None,
                    tokens=search.entry_tokens(title, text),
                )
            )  # fmt: skip
            rows[-1].bench_text = search.normalise(f"{title}\n{text}")  # type: ignore[attr-defined]
        with transaction.atomic():
            made = Notice.objects.bulk_create(notices)
            for notice, row in zip(made, rows, strict=True):
                row.notice = notice
            with connection.cursor() as cursor:
                fields = ["notice_id", "uid", "publish_at", "type", "category", "region", "city"]
                fields += ["amount_fen", "title", "tender_project_code", "tokens", "bench_text"]
                with cursor.copy(f"COPY notices_noticeindex ({', '.join(fields)}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row([
                            r.notice.pk, r.uid, r.publish_at, r.type, r.category, r.region, r.city,
                            r.amount_fen, r.title, r.tender_project_code, r.tokens, r.bench_text,  # type: ignore[attr-defined]
                        ])  # fmt: skip
        if first and first % 100_000 == 0:
            print(f"  {first} notices loaded", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"loaded {count} notices in {time.perf_counter() - began:.0f} s", flush=True)


def cases() -> list[tuple[str, dict[str, Any]]]:
    today = dt.date(2026, 12, 6)
    extra: list[dict[str, Any]] = [
        {},
        {"category": "engineering"},
        {"region": "210200"},
        {"type": "award"},
        {"published_from": today - dt.timedelta(days=90), "published_to": today},
        {"min_fen": 100_000_000_00, "max_fen": 300_000_000_00},
    ]
    out = []
    for i, q in enumerate(QUERIES):
        for f in (extra[0], extra[1 + i % (len(extra) - 1)]):
            out.append((q, f))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="1,000,000 notices (tens of minutes)")
    parser.add_argument("--quick", action="store_true", help="100,000 notices, the default (`make bench`)")
    parser.add_argument("--notices", type=int, default=0, help="another count (e.g. 20000 for a trial)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    count = args.notices or (1_000_000 if args.full else 100_000)
    setup_django()
    load(count)

    from django.db import connection
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    from ggzy.core import search
    from ggzy.notices import selectors
    from ggzy.notices.selectors import PortalFilter

    def ours(q: str, f: dict[str, Any]) -> selectors.PortalPage:
        return selectors.portal_page(selectors.portal_notices(PortalFilter(query=q, **f)))

    def like(q: str, f: dict[str, Any]) -> selectors.PortalPage:
        found = selectors.portal_notices(PortalFilter(**f))
        for run in search.highlight_terms(q):
            found = found.filter(
                RawSQL("notices_noticeindex.bench_text LIKE %s", [f"%{run}%"], output_field=BooleanField())
            )
        return selectors.portal_page(found)

    work = cases()
    for q, f in work:  # both find the same notices on page 1 (LIKE matches what the tokens match)
        a, b = ours(q, f), like(q, f)
        found = f"{a.count}{'+' if a.more else ''} (search), {b.count}{'+' if b.more else ''} (LIKE)"
        print(f"{q!r} {f or ''}: {found}")
    shown: list[tuple[str, dict[str, Any]]] = [
        ("工程", {}),
        ("G228", {"region": "210200"}),
        ('"污水处理厂"', {"category": "engineering"}),
    ]
    for q, f in shown:
        sql, params = selectors.portal_notices(PortalFilter(query=q, **f))[:21].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        steps = " | ".join(line.strip() for line in plan if "Index" in line or "Scan" in line)
        print(f"plan for {q!r} {f}: {steps}")

    def timings(run: Any) -> list[float]:
        out = []
        for q, f in work:
            began = time.perf_counter()
            run(q, f)
            out.append((time.perf_counter() - began) * 1000)
        return out

    timings(ours)
    timings(like)  # warm both
    mine: list[float] = []
    base: list[float] = []
    for _ in range(args.rounds):
        mine += timings(ours)
        base += timings(like)
    lists: list[float] = []
    for _ in range(args.rounds):
        for _q, f in work[:12]:
            began = time.perf_counter()
            ours("", f)
            lists.append((time.perf_counter() - began) * 1000)

    def p99(values: list[float]) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[98]

    value, baseline = p99(mine), p99(base)
    print(f"search: median {statistics.median(mine):.1f} ms, p99 {value:.1f} ms; "
          f"LIKE: median {statistics.median(base):.1f} ms, p99 {baseline:.1f} ms; "
          f"list without a query: p99 {p99(lists):.1f} ms")  # fmt: skip
    ratio = baseline / value
    print(
        json.dumps(
            {
                "benchmark": "portal_search",
                "value": round(value, 1),
                "unit": "ms p99 (page 1 and its capped count)",
                "baseline": f"LIKE '%词%' on the same rows and filters, PostgreSQL, {count} notices",
                "baseline_value": round(baseline, 1),
                "ratio": round(ratio, 2),
                "list_p99_ms": round(p99(lists), 1),
                "goal_met": ratio >= 2 and value < 100,
            }
        )
    )


if __name__ == "__main__":
    main()
