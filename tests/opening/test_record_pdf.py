"""The opening record as a PDF with the QR code of its verification page (issue 32): the hall's parties
download, next to the JSON, a PDF that says what the record says — the section, each step's scheduled and
actual instant, the bidders with their security, the prices in yuan, each bidder's answer, the objections
with their answers, the record's SM3 — and whose QR code is exactly the code of the public verification
page's address; nobody else finds it, nor anyone before the close. The verification page, for anyone,
says whether the platform made a record with an SM3 (the QR code's or an uploaded file's) and where the
witness log holds it, and nothing of its content."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ggzy.core.formatting import yuan
from ggzy.events.models import Event
from ggzy.notices.models import Objection
from ggzy.opening import services
from ggzy.opening.models import Hall
from ggzy.opening.record_pdf import QR_BORDER, QR_SCALE, shown
from ggzy.opening.states import HallState
from ggzy.sealing import services as sealing
from ggzy.sealing.models import SealedBid
from tests.factories import signed_in
from tests.opening.test_hall import DEADLINE, MINUTE, PRICES, Trade, at, bids, trade  # noqa: F401  (trade: the fixture)
from tests.sealing.conftest import make_bidder
from tests.securities.conftest import documents_issue

VERIFY = "/halls/records/verify/"
REMARK = "工期应为 280 天，不是 300 天"
OBJECTION = "解密时限应为 60 分钟"
ANSWER = "招标文件第 2.3 条规定为 30 分钟。"


@dataclass
class Closed:
    trade: Trade
    hall: Hall
    standing: list[SealedBid]


def _opened(trade: Trade) -> tuple[Hall, list[SealedBid]]:  # noqa: F811
    """Three bids, the hall under way, an objection raised and answered, two bids released in the window
    (the custodians open the third), the sheet read, one line confirmed and one objected to."""
    documents_issue(trade)
    standing = bids(trade, 3)
    at(trade, DEADLINE - MINUTE)
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall = Hall.objects.get(section=trade.section)
    first, second = trade.stage.bidders[0].user, trade.stage.bidders[1].user
    services.hall_object(actor=first, hall=hall, text=OBJECTION)
    objection = Objection.objects.get(section=trade.section, stage="opening")
    services.hall_answer(
        actor=trade.world.agent_user, hall=hall, objection_uid=str(objection.uid), answer=ANSWER
    )
    trade.clock.at(DEADLINE + MINUTE)
    for bid in standing[:2]:
        sealing.bid_open(actor=bid.submitted_by, bid=bid, release=trade.stage.release(bid))
    at(trade, DEADLINE + hall.window_minutes * MINUTE + dt.timedelta(seconds=2))
    hall.refresh_from_db()
    services.line_decide(actor=first, hall=hall, decision="confirmed")
    services.line_decide(actor=second, hall=hall, decision="objected", remark=REMARK)
    return hall, standing


@pytest.fixture
def closed(trade: Trade) -> Closed:  # noqa: F811
    hall, standing = _opened(trade)
    at(trade, DEADLINE + 3 * 60 * MINUTE)
    hall.refresh_from_db()
    assert hall.state == HallState.CLOSED
    assert hall.record
    assert hall.record_sm3
    return Closed(trade, hall, standing)


def pdf_text(path: Path) -> str:
    """The PDF's text (pdftotext) with every space and line break taken out (long codes wrap in cells)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def qr_modules(path: Path, folder: Path) -> list[list[bool]]:
    """The dark modules of the one image in the PDF (pdfimages), read at each module's centre."""
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


def test_the_pdf_says_what_the_record_says_and_its_qr_code_is_the_verification_page(
    closed: Closed, tmp_path: Path
) -> None:
    opened, hall = closed.trade, closed.hall
    shown_page = signed_in(Client(), opened.stage.bidders[1].user).get(f"/halls/{hall.uid}/").content.decode()
    assert f"/halls/{hall.uid}/record.pdf" in shown_page  # linked next to the JSON
    answer = signed_in(Client(), opened.stage.bidders[1].user).get(f"/halls/{hall.uid}/record.pdf")
    assert answer.status_code == 200, answer.content[:500]
    assert answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    assert f'filename="opening-record-{opened.section.code}.pdf"' in answer["Content-Disposition"]
    path = tmp_path / "record.pdf"
    path.write_bytes(answer.content)
    text = pdf_text(path)
    record = json.loads(hall.record)
    steps = {s["step"]: s for s in record["steps"]}
    for said in (
        "开标记录",
        opened.section.code,
        opened.section.name,
        opened.tender_project.code,
        *(b.organisation.name for b in closed.standing),
        *(b.organisation.uscc for b in closed.standing),
        *(f"{yuan(fen)}元" for fen in PRICES),  # money in yuan, from the fen the bidders sealed
        "由密钥托管方解密",  # the third bid: the documents' remedy opened it
        shown(steps["sign_in"]["scheduled"]),  # Beijing time, scheduled and actual
        shown(steps["decryption"]["started"]),
        str(5),  # sign-in began 5 seconds after its scheduled instant (the opening, at the deadline)
        "已确认",
        "有异议",
        REMARK,
        OBJECTION,
        ANSWER,
        hall.record_sm3,
        "招标人（代理机构）尚未签名",
        "ggzy-verify",
    ):
        assert said.replace(" ", "") in text, said
    assert ("中心未配置电子印章" in text) == (hall.record_seal is None)
    # the QR code is exactly the code of the verification page's address, printed under it too
    page = f"http://testserver{VERIFY}?sm3={hall.record_sm3}"
    assert page in text
    assert f"http://testserver/halls/{hall.uid}/record.json" in text  # the authoritative JSON
    expected = [[bool(m) for m in row] for row in segno.make(page, error="m").matrix]
    assert qr_modules(path, tmp_path) == expected


def test_only_the_halls_parties_get_the_pdf_and_only_after_the_close(trade: Trade) -> None:  # noqa: F811
    hall, _standing = _opened(trade)
    bidder = signed_in(Client(), trade.stage.bidders[0].user)
    assert bidder.get(f"/halls/{hall.uid}/").status_code == 200  # a party, in the hall under way
    assert bidder.get(f"/halls/{hall.uid}/record.pdf").status_code == 404  # no record before the close
    at(trade, DEADLINE + 3 * 60 * MINUTE)
    assert bidder.get(f"/halls/{hall.uid}/record.pdf").status_code == 200
    agent = signed_in(Client(), trade.world.agent_user)
    assert agent.get(f"/halls/{hall.uid}/record.pdf").status_code == 200
    stranger = signed_in(Client(), make_bidder("bidder-x", "无关建设有限公司").user)
    theirs = stranger.get(f"/halls/{hall.uid}/record.pdf")
    missing = stranger.get("/halls/00000000-0000-4000-8000-000000000000/record.pdf")
    assert theirs.status_code == missing.status_code == 404
    assert theirs["Content-Type"] == missing["Content-Type"]
    assert Client().get(f"/halls/{hall.uid}/record.pdf").status_code in (302, 403)  # not signed in


def test_the_verification_page_shows_the_sm3_and_the_log_and_nothing_of_the_record(closed: Closed) -> None:
    from ggzy.witness.services import witness_integrate

    opened, hall = closed.trade, closed.hall
    while witness_integrate():
        pass
    made = Event.objects.get(type="opening.record.made", section_ref=opened.section.code)
    events = Event.objects.count()
    public = Client()
    answer = public.get(f"{VERIFY}?sm3={hall.record_sm3}")
    assert answer.status_code == 200
    page = answer.content.decode()
    assert hall.record_sm3 in page
    assert 'data-found="yes"' in page
    assert str(made.uid) in page
    assert "叶子序号" in page  # its leaf in the witness log
    assert f"/api/v1/witness/events/{made.uid}/proof" in page
    assert "招标人（代理机构）尚未签名" in page
    for secret in (
        opened.section.code,
        *(b.organisation.name for b in closed.standing),
        yuan(PRICES[0]),
        REMARK,
        OBJECTION,
    ):
        assert secret not in page, secret
    # an SM3 the platform never made, and a malformed one
    other = public.get(f"{VERIFY}?sm3={'ab' * 32}").content.decode()
    assert 'data-found="no"' in other
    assert "data-found" not in public.get(f"{VERIFY}?sm3=xyz").content.decode()
    # the JSON record uploaded is found by its bytes' SM3; one changed byte is not the record
    raw = hall.record.encode()
    found = public.post(VERIFY, {"file": SimpleUploadedFile("opening-record.json", raw)})
    assert found.status_code == 200
    assert 'data-found="yes"' in found.content.decode()
    changed = raw.replace(b'"window_minutes":', b'"window_minutes":1')  # a longer window
    assert changed != raw
    refused = public.post(VERIFY, {"file": SimpleUploadedFile("opening-record.json", changed)})
    assert 'data-found="no"' in refused.content.decode()
    assert public.post(VERIFY, {}).status_code == 400  # no file
    assert Event.objects.count() == events  # nothing was recorded
