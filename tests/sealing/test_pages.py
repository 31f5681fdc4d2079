"""The bidder's page of its sealed bids: the receipt and deadlines, withdrawing before the deadline (a
refusal after it, nothing changed), the opening sheet once opened; others may not use it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.core.roles import Role
from ggzy.sealing import services
from ggzy.sealing.models import BidState, SealedBid
from tests.sealing.conftest import Stage
from tests.sealing.test_sealing import at_opening, release_of

pytestmark = pytest.mark.django_db


def test_the_bidder_sees_its_receipt_withdraws_and_later_reads_its_opening_sheet(
    client_for: Callable[..., Client], stage: Stage, freeze: Any
) -> None:
    bidder = stage.bidders[0]
    first = stage.receive(bidder)
    client = client_for(bidder.user)
    page = client.get("/workspace/bids/").content.decode()
    assert first.ciphertext_sm3[:17] in page
    assert "开标前保持密封" in page
    assert "11880000.00" not in page
    assert (
        client_for(stage.bidders[1].user).get("/workspace/bids/").content.decode().count(stage.section.code)
        == 0
    )

    after = client.post(f"/workspace/bids/{first.uid}/withdraw/", follow=True).content.decode()
    assert "投标文件已撤回" in after
    assert SealedBid.objects.get(pk=first.pk).state == BidState.WITHDRAWN
    second = stage.receive(bidder, name="second")
    at_opening(stage, freeze)
    refused = client.post(f"/workspace/bids/{second.uid}/withdraw/", follow=True).content.decode()
    assert "投标截止时间已过" in refused
    assert SealedBid.objects.get(pk=second.pk).state == BidState.RECEIVED
    services.bid_open(actor=bidder.user, bid=second, release=release_of(stage, second))
    assert "11880000.00" in client.get("/workspace/bids/").content.decode()


def test_only_responders_use_the_page(client_as: Any) -> None:
    assert client_as(Role.EXPERT).get("/workspace/bids/").status_code == 403
    assert (
        client_as(Role.CENTRE_STAFF)
        .post("/workspace/bids/00000000-0000-0000-0000-000000000000/withdraw/")
        .status_code
        == 403
    )
    assert Client().get("/workspace/bids/").status_code == 302
