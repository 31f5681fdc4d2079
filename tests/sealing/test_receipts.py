"""Receipts of sealed bids (回执, docs/submission.md "Receipts"): a received bid has a receipt, signed by
the platform's receipt key, that `ggzy-verify receipt` checks against the published keys; a changed
receipt fails; rotating the key breaks no old receipt; another bidder's receipt is not found, as a
missing one; the receipt names the instant the last byte arrived, and the upload's answer points to it."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from ggzy.core import keystore
from ggzy.core.models import Purpose
from ggzy.events.models import Event
from ggzy.ops.services import key_rotate
from ggzy.sealing.models import SealedBid
from ggzy_sm import receipts
from ggzy_sm.canonical import format_instant
from ggzy_sm.verify import main as ggzy_verify
from tests.sealing.conftest import Stage
from tests.sealing.test_uploads import patch, started, thirds

pytestmark = pytest.mark.django_db

KEYS = "/api/v1/sealing/receipt-keys"


def receipt_url(bid: SealedBid | uuid.UUID) -> str:
    uid = bid.uid if isinstance(bid, SealedBid) else bid
    return f"/api/v1/sealing/bids/{uid}/receipt"


def published_keys() -> dict[str, Any]:
    answer = Client().get(KEYS)  # anyone: no session
    assert answer.status_code == 200, answer.content
    return answer.json()


def verify(tmp_path: Path, signed: Any, keys: Any) -> tuple[int, str]:
    """`ggzy-verify receipt RECEIPT.json --keys KEYS.json` on these two documents: (status, output)."""
    receipt_file, keys_file = tmp_path / "receipt.json", tmp_path / "keys.json"
    receipt_file.write_text(json.dumps(signed, ensure_ascii=False), encoding="utf-8")
    keys_file.write_text(json.dumps(keys), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = ggzy_verify(["receipt", str(receipt_file), "--keys", str(keys_file)])
    return status, out.getvalue()


def fetched(client_for: Callable[..., Client], bid: SealedBid) -> dict[str, Any]:
    answer = client_for(bid.submitted_by).get(receipt_url(bid))
    assert answer.status_code == 200, answer.content
    return answer.json()


@pytest.mark.clause("8.1.3")
def test_a_received_bid_has_a_receipt_that_verifies_with_the_published_key(
    stage: Stage, client_for: Callable[..., Client], tmp_path: Path
) -> None:
    bid = stage.receive()
    signed = fetched(client_for, bid)
    body = signed["receipt"]
    event = Event.objects.get(type="sealing.bid.received")
    assert body == {
        "format": "ggzy-bid-receipt-v1",
        "platform": body["platform"],
        "centre": stage.world.centre.code,
        "section": stage.section.code,
        "bidder": bid.organisation.uscc,
        "bid": str(bid.uid),
        "ciphertext_sm3": bid.ciphertext_sm3,
        "ciphertext_size": bid.ciphertext_size,
        "received_at": format_instant(bid.received_at),
        "signed_at": body["signed_at"],
        "bound_deadline": format_instant(bid.bound_deadline),
        "acknowledgements": [
            {"custodian": ack["payload"]["custodian"], "sm3": receipts.ack_digest(ack)}
            for ack in sorted(bid.acknowledgements, key=lambda a: a["payload"]["custodian"])
        ],
        "event": str(event.uid),
        "key_id": keystore.key_active(Purpose.BID_RECEIPT).key_id,
    }
    assert body["platform"]
    assert len(body["acknowledgements"]) >= stage.cset.k
    status, out = verify(tmp_path, signed, published_keys())
    assert status == 0, out
    assert out.splitlines()[0].startswith("回执有效")
    assert out.splitlines()[1].startswith("OK: the receipt verifies")
    # the witness log's signed promise to include the receipt's event, made with the receipt
    promise = signed["promise"]
    assert promise["promise"]["event"] == str(event.uid)
    keystore.verification_key(promise["key_id"]).verify(
        "ggzy-promise-v1", promise["promise"], bytes.fromhex(promise["signature"])
    )


def test_a_tampered_receipt_fails_ggzy_verify(
    stage: Stage, client_for: Callable[..., Client], tmp_path: Path
) -> None:
    signed = fetched(client_for, stage.receive())
    signed["receipt"]["received_at"] = format_instant(stage.deadline - dt.timedelta(days=1))
    status, out = verify(tmp_path, signed, published_keys())
    assert status == 1
    assert "FAILED (signature)" in out


def test_after_rotating_the_receipt_key_old_receipts_verify_and_new_ones_use_the_new_key(
    stage: Stage, client_for: Callable[..., Client], tmp_path: Path, freeze: Any
) -> None:
    start = stage.deadline - dt.timedelta(days=3)
    freeze(start)
    old_bid = stage.receive(stage.bidders[0], "old")
    old_key = keystore.key_active(Purpose.BID_RECEIPT).key_id
    freeze(start + dt.timedelta(hours=1))
    new_key = key_rotate(actor=None, purpose="bid_receipt").key_id
    freeze(start + dt.timedelta(hours=2))
    new_bid = stage.receive(stage.bidders[1], "new")
    keys = published_keys()
    listed = {k["key_id"]: k for k in keys["keys"]}
    assert listed[old_key]["retired_at"] == format_instant(start + dt.timedelta(hours=1))
    assert listed[new_key]["retired_at"] is None
    old, new = fetched(client_for, old_bid), fetched(client_for, new_bid)
    assert (old["receipt"]["key_id"], new["receipt"]["key_id"]) == (old_key, new_key)
    for n, signed in enumerate((old, new)):
        folder = tmp_path / str(n)
        folder.mkdir()
        status, out = verify(folder, signed, keys)
        assert status == 0, out


def test_another_bidder_gets_the_same_404_as_for_a_missing_receipt(
    stage: Stage, client_for: Callable[..., Client]
) -> None:
    bid = stage.receive()
    other = client_for(stage.bidders[1].user)
    theirs = other.get(receipt_url(bid))
    missing = other.get(receipt_url(uuid.uuid4()))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert Client().get(receipt_url(bid)).status_code in {401, 403}  # not signed in: not even a 404


def test_the_receipt_names_the_instant_of_the_last_byte_and_the_upload_points_to_it(
    stage: Stage, client_for: Callable[..., Client], freeze: Any, tmp_path: Path
) -> None:
    bidder = stage.bidders[0]
    path = stage.seal(bidder)
    data, acks = path.read_bytes(), stage.register(path)
    browser = client_for(bidder.user)
    start = stage.deadline - dt.timedelta(hours=2)
    freeze(start)
    url = started(browser, stage, (data, acks))
    chunks = thirds(data)
    arrived = start + dt.timedelta(minutes=9, microseconds=4321)
    for n, (offset, chunk) in enumerate(chunks):
        if n == len(chunks) - 1:
            freeze(arrived)
        answer = patch(browser, url, offset, chunk)
        assert answer.status_code == 204, answer.content
    bid = SealedBid.objects.get()
    assert answer["Ggzy-Receipt"] == receipt_url(bid)
    assert browser.head(url, headers={"Tus-Resumable": "1.0.0"})["Ggzy-Receipt"] == receipt_url(bid)
    signed = browser.get(answer["Ggzy-Receipt"]).json()
    assert signed["receipt"]["received_at"] == format_instant(arrived) == answer["Ggzy-Received-At"]
    status, out = verify(tmp_path, signed, published_keys())
    assert status == 0, out
