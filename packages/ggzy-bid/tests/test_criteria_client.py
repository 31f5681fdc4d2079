"""The bidder's side of the criteria record (ggzy-criteria-v1): the response checklist, the opening-sheet
form, the opening sheet checked against the documents before sealing, and `ggzy-bid criteria`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ggzy_bid import criteria as client
from ggzy_bid.cli import main
from ggzy_bid.criteria import SheetMismatch
from ggzy_sm import criteria
from ggzy_sm.criteria import CriteriaError

FULL: dict[str, Any] = {
    "profile": "ggzy-criteria-v1",
    "section": "A2101002026000001001001",
    "method": "open_tender",
    "price_kind": "amount",
    "qualification": [
        {"id": "Q1", "text": "具有市政公用工程施工总承包三级及以上资质", "evidence": ["资质证书"]},
        {"id": "Q2", "text": "项目经理为二级及以上注册建造师",
         "evidence": ["注册建造师证书", "社保缴纳证明"]},
    ],
    "scoring": [
        {"id": "T", "name": "技术标", "items": [
            {"id": "T1", "name": "施工组织设计", "kind": "subjective", "weight_permille": 425,
             "standard": "优 42.5 分，良 30 分，中 20 分"},
            {"id": "T2", "name": "项目管理机构", "kind": "objective", "weight_permille": 125},
        ]},
        {"id": "C", "name": "商务标", "items": [
            {"id": "C1", "name": "投标报价", "kind": "price", "weight_permille": 450},
        ]},
    ],
    "price_formula": {"name": "benchmark_mean", "parameters": {
        "k_choices": ["0.01", "0.02", "0.03"], "trim_min_bids": 5,
        "points_per_percent_above": "1", "points_per_percent_below": "0.5",
    }},
    "opening_sheet": {
        "price": {"kind": "amount", "ceiling_fen": 900_000_000},
        "duration_days": {"required": True, "max_days": 300},
        "quality": {"required": True},
        "project_manager": {"required": False},
        "custom": [{"item": "安全文明施工费", "required": True}, {"item": "暂列金额", "required": False}],
    },
    "bid_validity_days": 90,
    "decryption_window_minutes": 60,
    "release_remedy": "custodians",
    "bid_security": {"kind": "amount", "amount_fen": 8_000_000, "forms": ["guarantee", "insurance"]},
    "consortium_allowed": True,
    "library_items": ["qualification.municipal", "person.builder"],
    "reserve_price": criteria.reserve_price(850_000_000),
}  # fmt: skip
#: What a bidder holds: the public view (the 标底 only as its commitment).
RECORD = criteria.public_view(FULL)
SHEET: dict[str, Any] = {
    "schema": "ggzy-opening-sheet-v1",
    "price": {"kind": "amount", "fen": 880_000_000},
    "duration_days": 270,
    "quality": "合格",
    "other": [{"item": "安全文明施工费", "value": "按规定计取"}],
}


def mismatch(sheet: Any, record: dict[str, Any] = RECORD) -> SheetMismatch:
    with pytest.raises(SheetMismatch) as caught:
        client.sheet_check(record, sheet)
    return caught.value


def test_the_checklist_lists_what_the_bid_must_contain() -> None:
    entries = client.response_checklist(RECORD)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_kind.setdefault(entry["kind"], []).append(entry)
    assert [e["id"] for e in by_kind["qualification"]] == ["Q1", "Q2"]
    assert by_kind["qualification"][1]["evidence"] == ["注册建造师证书", "社保缴纳证明"]
    assert "证明材料：注册建造师证书、社保缴纳证明" in by_kind["qualification"][1]["label"]
    assert {e["judged"] for e in by_kind["qualification"]} == {"pass_fail"}
    assert [(e["id"], e["points"]) for e in by_kind["scoring"]] == [
        ("T1", "42.5"),
        ("T2", "12.5"),
        ("C1", "45"),
    ]
    assert by_kind["scoring"][0]["standard"] == "优 42.5 分，良 30 分，中 20 分"
    assert [e["code"] for e in by_kind["library_item"]] == ["qualification.municipal", "person.builder"]
    assert by_kind["bid_security"] == [
        {
            "kind": "bid_security",
            "amount_fen": 8_000_000,
            "forms": ["guarantee", "insurance"],
            "label": "投标保证金 80,000.00 元（形式：保函、保证保险）",
            "required": True,
        }
    ]
    assert by_kind["consortium_agreement"][0]["required"] is False
    assert entries[0]["kind"] == "opening_sheet"
    assert all(isinstance(e["label"], str) and e["label"] for e in entries)


def test_no_security_and_no_consortium_no_entry() -> None:
    record = copy.deepcopy(RECORD)
    record["bid_security"] = {"kind": "none"}
    record["consortium_allowed"] = False
    kinds = {e["kind"] for e in client.response_checklist(record)}
    assert "bid_security" not in kinds
    assert "consortium_agreement" not in kinds


def test_the_sheet_form_gives_each_field_with_its_kind() -> None:
    form = client.sheet_form(RECORD)
    assert form["schema"] == "ggzy-opening-sheet-v1"
    assert form["price"]["kind"] == "amount"
    assert form["price"]["ceiling_fen"] == 900_000_000
    assert form["price"]["value"] == "fen: integer"
    assert [(f["name"], f["kind"], f["required"]) for f in form["fields"]] == [
        ("duration_days", "days", True),
        ("quality", "text", True),
        ("project_manager", "person", False),
    ]
    assert form["fields"][0]["max_days"] == 300
    assert form["custom"] == [
        {"item": "安全文明施工费", "kind": "text", "required": True},
        {"item": "暂列金额", "kind": "text", "required": False},
    ]


def test_a_matching_sheet_passes() -> None:
    client.sheet_check(RECORD, SHEET)
    client.sheet_check(FULL, SHEET)  # the platform's full record too
    with_manager = {**SHEET, "project_manager": {"name": "李建国"}}
    client.sheet_check(RECORD, with_manager)


def test_a_rate_sheet_against_amount_documents_is_refused() -> None:
    error = mismatch({**SHEET, "price": {"kind": "rate", "percent": "2.5"}})
    assert (error.code, error.where) == ("sheet_price_kind", "price/kind")
    assert "开标一览表的报价方式为费率，招标文件要求投标总价（金额）" in error.message
    assert "(the sheet's price kind is rate, the documents' is amount)" in error.message


def test_an_amount_sheet_against_discount_documents_is_refused_and_a_discount_in_range_passes() -> None:
    record = copy.deepcopy(RECORD)
    record["price_kind"] = "discount"
    record["opening_sheet"]["price"] = {"kind": "discount", "min_percent": "0", "max_percent": "12.5"}
    del record["reserve_price"]
    assert mismatch(SHEET, record).code == "sheet_price_kind"
    client.sheet_check(record, {**SHEET, "price": {"kind": "discount", "percent": "12.5000"}})
    error = mismatch({**SHEET, "price": {"kind": "discount", "percent": "12.6"}}, record)
    assert (error.code, error.where) == ("sheet_range", "price/percent")
    assert "下浮率 12.6% 不在招标文件规定的 0%–12.5% 范围内" in error.message


@pytest.mark.parametrize(
    ("sheet", "code", "where"),
    [
        (
            {**SHEET, "price": {"kind": "amount", "fen": 880_000_000.0}},
            "sheet_schema",
            "price/fen",
        ),  # a float
        ({**SHEET, "price": {"kind": "amount", "fen": "880000000"}}, "sheet_schema", "price/fen"),  # a string
        ({**SHEET, "price": {"kind": "amount", "fen": 900_000_001}}, "sheet_range", "price/fen"),  # ceiling
        ({k: v for k, v in SHEET.items() if k != "duration_days"}, "sheet_missing", "duration_days"),
        ({**SHEET, "quality": ""}, "sheet_missing", "quality"),
        ({**SHEET, "duration_days": 301}, "sheet_range", "duration_days"),
        ({**SHEET, "other": []}, "sheet_missing", "other"),
        (
            {**SHEET, "other": [*SHEET["other"], {"item": "优惠", "value": "5%"}]},
            "sheet_unexpected",
            "other/1",
        ),
        ({**SHEET, "other": [*SHEET["other"], *SHEET["other"]]}, "sheet_unexpected", "other/1"),
    ],
)
def test_each_wrong_sheet_is_refused_with_its_code_and_place(
    sheet: dict[str, Any], code: str, where: str
) -> None:
    error = mismatch(sheet)
    assert (error.code, error.where) == (code, where)
    assert isinstance(error, ValueError)
    assert error.message.split("(")[0].strip()  # Chinese first …
    assert error.message.rstrip().endswith(")")  # … then English in parentheses


def test_a_field_the_documents_do_not_ask_for_is_refused() -> None:
    record = copy.deepcopy(RECORD)
    del record["opening_sheet"]["quality"]
    error = mismatch(SHEET, record)
    assert (error.code, error.where) == ("sheet_unexpected", "quality")
    assert "招标文件未要求在开标一览表中填写质量标准" in error.message


def test_a_record_the_platform_would_refuse_is_refused_here_too() -> None:
    record = copy.deepcopy(RECORD)
    record["scoring"][0]["items"][0]["weight_permille"] = 424
    with pytest.raises(CriteriaError) as caught:
        client.response_checklist(record)
    assert caught.value.code == "criteria_weights"
    with pytest.raises(CriteriaError):
        client.sheet_check(record, SHEET)


# -- ggzy-bid criteria ---------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    record, sheet = tmp_path / "criteria.json", tmp_path / "sheet.json"
    record.write_text(json.dumps(RECORD, ensure_ascii=False), encoding="utf-8")
    sheet.write_text(json.dumps(SHEET, ensure_ascii=False), encoding="utf-8")
    return record, sheet


def test_cli_show_and_checklist(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    record, _ = files
    assert main(["criteria", "show", str(record)]) == 0
    shown = capsys.readouterr().out
    assert f"摘要 (SM3 digest): {criteria.digest(FULL)}" in shown
    assert "标底：设有标底，开标前保密，开标时公布" in shown
    assert "850000000" not in shown
    assert main(["criteria", "show", "--json", str(record)]) == 0
    assert json.loads(capsys.readouterr().out) == RECORD
    assert main(["criteria", "checklist", str(record)]) == 0
    listed = capsys.readouterr().out
    q2 = "资格条件 Q2：项目经理为二级及以上注册建造师（证明材料：注册建造师证书、社保缴纳证明；不满足即否决）"
    assert f"[必须] {q2}" in listed
    assert "[按需] 联合体投标的" in listed


def test_cli_check_sheet(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record, sheet = files
    assert main(["criteria", "check-sheet", str(record), str(sheet)]) == 0
    assert "开标一览表与招标文件一致" in capsys.readouterr().err
    sheet.write_text(json.dumps({**SHEET, "price": {"kind": "rate", "percent": "2.5"}}), encoding="utf-8")
    assert main(["criteria", "check-sheet", str(record), str(sheet)]) == 2
    assert "与招标文件不符：开标一览表的报价方式为费率" in capsys.readouterr().err


def test_cli_refuses_a_bad_record_with_its_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "criteria.json"
    text = json.dumps(RECORD, ensure_ascii=False).replace('"amount_fen": 8000000', '"amount_fen": 8000000.0')
    bad.write_text(text, encoding="utf-8")
    assert main(["criteria", "show", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "无效（criteria_float，位置：/bid_security/amount_fen）" in err
