"""The bidder's sealed-bid API: its bids (others' are not found), withdrawing, the release at the
opening with the refusal's reason in Chinese by default and in English when asked; the schema is public."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.sealing.models import BidState, SealedBid
from tests.sealing.conftest import SHEET, Stage
from tests.sealing.test_sealing import at_opening, release_of

pytestmark = pytest.mark.django_db


def test_the_opening_sheet_schema_is_public() -> None:
    body = Client().get("/api/v1/sealing/opening-sheet-schema").json()
    assert body["$id"] == "urn:ggzy:opening-sheet-v1"
    assert body["properties"]["schema"] == {"const": "ggzy-opening-sheet-v1"}


def test_a_bidder_lists_its_bid_releases_it_at_the_opening_and_reads_its_opening_sheet(
    client_for: Callable[..., Client], stage: Stage, freeze: Any
) -> None:
    bidder = stage.bidders[0]
    bid = stage.receive(bidder)
    client = client_for(bidder.user)
    mine = client.get("/api/v1/sealing/bids/mine").json()
    assert [(b["uid"], b["state"], b["opening_sheet"]) for b in mine] == [(str(bid.uid), "received", None)]
    assert client_for(stage.bidders[1].user).get("/api/v1/sealing/bids/mine").json() == []
    release = release_of(stage, bid)

    early = client.post(
        f"/api/v1/sealing/bids/{bid.uid}/release", data=release, content_type="application/json"
    )
    assert early.status_code == 422
    assert early.json()["detail"]["reason"] == "too_early"
    assert "开标时间" in early.json()["message"]
    english = client_for(bidder.user, headers={"accept-language": "en"}).post(
        f"/api/v1/sealing/bids/{bid.uid}/release", data=release, content_type="application/json"
    )
    assert "before the opening time" in english.json()["message"]

    at_opening(stage, freeze)
    other = client_for(stage.bidders[1].user).post(
        f"/api/v1/sealing/bids/{bid.uid}/release", data=release, content_type="application/json"
    )
    assert other.status_code == 404
    opened = client.post(
        f"/api/v1/sealing/bids/{bid.uid}/release", data=release, content_type="application/json"
    )
    assert opened.status_code == 200, opened.content
    assert opened.json()["opening_sheet"] == SHEET
    assert "documents/技术标.pdf" in opened.json()["documents"]
    assert SealedBid.objects.get().state == BidState.OPENED


def test_withdrawing_through_the_api_before_and_after_the_deadline(
    client_for: Callable[..., Client], stage: Stage, freeze: Any
) -> None:
    bidder = stage.bidders[0]
    first = stage.receive(bidder)
    client = client_for(bidder.user)
    assert client.post(f"/api/v1/sealing/bids/{first.uid}/withdraw").json()["state"] == "withdrawn"
    again = client.post(f"/api/v1/sealing/bids/{first.uid}/withdraw")
    assert again.status_code == 409
    second = stage.receive(bidder, name="second")
    freeze(stage.deadline)
    late = client.post(f"/api/v1/sealing/bids/{second.uid}/withdraw")
    assert late.status_code == 409
    assert late.json()["code"] == "bid_withdraw_too_late"
    assert SealedBid.objects.get(pk=second.pk).state == BidState.RECEIVED
