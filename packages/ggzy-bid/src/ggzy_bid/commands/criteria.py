"""`ggzy-bid criteria show | checklist | check-sheet`: the tender documents' criteria record
(ggzy-criteria-v1) read offline — its digest, the response checklist, and the opening sheet checked
against it before sealing. Nothing is sent, nothing is written."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ggzy_bid.commands.common import UsageError
from ggzy_bid.criteria import (
    FIELD_NAMES,
    FORM_NAMES,
    PRICE_NAMES,
    SheetMismatch,
    response_checklist,
    sheet_check,
    sheet_form,
    yuan,
)
from ggzy_sm import criteria

FORMULA_NAMES = {
    "benchmark_mean": "基准价法：有效投标价去掉最高、最低后的平均值 × (1 − K)",
    "fixed_lowest": "基准价法：最低有效投标价为基准价",
    "lowest_price": "低价优先法：最低有效投标价 ÷ 投标价 × 价格分",
    "lowest_evaluated": "最低评标价法（不计价格分）",
}


def out(text: str) -> None:
    print(text)  # noqa: T201


def load_record(path: str) -> dict[str, Any]:
    """The criteria record file, checked; UsageError saying where and what for the bidder."""
    try:
        return criteria.loads(Path(path).read_bytes())
    except criteria.CriteriaError as exc:
        raise UsageError(
            f"评审标准记录 {path} 无效（{exc.code}，位置：{exc.path or '/'}）\n  ({exc.message})"
        ) from exc


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        twice = next(key for key in keys if keys.count(key) > 1)
        raise UsageError(f"开标一览表中“{twice}”出现了两次 (a key appears twice)")
    return dict(pairs)


def show(args: argparse.Namespace) -> int:
    record = load_record(args.file)
    if args.json:
        out(json.dumps(criteria.public_view(record), ensure_ascii=False, indent=1, sort_keys=True))
        return 0
    formula = record["price_formula"]
    security = record["bid_security"]
    lines = [
        f"评审标准记录 {criteria.FORMAT}，标段 {record['section']}，交易方式 {record['method']}",
        f"摘要 (SM3 digest): {criteria.digest(record)}",
        f"报价方式：{PRICE_NAMES[record['price_kind']]}",
        f"价格公式：{FORMULA_NAMES[formula['name']]} ({formula['name']})",
    ]
    lines += [
        f"  {name} = {'、'.join(value) if isinstance(value, list) else value}"
        for name, value in sorted(formula["parameters"].items())
    ]
    remedy = "由密钥托管方解密" if record["release_remedy"] == "custodians" else "不予补救"
    if security["kind"] == "none":
        guarantee = "不要求"
    else:
        forms = "、".join(FORM_NAMES[f] for f in security["forms"])
        guarantee = f"{yuan(security['amount_fen'])} 元（{forms}）"
    lines += [
        f"投标有效期：{record['bid_validity_days']} 天；解密时限：{record['decryption_window_minutes']} 分钟",
        f"投标人未能解密时：{remedy}",
        f"投标保证金：{guarantee}",
        f"联合体投标：{'接受' if record['consortium_allowed'] else '不接受'}",
    ]
    if "sme_deduction_pct" in record:
        lines.append(f"中小企业价格扣除：{record['sme_deduction_pct']}%")
    ceiling = record["opening_sheet"]["price"].get("ceiling_fen")
    if ceiling is not None:
        lines.append(f"最高投标限价：{yuan(ceiling)} 元")
    if "reserve_price" in record:
        lines.append("标底：设有标底，开标前保密，开标时公布")
    form = sheet_form(record)
    fields = "、".join(
        f"{FIELD_NAMES[f['name']]}{'（必填）' if f['required'] else ''}" for f in form["fields"]
    )
    lines.append(f"开标一览表：{PRICE_NAMES[form['price']['kind']]}" + (f"、{fields}" if fields else ""))
    lines += [f"  其他：{c['item']}{'（必填）' if c['required'] else ''}" for c in form["custom"]]
    out("\n".join(lines))
    return 0


def checklist(args: argparse.Namespace) -> int:
    record = load_record(args.file)
    entries = response_checklist(record)
    if args.json:
        out(json.dumps(entries, ensure_ascii=False, indent=1))
        return 0
    for entry in entries:
        tag = "必须" if entry["required"] else "得分" if entry["kind"] == "scoring" else "按需"
        out(f"[{tag}] {entry['label']}")
    return 0


def check_sheet(args: argparse.Namespace) -> int:
    record = load_record(args.file)
    try:
        sheet = json.loads(Path(args.sheet).read_text(encoding="utf-8"), object_pairs_hook=_pairs)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"开标一览表 {args.sheet} 不是有效的 JSON 文本 ({exc})") from exc
    try:
        sheet_check(record, sheet)
    except SheetMismatch as exc:
        raise UsageError(f"开标一览表 {args.sheet} 与招标文件不符：{exc.message}") from exc
    print(  # noqa: T201
        f"开标一览表与招标文件一致 (the opening sheet matches the documents {criteria.digest(record)[:16]}…)",
        file=sys.stderr,
    )
    return 0


def add_parser(commands: Any) -> None:
    """`criteria` and its three actions, on the top parser's subcommands."""
    top = commands.add_parser("criteria", help="read the tender documents' criteria record (offline)")
    actions = top.add_subparsers(dest="action", required=True)
    showing = actions.add_parser("show", help="the record in brief, with its digest")
    showing.add_argument("file", metavar="CRITERIA.json")
    showing.add_argument("--json", action="store_true", help="print the public view as JSON instead")
    showing.set_defaults(run=show)
    listing = actions.add_parser("checklist", help="what the bid must contain")
    listing.add_argument("file", metavar="CRITERIA.json")
    listing.add_argument("--json", action="store_true", help="print the checklist as JSON")
    listing.set_defaults(run=checklist)
    checking = actions.add_parser(
        "check-sheet", help="check an opening sheet against the documents before sealing"
    )
    checking.add_argument("file", metavar="CRITERIA.json")
    checking.add_argument("sheet", metavar="SHEET.json")
    checking.set_defaults(run=check_sheet)
