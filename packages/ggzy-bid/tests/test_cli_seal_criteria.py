"""`ggzy-bid seal --criteria`: the opening sheet is checked against the tender documents' criteria record
(ggzy-criteria-v1) before anything is asked, fetched or written (issue 26)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bid_world import SECTION, SHEET, Bidder, World, no_prompt
from ggzy_bid.cli import main
from ggzy_sm import criteria, sealedbid

#: Documents for SECTION asking for a total amount (总价) of at most 9,000,000.00 yuan.
RECORD: dict[str, Any] = {
    "profile": "ggzy-criteria-v1",
    "section": SECTION,
    "method": "open_tender",
    "price_kind": "amount",
    "qualification": [
        {"id": "Q1", "text": "具有市政公用工程施工总承包三级及以上资质", "evidence": ["资质证书"]}
    ],
    "price_formula": {"name": "lowest_evaluated", "parameters": {}},
    "opening_sheet": {"price": {"kind": "amount", "ceiling_fen": 900_000_000}},
    "bid_validity_days": 90,
    "decryption_window_minutes": 60,
    "release_remedy": "custodians",
    "bid_security": {"kind": "none"},
    "consortium_allowed": False,
    "library_items": [],
}
OTHER_SECTION = SECTION[:-1] + "2"


def with_criteria(bidder: Bidder, record: dict[str, Any], sheet: dict[str, Any] = SHEET) -> list[str]:
    """The seal command with this sheet and `--criteria` this record."""
    (bidder / "criteria.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    (bidder / "sheet.json").write_text(json.dumps(sheet), encoding="utf-8")
    return bidder.seal_command("--criteria", str(bidder / "criteria.json"))


def refused(
    bidder: Bidder,
    command: list[str],
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    """The command exits 2 with a message (Chinese first) before a passphrase is asked, a custodian is
    asked or anything is written; the message."""
    no_prompt(monkeypatch)
    before = bidder.files()
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "未封装，未写入任何文件" in err
    assert "Traceback" not in err
    assert not bidder.bid.exists()
    assert bidder.files() == before  # no bid, no temporary file
    assert all(fake.requests == [] for fake in world.fakes)  # no custodian asked
    return err


def test_a_sheet_matching_the_documents_seals_as_before(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert criteria.loads(json.dumps(RECORD).encode()) == RECORD  # a valid record
    assert main(with_criteria(bidder, RECORD)) == 0
    bid = sealedbid.read(bidder.bid)
    assert bid.header["section"] == SECTION
    err = capsys.readouterr().err
    digest = criteria.digest(RECORD)[:16]
    assert f"开标一览表已按招标文件核对 (the sheet matches the documents' criteria record {digest}…)" in err
    assert "未与招标文件核对" not in err


def test_the_public_view_with_a_sealed_reserve_price_is_accepted(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    full = {**RECORD, "reserve_price": criteria.reserve_price(850_000_000)}
    assert main(with_criteria(bidder, criteria.public_view(full))) == 0
    assert bidder.bid.exists()


def test_without_criteria_sealing_is_unchanged_and_says_the_sheet_was_not_checked(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(bidder.seal_command()) == 0
    assert sealedbid.read(bidder.bid).header["section"] == SECTION
    err = capsys.readouterr().err
    hints = [line for line in err.splitlines() if "未与招标文件核对" in line]
    assert len(hints) == 1
    assert "--criteria CRITERIA.json" in hints[0]


def test_a_rate_sheet_against_amount_documents_is_refused(
    bidder: Bidder,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sheet = {**SHEET, "price": {"kind": "rate", "percent": "3.5"}}
    err = refused(bidder, with_criteria(bidder, RECORD, sheet), world, monkeypatch, capsys)
    assert err.startswith("ggzy-bid: 开标一览表")
    assert "与招标文件（评审标准记录" in err
    assert "位置：price/kind" in err
    assert "开标一览表的报价方式为费率，招标文件要求投标总价（金额）" in err
    assert "(the sheet's price kind is rate, the documents' is amount)" in err
    assert err.index("开标一览表的报价方式") < err.index("(the sheet's price kind")  # Chinese first


@pytest.mark.parametrize(
    ("sheet", "shown"),
    [
        ({**SHEET, "price": {"kind": "amount", "fen": 900_000_001}}, "高于最高投标限价 9,000,000.00 元"),
        ({**SHEET, "duration_days": 180}, "招标文件未要求在开标一览表中填写工期"),
    ],
    ids=["above-ceiling", "unexpected-field"],
)
def test_a_sheet_off_the_documents_is_refused(  # noqa: PLR0917 (parametrized)
    bidder: Bidder,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sheet: dict[str, Any],
    shown: str,
) -> None:
    err = refused(bidder, with_criteria(bidder, RECORD, sheet), world, monkeypatch, capsys)
    assert shown in err


def test_a_record_for_another_section_is_refused(
    bidder: Bidder,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    command = with_criteria(bidder, {**RECORD, "section": OTHER_SECTION})
    err = refused(bidder, command, world, monkeypatch, capsys)
    assert err.startswith(f"ggzy-bid: 评审标准记录 {bidder / 'criteria.json'} 属于标段 {OTHER_SECTION}")
    assert f"不是本次封装的标段 {SECTION}" in err
    assert f"(the criteria record is for section {OTHER_SECTION}, the bid is sealed for {SECTION})" in err


@pytest.mark.parametrize(
    ("record", "shown"),
    [
        ({**RECORD, "bid_validity_days": 90.0}, "criteria_float"),
        ({**RECORD, "price_kind": "rate"}, "criteria_price_kind，位置：/opening_sheet/price/kind"),
    ],
    ids=["float", "price-kind-off-the-sheet"],
)
def test_a_bad_record_is_refused_with_its_message(  # noqa: PLR0917 (parametrized)
    bidder: Bidder,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    record: dict[str, Any],
    shown: str,
) -> None:
    err = refused(bidder, with_criteria(bidder, record), world, monkeypatch, capsys)
    assert err.startswith(f"ggzy-bid: 评审标准记录 {bidder / 'criteria.json'} 无效（")
    assert shown in err


def test_a_missing_record_is_refused(
    bidder: Bidder,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    command = bidder.seal_command("--criteria", str(bidder / "nowhere.json"))
    err = refused(bidder, command, world, monkeypatch, capsys)
    assert err.startswith(f"ggzy-bid: 评审标准记录 {bidder / 'nowhere.json'} 无法读取")
