"""The demo's sealed bids: a section still taking bids, one opening today with sealed bids, and one
opened on the history clock — its opening sheets read, its plaintext in the media folder; the bidder
sees them on its page. The two sections with tender documents have their opening halls: the opened
one's closed, made by the hall's own services on the history clock (every step with its actual
instant, two bids released on the hall and one opened by the custodians, each line answered, the
record made and signed by the initiator), today's scheduled with its bids in, counted by the tick at
its deadline."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from ggzy.accounts.selectors import organisations_of
from ggzy.certs import seal
from ggzy.core import clock
from ggzy.demo import opening as demo_opening
from ggzy.demo import sealing as demo_sealing
from ggzy.demo.ca import PASSPHRASE
from ggzy.demo.management.commands.demo_load import DEMO_PASSWORD
from ggzy.events.models import Event
from ggzy.opening.models import Hall, LineDecision
from ggzy.opening.selectors import decrypting
from ggzy.opening.services import criteria_of, halls_due
from ggzy.opening.states import HallState
from ggzy.opening.steps import CODES
from ggzy.registry.models import Section
from ggzy.sealing.models import BidState, BidWindow, CustodianSet, SealedBid, SectionClosure, UploadSession
from ggzy.tendering.models import DocumentsHolder, TenderDocuments
from ggzy_bid.criteria import sheet_check
from ggzy_sm import canonical, custodians
from ggzy_sm.keys import load_key_file
from ggzy_sm.sm3 import sm3
from tests.demo.conftest import Demo, load_once
from tests.factories import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


#: `make demo`: the sandbox clock with a month of history, the demo CAs' folder, in-process custodians
demo = load_once(sandbox=True, ca=True, GGZY_CUSTODIAN_TRANSPORT="ggzy.demo.custodians.IN_PROCESS")


def test_the_demo_has_sealed_bids_in_each_stage(demo: Demo) -> None:
    assert demo.ca_dir is not None
    now = clock.now()
    # the three stages of the sealing demo (other sections have windows their tender notices set, and the
    # objections demo bids in a procurement package)
    staged = BidWindow.objects.filter(section__method__code="open_tender", section__sealed_bids__isnull=False)
    windows = list(staged.distinct().order_by("opening_at"))
    assert len(windows) == 3
    opened, today, bidding = windows
    assert opened.opening_at < now < today.deadline < bidding.deadline
    assert (today.deadline - now) < dt.timedelta(days=1)  # opening today (tomorrow morning after 23:00)
    states = {
        w.section_code: set(SealedBid.objects.filter(section=w.section).values_list("state", flat=True))
        for w in windows
    }
    assert states[opened.section_code] == {BidState.OPENED}
    assert states[today.section_code] == {BidState.RECEIVED}
    assert states[bidding.section_code] == {BidState.RECEIVED, BidState.SUPERSEDED}
    # every bid came through the resumable upload (ggzy-bid submit's path), in chunks; the revised one
    # replaced the first
    assert set(UploadSession.objects.values_list("state", flat=True)) == {"complete"}
    assert UploadSession.objects.filter(bid__isnull=False).count() == SealedBid.objects.count()
    replaced = SealedBid.objects.get(section=bidding.section, state=BidState.SUPERSEDED)
    assert replaced.replaced_by.state == BidState.RECEIVED
    assert all(bid.receipt for bid in SealedBid.objects.all())
    sheets = SealedBid.objects.filter(state=BidState.OPENED).values_list("opening_sheet", flat=True)
    assert len(sheets) == 3
    assert all(s["price"]["fen"] < opened.section.budget_fen for s in sheets)

    # sandbox: demo custodians hold shares of every bid's key; one bidder did not release, they opened it
    sets = {s.centre_id: s for s in CustodianSet.objects.all()}
    assert {(s.demo, s.k, s.n) for s in sets.values()} == {(True, 2, 3)}
    for bid in SealedBid.objects.select_related("section"):
        assert bid.header["custodians"]["set"] == sets[bid.section.centre_id].fingerprint
    for published in sets.values():  # each centre's custodians keep their own keys, in their own folders
        cset = custodians.set_verify(published.signed)
        for custodian in cset.custodians:
            folder = demo.ca_dir / "custodians" / cset.centre / str(custodian.index)
            key = load_key_file(folder / "encryption.key", PASSPHRASE)
            assert key.public_key.hex() == custodian.encryption.public_key.hex()
    for bid in SealedBid.objects.select_related("section"):  # format 2: k custodians' receipts, inside
        cset = custodians.set_verify(sets[bid.section.centre_id].signed)
        assert len(custodians.acks_check(bid.header, bid.acknowledgements, cset)) == 3
        assert (bid.machine is not None) == (bid.state == BidState.OPENED)  # the fingerprint came out of it
        user_folder = demo.ca_dir / "users" / bid.submitted_by.username
        assert (user_folder / "release.key").exists()  # the bidder's own release key, beside its certificate
    closed = SectionClosure.objects.filter(section_code=opened.section_code)
    assert closed.count() >= 2  # the custodians' closures that let the opened section open
    paths = [json.loads(e.document)["data"]["path"] for e in Event.objects.filter(type="sealing.bid.opened")]
    assert sorted(paths) == ["custodians", "release", "release"]
    assert not list(Path(settings.VAR_DIR).rglob("*.key"))  # the custodians' keys are not the platform's

    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "bidder", "password": DEMO_PASSWORD}).status_code == 302
    )
    page = client.get("/workspace/bids/").content.decode()
    assert opened.section_code in page
    assert bidding.section_code in page
    assert "开标前保持密封" in page


def _holders(section: Section) -> dict[int, dt.datetime]:
    """When each organisation obtained the section's documents."""
    documents = TenderDocuments.objects.get(sections=section)
    return dict(
        DocumentsHolder.objects.filter(documents=documents).values_list("organisation_id", "obtained_at")
    )


def test_the_opened_section_went_through_its_hall_by_the_clock(demo: Demo) -> None:
    opened, _today, _bidding = demo_sealing.stages()
    assert opened is not None
    hall = Hall.objects.get(section=opened)
    window = BidWindow.objects.get(section=opened)
    assert hall.state == HallState.CLOSED
    assert hall.prepared_at is not None
    assert hall.prepared_at < window.deadline  # made before the deadline, the bids counted at it
    assert (hall.bidders_counted, hall.window_minutes) == (3, demo_sealing.WINDOW_MINUTES)
    assert hall.opens_at == window.opening_at
    assert window.release_until == window.opening_at + dt.timedelta(minutes=hall.window_minutes)
    # every step began and ended by the clock, with its actual instant: within a minute of its scheduled
    # one, or of the deadline for the sign-in (the schedule is fixed when the bids are counted)
    steps = list(hall.steps.order_by("position"))
    assert [step.code for step in steps] == list(CODES)
    for step in steps:
        assert step.started_at is not None, step.code
        assert step.ended_at is not None, step.code
        due = max(step.scheduled_start, window.deadline)
        assert due <= step.started_at < due + dt.timedelta(minutes=1), step.code
    started = Event.objects.filter(type="opening.step.started", section_ref=opened.code)
    assert started.count() == len(CODES)

    assert "closed 1, record signed 1" in demo_opening.summary()


def test_the_opened_sections_bids_were_released_or_remedied_answered_for_and_recorded(demo: Demo) -> None:
    opened, _today, _bidding = demo_sealing.stages()
    assert opened is not None
    hall = Hall.objects.get(section=opened)
    window = BidWindow.objects.get(section=opened)
    # the documents (their criteria record, issued on the published tender notice) were obtained by
    # every bidder before its bid, and each bid's sheet is the one the record asks for (`ggzy-bid seal
    # --criteria` checks it so)
    record = criteria_of(opened)
    assert record is not None
    assert (record["decryption_window_minutes"], record["release_remedy"]) == (30, "custodians")
    holders = _holders(opened)
    bids = list(SealedBid.objects.filter(section=opened).select_related("organisation", "submitted_by"))
    assert len(bids) == 3
    for bid in bids:
        assert holders[bid.organisation_id] < bid.received_at
        sheet_check(record, bid.opening_sheet)

    # two released on the hall in the window, the silent bidder's opened by the custodians when it closed
    lines = {line["uscc"]: line for line in hall.sheet or []}
    silent = organisations_of(
        user=next(b.submitted_by for b in bids if b.submitted_by.username == "bidder-hxjs")
    )
    silent_uscc = silent.get().uscc
    assert {uscc: line["opened_by"] for uscc, line in lines.items()} == {
        b.organisation.uscc: "custodians" if b.organisation.uscc == silent_uscc else "release" for b in bids
    }
    window_end = window.opening_at + dt.timedelta(minutes=hall.window_minutes)
    for bid in bids:
        assert bid.opened_at is not None
        if bid.organisation.uscc == silent_uscc:
            assert bid.opened_at >= window_end
        else:
            assert window.opening_at <= bid.opened_at < window_end
    assert all(line["sheet"] == bid.opening_sheet for bid in bids for line in [lines[bid.organisation.uscc]])

    # each bidder answered for its own line: the silent one objected, saying what is missing
    answers = {c.organisation.uscc: c for c in hall.confirmations.select_related("organisation")}
    assert set(answers) == set(lines)
    assert {uscc: c.decision for uscc, c in answers.items() if c.decision == LineDecision.OBJECTED} == {
        silent_uscc: LineDecision.OBJECTED
    }
    assert answers[silent_uscc].remark == demo_sealing.OBJECTION

    # the record made at the close (its SM3 in the witness log) and signed by the initiator
    body = json.loads(hall.record)
    assert body["format"] == "ggzy-opening-record-v1"
    assert hall.record.encode() == canonical.dumps(body)
    assert hall.record_sm3 == sm3(hall.record.encode()).hex()
    assert all(step["started"] for step in body["steps"] if step["step"] != "close")
    assert {line["uscc"]: line["answer"]["decision"] for line in body["sheet"]}[silent_uscc] == "objected"
    made = Event.objects.get(type="opening.record.made", section_ref=opened.code)
    assert hall.record_sm3 in made.document
    assert hall.record_signature is not None
    verified = seal.document_verify(document=hall.record.encode(), signature=hall.record_signature)
    signer = get_user_model().objects.get(username=demo_sealing.OPENED_BY)
    assert verified.holder_id == organisations_of(user=signer).get().uscc
    assert Event.objects.filter(type="opening.record.signed", section_ref=opened.code).count() == 1
    # the hall's page, the record and its PDF, as a bidder and the initiator open them
    bidder = signed_in(Client(), get_user_model().objects.get(username="bidder-hylq"))
    assert bidder.get(f"/halls/{hall.uid}/").status_code == 200
    assert bidder.get(f"/halls/{hall.uid}/record.json").content == hall.record.encode()
    pdf = signed_in(Client(), signer).get(f"/halls/{hall.uid}/record.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_todays_hall_is_scheduled_with_its_bids_in_and_counted_at_the_deadline(demo: Demo) -> None:
    _opened, today, _bidding = demo_sealing.stages()
    assert today is not None
    hall = Hall.objects.get(section=today)
    window = BidWindow.objects.get(section=today)
    assert clock.now() < window.deadline
    assert hall.state == HallState.SCHEDULED
    assert hall.bidders_counted is None
    assert not hall.steps.exists()
    holders = _holders(today)
    bids = SealedBid.objects.filter(section=today, state=BidState.RECEIVED)
    assert bids.count() == 3
    record = criteria_of(today)
    assert record is not None
    for bid in bids:  # the documents obtained before the bid
        assert holders[bid.organisation_id] < bid.received_at

    # the running tick (`make demo`) counts the bids at the deadline and opens the window at the opening
    try:
        clock.sandbox_forward(window.deadline + dt.timedelta(minutes=1))
        halls_due()
        hall.refresh_from_db()
        assert hall.bidders_counted == 3
        assert hall.state == HallState.IN_PROGRESS
        assert decrypting(hall)
        assert hall.sheet is None  # no price before the window closes
    finally:
        clock.sandbox_reset_for_tests()  # the test's savepoint takes the clock's move back
