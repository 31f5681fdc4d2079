"""The demo's sealed bids: a section still taking bids, one opening today with sealed bids, and one
opened on the history clock — its opening sheets read, its plaintext in the media folder; the bidder
sees them on its page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from ggzy.core import clock
from ggzy.demo.ca import PASSPHRASE
from ggzy.demo.management.commands.demo_load import DEMO_PASSWORD
from ggzy.events.models import Event
from ggzy.sealing.models import BidState, BidWindow, CustodianSet, SealedBid, SectionClosure, UploadSession
from ggzy_sm import custodians
from ggzy_sm.keys import load_key_file
from tests.demo.conftest import Demo, load_once

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
