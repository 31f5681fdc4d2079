"""`ggzy-bid seal`: the opening sheet is checked before anything is asked or written, and the progress
bar shows on a terminal only."""

from __future__ import annotations

import datetime as dt
import getpass
import io
import json
import sys
from pathlib import Path

import pytest

from ggzy_bid.cli import ProgressBar, main
from ggzy_sm import sealedbid, x509
from ggzy_sm.keys import write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey

SIGN, ENC, CA = (Sm2PrivateKey.generate() for _ in range(3))
SHEET = {
    "schema": "ggzy-opening-sheet-v1",
    "price": {"kind": "amount", "fen": 880000000},
    "duration_days": 180,
}


@pytest.fixture
def bidder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    """(a folder with the bidder's keys, certificates and one document, the seal command but the sheet)."""
    now = dt.datetime.now(dt.UTC)
    for key, usage, serial, name in ((SIGN, "signing", 2, "sign"), (ENC, "encryption", 3, "enc")):
        (tmp_path / f"{name}.cer").write_bytes(
            x509.issue(
                issuer_key=CA, issuer={"common_name": "Test CA"}, public_key=key.public_key,
                subject={"common_name": "天成建设", "serial_number": "91210100730000017Q"}, serial=serial,
                not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=365),
                usage=usage,  # type: ignore[arg-type]
            )
        )  # fmt: skip
        write_key_file(key, tmp_path / f"{name}.key", "holder-passphrase", iterations=1000)
    (tmp_path / "技术标.pdf").write_bytes(b"%PDF-1.7 technical " * 200_000)  # ~3.8 MB
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    command = [
        "seal", "--section", "A2101002026000001001001", "--bidder", "91210100730000017Q",
        "--deadline", "2026-12-20T09:30:00+08:00", "--key", str(tmp_path / "sign.key"),
        "--certificate", str(tmp_path / "sign.cer"), "--encryption-certificate", str(tmp_path / "enc.cer"),
        "--out", str(tmp_path / "bid.ggzybid"), str(tmp_path / "技术标.pdf"),
    ]  # fmt: skip
    return tmp_path, command


def write_sheet(folder: Path, text: str) -> list[str]:
    (folder / "sheet.json").write_text(text, encoding="utf-8")
    return ["--opening-sheet", str(folder / "sheet.json")]


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
def test_a_sheet_off_the_schema_is_refused_before_anything_is_asked_or_written(
    bidder: tuple[Path, list[str]],
    text: str,
    shown: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, command = bidder
    monkeypatch.delenv("GGZY_BID_PASSPHRASE")

    def ask(prompt: str = "") -> str:
        raise AssertionError("the passphrase was asked for a sheet that is refused anyway")

    monkeypatch.setattr(getpass, "getpass", ask)
    before = sorted(p.name for p in folder.iterdir())
    assert main(command + write_sheet(folder, text)) == 2
    err = capsys.readouterr().err
    assert shown in err
    assert "未封装，未写入任何文件" in err
    assert "Traceback" not in err
    assert "\\u" not in err  # Chinese as Chinese, not escaped
    assert sorted(p.name for p in folder.iterdir()) == sorted([*before, "sheet.json"])  # no bid, no temp file


def test_the_sheet_error_says_how_to_write_the_price(
    bidder: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, command = bidder
    assert (
        main(command + write_sheet(folder, json.dumps({**SHEET, "price": {"kind": "amount", "fen": 1.5}})))
        == 2
    )
    err = capsys.readouterr().err
    assert "ggzy-opening-sheet-v1" in err
    assert "写法：" in err
    assert "整数分" in err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_seal_shows_a_progress_bar_on_a_terminal_up_to_100_percent(
    bidder: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, command = bidder
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(command + write_sheet(folder, json.dumps(SHEET))) == 0
    shown = terminal.getvalue()
    frames = shown.split("\r")[1:]
    assert frames[0].startswith("封装 sealing [---")
    assert "  0%" in frames[0]
    last_frame = frames[-1].splitlines()[0]
    assert "[" + "#" * 30 + "] 100%" in last_frame
    total = len(sealedbid.canonical_sheet(SHEET)) + (folder / "技术标.pdf").stat().st_size
    assert last_frame.endswith(f"{total / 1024 / 1024:.1f}/{total / 1024 / 1024:.1f} MB")
    assert frames[-1].endswith("\n")  # the bar's line is closed before "sealed …"
    assert "sealed " in frames[-1]
    assert len(frames) <= 101
    assert sealedbid.read(folder / "bid.ggzybid").header["section"] == "A2101002026000001001001"


def test_no_bar_when_standard_error_is_not_a_terminal(
    bidder: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, command = bidder
    assert main(command + write_sheet(folder, json.dumps(SHEET))) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    assert err.startswith("sealed ")


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


@pytest.mark.parametrize("extra", [["--pin", "00" * 32], ["--allow-demo-custodians"]])
def test_custodian_options_without_a_set_are_refused(
    bidder: tuple[Path, list[str]], extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, command = bidder
    before = sorted(p.name for p in folder.iterdir())
    assert main(command + write_sheet(folder, json.dumps(SHEET)) + extra) == 2
    err = capsys.readouterr().err
    assert "须与 --custodians 一起使用" in err
    assert sorted(p.name for p in folder.iterdir()) == sorted([*before, "sheet.json"])


def test_without_custodians_the_envelope_is_null_and_inspect_says_so(
    bidder: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, command = bidder
    assert main(command + write_sheet(folder, json.dumps(SHEET))) == 0
    assert sealedbid.read(folder / "bid.ggzybid").header["custodians"] is None
    capsys.readouterr()
    assert main(["inspect", str(folder / "bid.ggzybid")]) == 0
    assert json.loads(capsys.readouterr().out)["custodians"] is None
