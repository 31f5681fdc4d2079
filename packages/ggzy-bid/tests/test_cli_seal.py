"""`ggzy-bid seal`: the opening sheet is checked before anything is asked, fetched or written, and the
progress bar shows on a terminal only."""

from __future__ import annotations

import io
import json
import sys

import pytest

from bid_world import SECTION, SHEET, Bidder, World, no_prompt
from ggzy_bid.cli import main
from ggzy_bid.commands.seal import ProgressBar
from ggzy_sm import canonical, sealedbid


@pytest.fixture
def command(bidder: Bidder) -> list[str]:
    """The seal command without its opening sheet, for a ~3.8 MB document."""
    (bidder / "技术标.pdf").write_bytes(b"%PDF-1.7 technical " * 200_000)
    return [c for c in bidder.seal_command() if c not in ("--opening-sheet", str(bidder / "sheet.json"))]


def write_sheet(bidder: Bidder, text: str) -> list[str]:
    (bidder / "sheet.json").write_text(text, encoding="utf-8")
    return ["--opening-sheet", str(bidder / "sheet.json")]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (json.dumps({**SHEET, "price": {"kind": "amount", "fen": 8800000.5}}), "位置：price"),  # a float
        (
            json.dumps({**SHEET, "price": {"kind": "amount", "fen": 100.0}}),
            "位置：price/fen",
        ),  # still a float
        (json.dumps({**SHEET, "price": {"kind": "rate", "percent": "3.12345"}}), "位置：price"),
        (json.dumps({"price": {"kind": "amount", "fen": 1}}), "位置：整个文件（顶层）"),  # no "schema"
        (json.dumps({**SHEET, "工期": 180}, ensure_ascii=False), "'工期' was unexpected"),  # shown as written
        (
            '{"schema": "ggzy-opening-sheet-v1", "price": {"kind": "amount", "fen": 1},}',
            "不是有效的 JSON：第 1 行",
        ),
        (
            '{"schema": "ggzy-opening-sheet-v1", "price": 1, "price": {"kind": "amount", "fen": 1}}',
            "“price”出现了两次",
        ),
    ],
)
def test_a_sheet_off_the_schema_is_refused_before_anything_is_asked_or_written(  # noqa: PLR0917 (parametrized)
    bidder: Bidder,
    command: list[str],
    world: World,
    text: str,
    shown: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    no_prompt(monkeypatch)
    sheet = write_sheet(bidder, text)
    before = bidder.files()
    assert main(command + sheet) == 2
    err = capsys.readouterr().err
    assert shown in err
    assert "未封装，未写入任何文件" in err
    assert "Traceback" not in err
    assert "\\u" not in err  # Chinese as Chinese, not escaped
    assert bidder.files() == before  # no bid, no temporary file
    assert all(fake.requests == [] for fake in world.fakes)  # no custodian asked


def test_the_sheet_error_says_how_to_write_the_price(
    bidder: Bidder, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = write_sheet(bidder, json.dumps({**SHEET, "price": {"kind": "amount", "fen": 1.5}}))
    assert main(command + sheet) == 2
    err = capsys.readouterr().err
    assert "ggzy-opening-sheet-v1" in err
    assert "写法：" in err
    assert "整数分" in err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_seal_shows_a_progress_bar_on_a_terminal_up_to_100_percent(
    bidder: Bidder, command: list[str], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(command + write_sheet(bidder, json.dumps(SHEET))) == 0
    shown = terminal.getvalue()
    frames = shown.split("\r")[1:]
    assert "投标截止时间" in shown.split("\r")[0]  # the deadline and the time are said before the bar
    assert frames[0].startswith("封装 sealing [---")
    assert "  0%" in frames[0]
    last_frame = frames[-1].splitlines()[0]
    assert "[" + "#" * 30 + "] 100%" in last_frame
    machine = len(canonical.dumps(sealedbid.machine_record()))
    total = len(sealedbid.canonical_sheet(SHEET)) + machine + (bidder / "技术标.pdf").stat().st_size
    assert last_frame.endswith(f"{total / 1024 / 1024:.1f}/{total / 1024 / 1024:.1f} MB")
    assert frames[-1].endswith("\n")  # the bar's line is closed before "sealed …"
    assert "sealed " in frames[-1]
    assert len(frames) <= 101
    assert sealedbid.read(bidder.bid).header["section"] == SECTION


def test_no_bar_when_standard_error_is_not_a_terminal(
    bidder: Bidder, command: list[str], world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(command + write_sheet(bidder, json.dumps(SHEET))) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    assert "\nsealed " in err


def test_the_bar_line_is_closed_when_sealing_fails_half_way() -> None:
    out = io.StringIO()
    bar = ProgressBar(out, width=10)
    for done in (0, 5, 5, 6):
        bar(done, 10)
    bar.close()
    assert out.getvalue() == (
        "\r封装 sealing [----------]   0%  0.0/0.0 MB"
        "\r封装 sealing [#####-----]  50%  0.0/0.0 MB"
        "\r封装 sealing [######----]  60%  0.0/0.0 MB\n"
    )  # the repeated 50 % is not redrawn
    bar.close()
    assert out.getvalue().count("\n") == 1
