#!/usr/bin/env python3
"""Chinese full-text search (ggzy.core.search on SQLite FTS5) against `LIKE '%词%'` scans of the same table.

    python benchmarks/search_cjk.py [--quick]

Indexes 20,000 synthetic Chinese notices (2,000 with --quick) in a fresh SQLite database in a
temporary folder, then runs the same mixed queries (one, two, three and four CJK characters, a road
name, a year) through `search.search(...)` — full API: tokenising, FTS5 MATCH, bm25, loading the
entries, snippets — and through a bare cursor doing `(title LIKE %s OR body LIKE %s)` (every CJK
run and word of the query ANDed) ordered by recency, LIMIT 20. Rounds alternate. Prints one JSON
object last: value = our queries/s, baseline_value = LIKE's, ratio = ours / LIKE (> 1: faster).
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
from pathlib import Path

WORDS = (  # noqa: SIM905  (a word list reads best as one string)
    "工程 建设 采购 招标 公告 项目 服务 咨询 办公 设备 国道 改扩建 道路 市政 房屋 监理 年度 中标 候选人 "
    "结果 公示 变更 澄清 终止 资格 预审 施工 设计 勘察 货物 政府 集中 框架 协议 竞争性 磋商 谈判 单一 来源 "
    "询价 评标 专家 委员会 保证金 投标人 供应商 合同 履约 验收 质疑 投诉 处理 决定 医疗 器械 学校 食堂 "
    "物业 管理 绿化 养护 污水 处理厂 管网 桥梁 隧道 高速 公路 水利 河道 整治 电力 配套 信息化 系统 平台 "
    "软件 开发 运维 安全 等级 保护 网络 数据 中心 机房 空调 电梯 消防 安装 装修 改造 维修 租赁 车辆 保险"
).split()
QUERIES = [
    "工",
    "工程",
    "采购",
    "监理服务",
    "道路改造",
    "G228",
    "2026年",
    "污水处理厂",
    "电梯 维修",
    "机房空调",
]


def synthetic(rng: random.Random, n: int) -> str:
    parts = []
    for _ in range(n):
        parts.append(rng.choice(WORDS))
        if rng.random() < 0.15:
            parts.append(rng.choice(["，", "。", "；", " G228 ", " 2026年", " S312 ", "（一期）"]))
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a short run (seconds)")
    args = parser.parse_args()
    documents, repeats, rounds = (2_000, 5, 3) if args.quick else (20_000, 5, 3)

    tmp = tempfile.mkdtemp(prefix="ggzy-bench-")
    os.environ.update(
        {"GGZY_VAR_DIR": tmp, "GGZY_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "ggzy.settings_test"}
    )
    os.environ.pop("GGZY_TEST_POSTGRES", None)
    os.environ.pop("GGZY_DATABASE_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from ggzy.core import search
    from ggzy.core.models import SearchEntry

    call_command("migrate", verbosity=0)
    assert connection.vendor == "sqlite"
    rng = random.Random(2026)  # noqa: S311  (synthetic text, not secrets)
    start_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    started = time.perf_counter()
    with transaction.atomic():
        batch = []
        for i in range(documents):
            title, text = synthetic(rng, 6), synthetic(rng, 60)
            batch.append(
                SearchEntry(
                    kind="bench.notice",
                    object_id=str(i),
                    title=title,
                    body=text,
                    tokens=search.entry_tokens(title, text),
                    visibility="public",
                    updated_at=start_at + dt.timedelta(minutes=i),
                )
            )
            if len(batch) == 1000:
                SearchEntry.objects.bulk_create(batch)
                batch = []
        SearchEntry.objects.bulk_create(batch)
    print(f"indexed {documents} documents in {time.perf_counter() - started:.1f} s")

    like_sql = "SELECT id FROM core_searchentry WHERE {} ORDER BY updated_at DESC, id DESC LIMIT 20"

    def like(query: str) -> list[int]:
        runs = search.highlight_terms(query)  # the CJK runs and words, normalised
        where = " AND ".join(["(title LIKE %s OR body LIKE %s)"] * len(runs))
        params = [p for run in runs for p in (f"%{run}%", f"%{run}%")]
        with connection.cursor() as cursor:
            cursor.execute(like_sql.format(where), params)
            return [row[0] for row in cursor.fetchall()]

    # Both find something for every query (LIKE matches characters FTS finds as tokens).
    for q in QUERIES:
        ours_n, like_n = len(search.search(q)), len(like(q))
        print(f"{q!r}: {ours_n} hits (search), {like_n} (LIKE)")
        assert ours_n > 0
        assert like_n > 0

    def rate(run: object) -> float:
        begin = time.perf_counter()
        for _ in range(repeats):
            for q in QUERIES:
                run(q)  # type: ignore[operator]
        return repeats * len(QUERIES) / (time.perf_counter() - begin)

    rate(search.search)
    rate(like)  # warm up both
    ours, base = [], []
    for _ in range(rounds):
        ours.append(rate(search.search))
        base.append(rate(like))
    value, baseline = statistics.median(ours), statistics.median(base)
    print(f"search {[round(x) for x in ours]} q/s, LIKE {[round(x) for x in base]} q/s")
    print(
        json.dumps(
            {
                "benchmark": "search_cjk",
                "value": round(value, 1),
                "unit": "queries/s",
                "baseline": f"LIKE '%词%' scan, same table, same queries ({documents} documents)",
                "baseline_value": round(baseline, 1),
                "ratio": round(value / baseline, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
