"""The records' shapes: every field checked by type (dates, fen, statuses), unknown fields refused, the
refusal naming the record, a batch taken whole or not at all, and keys compared normalised."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from authority_world import batch, licence, make_folder, professional, qualification
from ggzy_authority import records, state


def test_a_good_batch_is_taken_keyed_by_its_normalised_numbers() -> None:
    taken = records.parse_batch({**batch(), "licences": [licence(code="91210100ma0y123456")]})
    assert set(taken["licences"]) == {"91210100MA0Y123456"}
    assert taken["licences"]["91210100MA0Y123456"]["code"] == "91210100ma0y123456"  # kept as given
    assert records.counts(taken) == {"licences": 1, "qualifications": 1, "professionals": 1}
    assert records.counts(records.parse_batch({})) == {"licences": 0, "qualifications": 0, "professionals": 0}


def test_normalise_strips_and_upper_cases_ascii_letters_only() -> None:
    assert records.normalise("  d22\t") == "D22"
    assert records.normalise("辽a1") == "辽A1"
    assert records.normalise("straße") == "STRAßE"  # not "STRASSE"


@pytest.mark.parametrize(
    ("kind", "record", "words"),
    [
        ("licence", licence(registered_capital_fen=1.5), "registered_capital_fen"),
        ("licence", licence(registered_capital_fen="100"), "registered_capital_fen"),
        ("licence", licence(registered_capital_fen=-1), "registered_capital_fen"),
        ("licence", licence(registered_capital_fen=True), "registered_capital_fen"),
        ("licence", licence(registered_capital_fen=2**53), "registered_capital_fen"),
        ("licence", licence(established="2012-5-18"), "established"),
        ("licence", licence(established="2012-02-30"), "real date"),
        ("licence", licence(status="closed"), "status"),
        ("licence", licence(code=" 91210100MA0Y123456"), "code"),
        ("licence", licence(code=""), "code"),
        ("licence", licence(code="9" * 65), "code"),
        ("licence", licence(name=""), "name"),
        ("licence", licence(scope=None), "scope"),
        ("licence", licence(colour="red"), "unknown"),
        ("licence", {k: v for k, v in licence().items() if k != "registrar"}, "lacks"),
        ("licence", [licence()], "JSON object"),
        ("qualification", qualification(type="Construction General"), "type"),
        ("qualification", qualification(valid_to="2021-12-31"), "before valid_from"),
        ("qualification", qualification(status="active"), "status"),
        ("qualification", qualification(holder_code="x\n"), "holder_code"),
        ("professional", professional(registered_since="yesterday"), "registered_since"),
        ("professional", professional(status="expired"), "status"),
        ("professional", professional(registered_to=1), "registered_to"),
    ],
)
def test_a_bad_record_is_refused_saying_why(kind: str, record: Any, words: str) -> None:
    with pytest.raises(records.RecordError, match=words):
        records.check(kind, record)


def test_a_refusal_names_the_record_and_nothing_of_the_batch_is_taken() -> None:
    given = {"qualifications": [qualification(), qualification(certificate="D2", level="")]}
    with pytest.raises(records.RecordError, match=r"qualifications\[1\] \(certificate 'D2'\): level"):
        records.parse_batch(given)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ([licence()], "JSON object"),
        ({"licenses": []}, "unknown lists"),
        ({"licences": licence()}, "is a list"),
        ({"licences": [licence(), licence(code="91210100ma0y123456")]}, "same code as licences"),
    ],
)
def test_a_bad_batch_is_refused(given: Any, words: str) -> None:
    with pytest.raises(records.RecordError, match=words):
        records.parse_batch(given)


def test_merge_replaces_a_record_of_the_same_key_and_keeps_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "moha"
    make_folder(folder)
    state.merge(folder, records.parse_batch(batch()))
    store = state.merge(
        folder, records.parse_batch({"licences": [licence(code="91210100ma0y123456", status="revoked")]})
    )
    assert store.counts() == {"licences": 1, "qualifications": 1, "professionals": 1}
    assert store.find("licence", "91210100MA0Y123456") == licence(code="91210100ma0y123456", status="revoked")
    assert state.load_store(folder).tables == store.tables
    assert store.stamp == state.records_stamp(folder)


def test_a_records_file_altered_by_hand_refuses_to_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "moha"
    make_folder(folder)
    state.merge(folder, records.parse_batch(batch()))
    data = json.loads((folder / state.RECORDS).read_text("utf-8"))
    data["licences"]["91210100MA0Y123456"]["registered_capital_fen"] = "lots"
    (folder / state.RECORDS).write_text(json.dumps(data), "utf-8")
    with pytest.raises(state.StateError, match="registered_capital_fen"):
        state.load_store(folder)
    (folder / state.RECORDS).write_text(  # a record filed under another key than its own
        json.dumps({"format": state.RECORDS_FORMAT, "licences": {"X": licence()}, "qualifications": {},
                    "professionals": {}}),
        "utf-8",
    )  # fmt: skip
    with pytest.raises(state.StateError, match="another key"):
        state.load_store(folder)
