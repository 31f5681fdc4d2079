"""`ggzy-bid seal --envelope`: a two-envelope bid (双信封) is sealed as a technical and a price envelope,
the envelope written into the header the bidder signs (nobody relabels one without breaking the
signature); a technical envelope's opening sheet states no price; with --criteria the envelope must be
what the documents ask for. A whole bid's header stays as it was (no `envelope`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bid_world import RELEASE, SHEET, SIGN, Bidder, World, no_prompt
from ggzy_bid.cli import main
from ggzy_sm import canonical, sealedbid
from ggzy_sm.errors import CryptoError
from test_cli_seal_criteria import RECORD, with_criteria

TECHNICAL_SHEET = {"schema": "ggzy-opening-sheet-v1", "duration_days": 180}


def sealed(bidder: Bidder, sheet: dict[str, Any], *more: str) -> dict[str, Any]:
    (bidder / "sheet.json").write_text(json.dumps(sheet), encoding="utf-8")
    assert main(bidder.seal_command(*more)) == 0
    return sealedbid.read(bidder.bid).header


def test_the_envelope_lands_in_the_signed_header(bidder: Bidder, world: World) -> None:
    header = sealed(bidder, SHEET, "--envelope", "price")
    assert header["envelope"] == "price"
    bid = sealedbid.read(bidder.bid)
    assert bid.envelope == "price"
    sealedbid.verify(bid, SIGN.public_key)  # the signature covers it
    unsigned = {k: v for k, v in header.items() if k != "signature"}
    relabelled = {**unsigned, "envelope": "technical"}
    with pytest.raises(CryptoError):
        SIGN.public_key.verify(sealedbid.FORMAT, relabelled, bytes.fromhex(header["signature"]))
    SIGN.public_key.verify(sealedbid.FORMAT, unsigned, bytes.fromhex(header["signature"]))
    # the header on disk is canonical JSON with the envelope in it
    raw = bidder.bid.read_bytes()
    assert canonical.dumps(header) in raw


def test_a_technical_envelope_states_no_price_and_opens_without_one(bidder: Bidder, world: World) -> None:
    header = sealed(bidder, TECHNICAL_SHEET, "--envelope", "technical")
    assert header["envelope"] == "technical"
    out = bidder / "opened"
    bid = sealedbid.read(bidder.bid)
    sealedbid.open_bid(bid, sealedbid.unwrap(bid, RELEASE), out)
    assert json.loads((out / sealedbid.OPENING_SHEET).read_text()) == TECHNICAL_SHEET


def test_a_whole_bid_has_no_envelope_field(bidder: Bidder, world: World) -> None:
    header = sealed(bidder, SHEET)
    assert "envelope" not in header
    assert set(header) == sealedbid.HEADER_FIELDS
    assert sealedbid.read(bidder.bid).envelope == "single"


def test_a_price_in_the_technical_envelope_is_refused_before_anything_is_written(
    bidder: Bidder, world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    no_prompt(monkeypatch)
    (bidder / "sheet.json").write_text(json.dumps(SHEET), encoding="utf-8")
    before = bidder.files()
    assert main(bidder.seal_command("--envelope", "technical")) == 2
    err = capsys.readouterr().err
    assert "不填报价" in err
    assert bidder.files() == before
    assert all(fake.requests == [] for fake in world.fakes)


@pytest.mark.parametrize(
    ("two", "envelope", "shown"),
    [
        (True, "single", "招标文件要求双信封投标"),
        (False, "technical", "招标文件未要求双信封"),
    ],
)
def test_with_criteria_the_envelope_is_the_documents_choice(  # noqa: PLR0917 (parametrized)
    bidder: Bidder,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    two: bool,
    envelope: str,
    shown: str,
) -> None:
    no_prompt(monkeypatch)
    record = {**RECORD, "two_envelopes": True} if two else RECORD
    sheet = SHEET if envelope == "single" else TECHNICAL_SHEET
    command = [*with_criteria(bidder, record, sheet), "--envelope", envelope]
    before = bidder.files()
    assert main(command) == 2
    assert shown in capsys.readouterr().err
    assert bidder.files() == before


def test_with_criteria_the_price_envelope_holds_the_price_alone(
    bidder: Bidder, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    record = {**RECORD, "two_envelopes": True}
    both = [*with_criteria(bidder, record, {**SHEET, "duration_days": 180}), "--envelope", "price"]
    assert main(both) == 2
    assert "只填报价" in capsys.readouterr().err
    assert main([*with_criteria(bidder, record, SHEET), "--envelope", "price"]) == 0
    assert sealedbid.read(bidder.bid).header["envelope"] == "price"
