"""Receipts as PDF and the public receipt verification page (issue 28, docs/submission.md "Receipts"):
the bidder downloads its receipt as a one-page PDF naming the section, the ciphertext's SM3 and the
instant the last byte arrived, with a QR code that is exactly the code of the verification page's address;
another bidder's bid is not found, as a missing one. Anyone verifies a receipt they hold on the public
page: the real one is valid, a changed one, one signed by an unknown key, a malformed one, a too large
one and a file that is not JSON are refused with the reason (400) — and the page never reads the sealed
bids, nor writes anything."""

from __future__ import annotations

import copy
import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from ggzy.sealing.models import SealedBid
from ggzy.sealing.receipt_pdf import QR_BORDER, QR_SCALE, shown
from ggzy_sm.canonical import format_instant
from tests.sealing.conftest import Stage

pytestmark = pytest.mark.django_db

VERIFY = "/receipts/verify/"


def pdf_url(bid: SealedBid | uuid.UUID) -> str:
    return reverse("sealing:receipt_pdf", args=[bid.uid if isinstance(bid, SealedBid) else bid])


def pdf_text(path: Path) -> str:
    """The PDF's text with every space and line break taken out (long codes wrap in the table)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def qr_modules(path: Path, folder: Path) -> list[list[bool]]:
    """The dark modules of the one QR code image in the PDF (pdfimages), read at each module's centre."""
    subprocess.run(["pdfimages", "-png", str(path), str(folder / "img")], check=True)
    images = sorted(folder.glob("img-*.png"))
    assert len(images) == 1
    picture = Image.open(images[0]).convert("L")
    side = picture.width // QR_SCALE - 2 * QR_BORDER
    assert picture.width == picture.height == (side + 2 * QR_BORDER) * QR_SCALE

    def dark(row: int, col: int) -> bool:
        x, y = ((QR_BORDER + col) * QR_SCALE + QR_SCALE // 2, (QR_BORDER + row) * QR_SCALE + QR_SCALE // 2)
        value = picture.getpixel((x, y))
        assert isinstance(value, int)
        return value < 128

    return [[dark(r, c) for c in range(side)] for r in range(side)]


def upload(signed: Any, name: str = "receipt.json") -> dict[str, Any]:
    raw = signed if isinstance(signed, bytes) else json.dumps(signed, ensure_ascii=False).encode()
    return {"file": SimpleUploadedFile(name, raw, content_type="application/json")}


def test_the_pdf_names_the_section_the_sm3_and_the_instant_and_its_qr_code_is_the_verify_page(
    stage: Stage, client_for: Callable[..., Client], tmp_path: Path
) -> None:
    bid = stage.receive()
    answer = client_for(bid.submitted_by).get(pdf_url(bid))
    assert answer.status_code == 200, answer.content[:500]
    assert answer["Content-Type"] == "application/pdf"
    disposition = answer["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="receipt-{stage.section.code}.pdf"' in disposition
    path = tmp_path / "receipt.pdf"
    path.write_bytes(answer.content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
    text = pdf_text(path)
    assert bid.receipt is not None
    body = bid.receipt["receipt"]
    assert body["received_at"] == format_instant(bid.received_at)
    for said in (
        "投标文件递交回执",
        stage.section.code,
        stage.section.name,
        bid.organisation.name,
        bid.organisation.uscc,
        bid.ciphertext_sm3,
        shown(bid.received_at).replace(" ", ""),  # Beijing time, as precise as the receipt
        shown(bid.bound_deadline).replace(" ", ""),
        body["key_id"],
        bid.receipt["signature"],
        bid.receipt["promise"]["promise"]["event"],
        "ggzy-verify",
    ):
        assert said.replace(" ", "") in text, said
    for ack in body["acknowledgements"]:
        assert ack["sm3"] in text
    assert "沈阳市公共资源交易中心" in text  # the custodians by name, from the set they signed
    # the QR code is the code of the verification page's address, with the SM3 to show
    page = f"http://testserver{VERIFY}?sm3={bid.ciphertext_sm3}"
    assert page in text
    assert f"http://testserver/api/v1/sealing/bids/{bid.uid}/receipt" in text  # the JSON receipt
    expected = [[bool(m) for m in row] for row in segno.make(page, error="m").matrix]
    assert qr_modules(path, tmp_path) == expected


def test_another_bidders_bid_and_a_missing_one_are_the_same_404(
    stage: Stage, client_for: Callable[..., Client]
) -> None:
    bid = stage.receive()
    other = client_for(stage.bidders[1].user)
    theirs, missing = other.get(pdf_url(bid)), other.get(pdf_url(uuid.uuid4()))
    assert theirs.status_code == missing.status_code == 404
    assert theirs["Content-Type"] == missing["Content-Type"]
    assert Client().get(pdf_url(bid)).status_code in {302, 401, 403}  # not signed in: not even a 404


def test_a_bid_without_a_receipt_is_said_in_words(stage: Stage, client_for: Callable[..., Client]) -> None:
    bid = stage.receive()
    SealedBid.objects.filter(pk=bid.pk).update(receipt=None)  # as one received before receipts
    answer = client_for(bid.submitted_by).get(pdf_url(bid))
    assert answer.status_code == 404
    assert "没有可下载的回执" in answer.content.decode()


def test_the_verify_page_shows_a_real_receipt_valid_and_reads_no_bid(
    stage: Stage, client_for: Callable[..., Client]
) -> None:
    bid = stage.receive()
    signed = client_for(bid.submitted_by).get(f"/api/v1/sealing/bids/{bid.uid}/receipt").json()
    public = Client()
    form = public.get(f"{VERIFY}?sm3={bid.ciphertext_sm3}")
    assert form.status_code == 200
    page = form.content.decode()
    assert "您扫描的回执摘要" in page
    assert bid.ciphertext_sm3 in page
    assert "csrfmiddlewaretoken" in page
    assert "<script>" not in page
    assert ' style="' not in page
    with CaptureQueriesContext(connection) as queries:
        answer = public.post(VERIFY, upload(signed))
        pasted = public.post(VERIFY, {"text": json.dumps(signed)})
    for shown_page in (answer, pasted):
        assert shown_page.status_code == 200, shown_page.content.decode()[-2000:]
        html = shown_page.content.decode()
        assert 'data-valid="yes"' in html
        assert "回执有效" in html
        assert bid.ciphertext_sm3 in html
        assert stage.section.code in html
        assert bid.organisation.uscc in html
        assert shown(bid.received_at) in html
    sql = [q["sql"].lower() for q in queries.captured_queries]
    assert not [q for q in sql if "sealing_sealedbid" in q]
    assert not [q for q in sql if q.lstrip().startswith(("insert", "update", "delete"))]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda s: s["receipt"].update(ciphertext_sm3="0" * 64), "签名与回执内容不符"),
        (lambda s: s["receipt"].update(received_at="2020-01-01T00:00:00.000000Z"), "签名与回执内容不符"),
        (lambda s: s["receipt"].update(key_id="no-such-key"), "不在平台公布的回执密钥之中"),
        (lambda s: s["receipt"].update(extra=1), "这不是平台格式的投标文件回执"),
        (lambda s: s.pop("signature"), "这不是平台格式的投标文件回执"),
    ],
    ids=["sm3", "instant", "unknown-key", "extra-field", "no-signature"],
)
def test_a_changed_or_malformed_receipt_is_refused_with_its_reason(
    stage: Stage, change: Callable[[dict[str, Any]], Any], reason: str
) -> None:
    bid = stage.receive()
    assert bid.receipt is not None
    signed = copy.deepcopy(bid.receipt)
    change(signed)
    with CaptureQueriesContext(connection) as queries:
        answer = Client().post(VERIFY, upload(signed))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'data-valid="no"' in html
    assert "回执无效" in html
    assert reason in html
    assert not [q for q in queries.captured_queries if "sealing_sealedbid" in q["sql"].lower()]


def test_not_json_too_large_and_nothing_given_are_refused(stage: Stage) -> None:
    public = Client()
    for data, said in (
        (upload(b"%PDF-1.7 not a receipt", "receipt.pdf"), "内容不是有效的 JSON 文本"),
        ({"text": "{'receipt': 1}"}, "内容不是有效的 JSON 文本"),
        (upload(b'{"a": 1, "a": 2}'), "内容不是有效的 JSON 文本"),  # a key twice
        (upload(b"[" * 100_000 + b"]" * 100_000), "内容不是有效的 JSON 文本"),  # too deep for the parser
        (upload(b" " * (256 * 1024 + 1)), "回执过大"),
        ({"text": "x" * (256 * 1024 + 1)}, "回执过大"),
        ({}, "请选择回执文件或粘贴回执内容"),
        ({**upload(b"{}"), "text": "{}"}, "二选一"),
    ):
        answer = public.post(VERIFY, data)
        assert answer.status_code == 400, said
        html = answer.content.decode()
        assert said in html
        assert 'data-valid="yes"' not in html


def test_the_verify_page_takes_get_and_post_only() -> None:
    assert Client().put(VERIFY).status_code == 405
    assert Client().get(VERIFY).status_code == 200


def test_the_verify_page_ignores_a_scanned_value_that_is_not_an_sm3() -> None:
    page = Client().get(VERIFY, {"sm3": "<script>alert(1)</script>"}).content.decode()
    assert "您扫描的回执摘要" not in page
    assert "alert(1)" not in page
