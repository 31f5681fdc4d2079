"""Two envelopes (双信封) in ggzy-bid-v2 (docs/sealed-bid-format.md §3): the header's optional `envelope`
("technical" or "price", absent for a whole bid) is written before the bidder signs, read strictly, and
decides whether the opening sheet states a price — checked when sealing and again when opening."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ggzy_sm import canonical, openingsheet, sealedbid
from sealing_world import BIDDER
from test_sealedbid import SHEET, refused, resign, rewrite_header, seal_into

TECHNICAL = {"schema": "ggzy-opening-sheet-v1", "duration_days": 365}


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "技术标.pdf"
    path.write_bytes(b"%PDF-1.7 technical proposal " * 100)
    return path


def test_each_envelope_is_named_in_the_signed_header_and_opens(tmp_path: Path, document: Path) -> None:
    for envelope, sheet in (("technical", TECHNICAL), ("price", SHEET)):
        target = tmp_path / f"{envelope}.ggzybid"
        header = seal_into(target, [document], opening_sheet=sheet, envelope=envelope)
        assert header["envelope"] == envelope
        bid = sealedbid.read(target)
        assert bid.envelope == envelope
        sealedbid.verify(bid, BIDDER.signing.public_key)
        out = tmp_path / f"{envelope}-out"
        sealedbid.open_bid(bid, sealedbid.unwrap(bid, BIDDER.release), out)
        assert (out / sealedbid.OPENING_SHEET).read_bytes() == canonical.dumps(sheet)
    whole = seal_into(tmp_path / "whole.ggzybid", [document])
    assert "envelope" not in whole  # a whole bid's header is as it always was
    assert sealedbid.read(tmp_path / "whole.ggzybid").envelope == "single"


def test_relabelling_an_envelope_breaks_the_signature(tmp_path: Path, document: Path) -> None:
    target = tmp_path / "price.ggzybid"
    header = seal_into(target, [document], opening_sheet=SHEET, envelope="price")
    rewrite_header(target, {**header, "envelope": "technical"})
    refused("signature", sealedbid.verify, sealedbid.read(target), BIDDER.signing.public_key)
    unlabelled = {k: v for k, v in header.items() if k != "envelope"}
    rewrite_header(target, unlabelled)
    refused("signature", sealedbid.verify, sealedbid.read(target), BIDDER.signing.public_key)


@pytest.mark.parametrize("value", ["single", "Price", "", 1, None])
def test_an_envelope_of_another_spelling_is_malformed(tmp_path: Path, document: Path, value: Any) -> None:
    target = tmp_path / "bid.ggzybid"
    header = seal_into(target, [document], opening_sheet=SHEET, envelope="price")
    rewrite_header(target, resign({**header, "envelope": value}))
    refused("malformed", sealedbid.read, target)


@pytest.mark.parametrize(
    ("envelope", "sheet", "where"),
    [("technical", SHEET, "price"), ("price", TECHNICAL, "/"), ("single", TECHNICAL, "/")],
)
def test_the_price_is_on_the_sheet_exactly_when_the_envelope_has_it(
    tmp_path: Path, document: Path, envelope: str, sheet: dict[str, Any], where: str
) -> None:
    error = refused(
        "opening_sheet",
        seal_into,
        tmp_path / "bid.ggzybid",
        [document],
        opening_sheet=sheet,
        envelope=envelope,
    )
    assert isinstance(error.__cause__, openingsheet.SheetError)
    assert error.__cause__.where == where
    assert not (tmp_path / "bid.ggzybid").exists()
    refused("malformed", seal_into, tmp_path / "bid.ggzybid", [document], envelope="both")


def test_the_opener_refuses_a_technical_envelope_with_a_price(
    tmp_path: Path, document: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "bid.ggzybid"
    with monkeypatch.context() as patched:  # a tool that does not check its sheet against the envelope
        patched.setattr(openingsheet, "check", lambda sheet, envelope="single": dict(sheet))
        seal_into(target, [document], opening_sheet=SHEET, envelope="technical")
    bid = sealedbid.read(target)
    refused("opening_sheet", sealedbid.open_bid, bid, sealedbid.unwrap(bid, BIDDER.release), tmp_path / "out")
    assert not (tmp_path / "out").exists()
