"""The bidder's side of the tender documents' criteria record (`ggzy-criteria-v1`,
docs/criteria-format.md): what the bid must contain, the opening-sheet form, and the check before
sealing that the opening sheet is the one the documents ask for.

The record a bidder holds is the public view (the 标底 only as its commitment); every function here
checks it first with `ggzy_sm.criteria.check` — the platform's own check — so a record the platform
would refuse is refused here too (`CriteriaError`). Messages for the bidder are in Chinese first, then
English in parentheses, as everywhere in ggzy-bid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ggzy_sm import criteria, openingsheet

SHEET_FIELDS = ("duration_days", "quality", "project_manager")
FIELD_NAMES = {"duration_days": "工期", "quality": "质量标准", "project_manager": "项目经理"}
PRICE_NAMES = {"amount": "投标总价（金额）", "rate": "费率", "discount": "下浮率"}
FORM_NAMES = {
    "cash": "现金或支票（从基本账户转出）",
    "transfer": "银行转账（从投标人本单位账户转出）",
    "guarantee": "保函",
    "insurance": "保证保险",
}


class SheetMismatch(ValueError):  # noqa: N818  (a refusal for the bidder, not a programming error)
    """The opening sheet is not the one the documents ask for: `code` (sheet_…), `where` (the place in
    the sheet, as ggzy_sm.openingsheet names it: "price/kind", "/" for the whole sheet) and `message`
    (Chinese, then English in parentheses)."""

    def __init__(self, code: str, where: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.where = where
        self.message = message


def points(weight_permille: int) -> str:
    """An item's points out of 100 from its weight in per mille: 450 → "45", 25 → "2.5"."""
    return f"{(Decimal(weight_permille) / 10).normalize():f}"


def yuan(fen: int) -> str:
    """Integer fen as yuan for people: 123456789 → "1,234,567.89"."""
    return f"{fen // 100:,}.{fen % 100:02d}"


def response_checklist(record: dict[str, Any]) -> list[dict[str, Any]]:
    """What the bid must contain, in the documents' order, one entry each with a `label` for people:
    the opening sheet; each qualification item (pass/fail) with its evidence; each scoring item with
    its points; each market-entity library item to reference; the bid security; the consortium
    agreement when consortia are allowed (for a consortium bid only)."""
    criteria.check(record)
    out: list[dict[str, Any]] = [
        {
            "kind": "opening_sheet",
            "price_kind": record["price_kind"],
            "label": f"开标一览表（{PRICE_NAMES[record['price_kind']]}）",
            "required": True,
        }
    ]
    for item in record["qualification"]:
        out.append(
            {
                "kind": "qualification",
                "id": item["id"],
                "text": item["text"],
                "evidence": list(item["evidence"]),
                "judged": "pass_fail",
                "label": f"资格条件 {item['id']}：{item['text']}"
                f"（证明材料：{'、'.join(item['evidence'])}；不满足即否决）",
                "required": True,
            }
        )
    for group in record.get("scoring", []):
        for item in group["items"]:
            entry = {
                "kind": "scoring",
                "group": group["id"],
                "group_name": group["name"],
                "id": item["id"],
                "name": item["name"],
                "item_kind": item["kind"],
                "points": points(item["weight_permille"]),
                "label": f"评分项 {item['id']}（{group['name']}）：{item['name']}，"
                f"{points(item['weight_permille'])} 分",
                "required": item["kind"] == "price",
            }
            if "standard" in item:
                entry["standard"] = item["standard"]
            out.append(entry)
    out.extend(
        {"kind": "library_item", "code": code, "label": f"引用市场主体库信息：{code}", "required": True}
        for code in record["library_items"]
    )
    security = record["bid_security"]
    if security["kind"] == "amount":
        forms = "、".join(FORM_NAMES[f] for f in security["forms"])
        out.append(
            {
                "kind": "bid_security",
                "amount_fen": security["amount_fen"],
                "forms": list(security["forms"]),
                "label": f"投标保证金 {yuan(security['amount_fen'])} 元（形式：{forms}）",
                "required": True,
            }
        )
    if record["consortium_allowed"]:
        out.append(
            {
                "kind": "consortium_agreement",
                "label": "联合体投标的：联合体协议书（各方分工与份额，牵头人）",
                "required": False,
            }
        )
    return out


def sheet_form(record: dict[str, Any]) -> dict[str, Any]:
    """The opening-sheet fields the documents ask for, with their kinds: `price` (kind, how it is
    written, its bounds), `fields` (duration_days: days, quality: text, project_manager: person; each
    required or optional; a field not listed must not be on the sheet) and `custom` (text items of
    the sheet's `other`)."""
    criteria.check(record)
    asked = record["opening_sheet"]
    price = dict(asked["price"])
    price["value"] = "fen: integer" if price["kind"] == "amount" else "percent: decimal string"
    price["label"] = PRICE_NAMES[price["kind"]]
    kinds = {"duration_days": "days", "quality": "text", "project_manager": "person"}
    fields = []
    for name in SHEET_FIELDS:
        if name in asked:
            field = {"name": name, "kind": kinds[name], "label": FIELD_NAMES[name], **asked[name]}
            fields.append(field)
    custom = [{"item": c["item"], "kind": "text", "required": c["required"]} for c in asked.get("custom", [])]
    return {"schema": openingsheet.SCHEMA, "price": price, "fields": fields, "custom": custom}


def _present(sheet: dict[str, Any], name: str) -> bool:
    value = sheet.get(name)
    return value is not None and value != ""


def envelope_check(record: dict[str, Any], envelope: str) -> None:
    """Nothing if a bid sealed as `envelope` is what the documents ask for: with `two_envelopes` a
    technical and a price envelope, else one whole bid ("single"); else SheetMismatch `sheet_envelope`."""
    if record.get("two_envelopes") and envelope not in ("technical", "price"):
        raise SheetMismatch(
            "sheet_envelope",
            "/",
            "招标文件要求双信封投标：技术文件和报价文件分别封装（--envelope technical、--envelope price）"
            " (the documents ask for two envelopes: seal a technical and a price envelope)",
        )
    if not record.get("two_envelopes") and envelope != "single":
        raise SheetMismatch(
            "sheet_envelope",
            "/",
            "招标文件未要求双信封，投标文件应作为一个文件封装（不用 --envelope）"
            " (the documents ask for one sealed bid, not for envelopes)",
        )


def sheet_check(record: dict[str, Any], sheet: Any, envelope: str = "single") -> None:
    """Nothing if `sheet` is an opening sheet (ggzy-opening-sheet-v1) of the kind and with the fields
    the documents ask for; else SheetMismatch: `sheet_envelope` (one whole bid where the documents ask for
    two envelopes, or the reverse), `sheet_schema` (off its schema: a float or a string for fen, a rate
    with more than 4 decimals, a price in a technical envelope …), `sheet_price_kind` (an amount against
    rate documents, or the reverse), `sheet_range` (above the ceiling price, a rate or discount outside
    the documents' bounds, a duration beyond the limit), `sheet_missing` (a required field or item left
    out), `sheet_unexpected` (a field or item the documents do not ask for). With two envelopes the
    technical envelope's sheet has every field the documents ask for but the price, the price envelope's
    the price alone. The record is checked first (CriteriaError)."""
    criteria.check(record)
    envelope_check(record, envelope)
    try:
        openingsheet.check(sheet, envelope=envelope)
    except openingsheet.SheetError as exc:
        place = "整个文件（顶层）" if exc.where == "/" else exc.where
        raise SheetMismatch(
            "sheet_schema", exc.where, f"开标一览表格式不正确，位置：{place} ({exc})"
        ) from exc
    asked = record["opening_sheet"]
    if envelope != "technical":
        _check_price(asked["price"], sheet["price"])
    if envelope == "price":
        for name in (*SHEET_FIELDS, "other"):
            if name in sheet:
                raise SheetMismatch(
                    "sheet_unexpected",
                    name,
                    f"报价文件的开标一览表只填报价：“{FIELD_NAMES.get(name, '其他内容')}”"
                    "写在技术文件的开标一览表中"
                    f" (the price envelope's sheet states the price alone: {name} goes in the technical"
                    " envelope)",
                )
        return
    for name in SHEET_FIELDS:
        label = FIELD_NAMES[name]
        if name not in asked:
            if name in sheet:
                raise SheetMismatch(
                    "sheet_unexpected",
                    name,
                    f"招标文件未要求在开标一览表中填写{label}，请删除该项"
                    f" (the documents do not ask for {name})",
                )
            continue
        if asked[name]["required"] and not _present(sheet, name):
            raise SheetMismatch(
                "sheet_missing", name, f"招标文件要求填写{label}，开标一览表中缺少该项 ({name} is required)"
            )
    limit = asked.get("duration_days", {}).get("max_days")
    if limit is not None and sheet.get("duration_days", 0) > limit:
        raise SheetMismatch(
            "sheet_range",
            "duration_days",
            f"工期 {sheet['duration_days']} 天超过招标文件要求的 {limit} 天"
            f" (duration {sheet['duration_days']} days is above the documents' {limit})",
        )
    _check_custom(asked.get("custom", []), sheet.get("other", []))


def _check_price(asked: dict[str, Any], price: dict[str, Any]) -> None:
    kind = asked["kind"]
    if price["kind"] != kind:
        raise SheetMismatch(
            "sheet_price_kind",
            "price/kind",
            f"开标一览表的报价方式为{PRICE_NAMES[price['kind']]}，招标文件要求{PRICE_NAMES[kind]}"
            f" (the sheet's price kind is {price['kind']}, the documents' is {kind})",
        )
    if kind == "amount":
        ceiling = asked.get("ceiling_fen")
        if ceiling is not None and price["fen"] > ceiling:
            raise SheetMismatch(
                "sheet_range",
                "price/fen",
                f"投标总价 {yuan(price['fen'])} 元高于最高投标限价 {yuan(ceiling)} 元"
                f" (the price is above the ceiling of {ceiling} fen)",
            )
        return
    value, low, high = Decimal(price["percent"]), Decimal(asked["min_percent"]), Decimal(asked["max_percent"])
    if not low <= value <= high:
        raise SheetMismatch(
            "sheet_range",
            "price/percent",
            f"{PRICE_NAMES[kind]} {price['percent']}% 不在招标文件规定的 {low}%–{high}% 范围内"
            f" (the {kind} is outside {low} … {high} percent)",
        )


def _check_custom(asked: list[dict[str, Any]], given: list[dict[str, Any]]) -> None:
    declared = {c["item"] for c in asked}
    seen: set[str] = set()
    for i, entry in enumerate(given):
        if entry["item"] not in declared:
            raise SheetMismatch(
                "sheet_unexpected",
                f"other/{i}",
                f"招标文件未要求开标一览表填写“{entry['item']}”，请删除该项"
                f" (the documents do not ask for {entry['item']!r})",
            )
        if entry["item"] in seen:
            raise SheetMismatch(
                "sheet_unexpected",
                f"other/{i}",
                f"“{entry['item']}”填写了两次 ({entry['item']!r} appears twice)",
            )
        seen.add(entry["item"])
    for c in asked:
        filled = any(e["item"] == c["item"] and e["value"] != "" for e in given)
        if c["required"] and not filled:
            raise SheetMismatch(
                "sheet_missing",
                "other",
                f"招标文件要求开标一览表填写“{c['item']}”，缺少该项 ({c['item']!r} is required)",
            )
