"""Bid receipts (`ggzy_sm.receipts`, `ggzy-verify receipt`): a receipt verifies with the published key its
`key_id` names while that key was active; a changed byte, another key, a key not yet made or already
retired when it signed, and a malformed receipt or keys file are refused with a reason; the summary is
Chinese, then English."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from ggzy_sm import receipts
from ggzy_sm.canonical import format_instant
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.verify import main

T0 = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)
OLD, NEW = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
ROTATED = T0 + dt.timedelta(days=2)
ACK = {"payload": {"format": "ggzy-ack-v1", "custodian": 2}, "signature": "ab" * 64}


def keys_document(*, old_retired: dt.datetime | None = ROTATED) -> dict[str, Any]:
    keys = [
        {
            "key_id": "old0000000000001",
            "public_key": OLD.public_key.hex(),
            "created_at": format_instant(T0 - dt.timedelta(days=30)),
            "retired_at": format_instant(old_retired) if old_retired else None,
        }
    ]
    if old_retired:
        keys.append(
            {
                "key_id": "new0000000000002",
                "public_key": NEW.public_key.hex(),
                "created_at": format_instant(old_retired),
                "retired_at": None,
            }
        )
    return {"format": receipts.KEYS_FORMAT, "purpose": receipts.PURPOSE, "keys": keys}


def receipt(
    at: dt.datetime = T0, key: Sm2PrivateKey = OLD, key_id: str = "old0000000000001"
) -> dict[str, Any]:
    body = receipts.receipt_body(
        platform="辽宁省公共资源交易中心",
        centre="LN",
        section="E2101000001000000001001",
        bidder="91210100MA0XXXXXX1",
        bid="0b3f7c5e-1f6a-4b0e-9b1e-0c1d2e3f4a5b",
        ciphertext_sm3="c" * 64,
        ciphertext_size=123456,
        received_at=at,
        signed_at=at + dt.timedelta(milliseconds=40),
        bound_deadline=T0 + dt.timedelta(days=20),
        acknowledgements=[(3, {**ACK, "signature": "cd" * 64}), (2, ACK)],
        event="6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        key_id=key_id,
    )
    return receipts.receipt_sign(body, key)


def run(tmp_path: Path, signed: Any, keys: Any) -> tuple[int, str]:
    (tmp_path / "receipt.json").write_text(json.dumps(signed, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "keys.json").write_text(json.dumps(keys), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["receipt", str(tmp_path / "receipt.json"), "--keys", str(tmp_path / "keys.json")])
    return status, out.getvalue()


def test_a_receipt_verifies_with_its_published_key_and_says_so_in_chinese_then_english(
    tmp_path: Path,
) -> None:
    signed = receipt()
    body = signed["receipt"]
    assert body["format"] == "ggzy-bid-receipt-v1"
    assert body["received_at"] == format_instant(T0)
    assert [a["custodian"] for a in body["acknowledgements"]] == [2, 3]
    assert body["acknowledgements"][0]["sm3"] == receipts.ack_digest(ACK)
    status, out = run(tmp_path, signed, keys_document())
    assert status == 0, out
    chinese, english = out.splitlines()
    assert chinese.startswith("回执有效")
    assert english.startswith("OK: the receipt verifies")
    assert body["bid"] in chinese
    assert body["bid"] in english


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda r: r["receipt"].update(received_at=format_instant(T0 + dt.timedelta(seconds=1))),
            "signature",
        ),
        (lambda r: r["receipt"].update(ciphertext_size=123457), "signature"),
        (lambda r: r["receipt"]["acknowledgements"].pop(), "signature"),
        (lambda r: r["receipt"].update(key_id="new0000000000002"), "signature"),
        (lambda r: r["receipt"].update(key_id="nobody"), "unknown_key"),
        (lambda r: r.update(signature="00" * 64), "signature"),
        (lambda r: r["receipt"].update(extra=1), "malformed"),
        (lambda r: r["receipt"].update(received_at="2026-12-05T10:00:00Z"), "malformed"),
        (lambda r: r.pop("signature"), "malformed"),
    ],
)
def test_a_tampered_receipt_fails(tmp_path: Path, change: Any, reason: str) -> None:
    signed = copy.deepcopy(receipt())
    change(signed)
    status, out = run(tmp_path, signed, keys_document())
    assert status == 1
    assert f"FAILED ({reason})" in out
    assert out.startswith("回执无效")


def test_after_a_rotation_old_receipts_verify_with_the_retired_key_and_new_ones_with_the_new() -> None:
    keys = receipts.keys_parse(keys_document())
    assert receipts.receipt_check(receipt(), keys)["key_id"] == "old0000000000001"
    later = ROTATED + dt.timedelta(hours=1)
    assert (
        receipts.receipt_check(receipt(later, NEW, "new0000000000002"), keys)["key_id"] == "new0000000000002"
    )


def test_a_key_signs_only_within_its_active_period() -> None:
    keys = receipts.keys_parse(keys_document())
    after_retirement = receipt(ROTATED + dt.timedelta(hours=1))  # the retired key, dated after it left
    with pytest.raises(receipts.ReceiptError) as refused:
        receipts.receipt_check(after_retirement, keys)
    assert refused.value.reason == "key_not_active"
    before_creation = receipt(ROTATED - dt.timedelta(hours=1), NEW, "new0000000000002")
    with pytest.raises(receipts.ReceiptError) as refused:
        receipts.receipt_check(before_creation, keys)
    assert refused.value.reason == "key_not_active"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(format="other"),
        lambda d: d.update(keys={}),
        lambda d: d["keys"][0].update(public_key="04" + "00" * 64),
        lambda d: d["keys"][0].update(created_at="yesterday"),
        lambda d: d["keys"].append(dict(d["keys"][0])),
        lambda d: d["keys"][0].pop("retired_at"),
    ],
)
def test_a_malformed_keys_file_is_refused(tmp_path: Path, change: Any) -> None:
    keys = keys_document()
    change(keys)
    status, out = run(tmp_path, receipt(), keys)
    assert status == 1
    assert "FAILED (malformed)" in out


def test_an_unreadable_receipt_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "receipt.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "keys.json").write_text(json.dumps(keys_document()), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["receipt", str(tmp_path / "receipt.json"), "--keys", str(tmp_path / "keys.json")])
    assert status == 1
    assert "FAILED (malformed)" in out.getvalue()
