"""Receiving and opening a sealed bid run transactions of their own (a refusal is recorded after the
refused change was rolled back): called inside a caller's transaction they refuse before doing
anything, so the refusal record can never be rolled back with the caller's transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.sealing import services
from ggzy.sealing.models import SealedBid
from tests.sealing.conftest import DAY, Stage

pytestmark = pytest.mark.django_db


def _refusals() -> int:
    return Event.objects.filter(type__in=["sealing.bid.refused", "sealing.release.refused"]).count()


def test_receiving_records_a_refusal_and_refuses_to_run_nested(stage: Stage) -> None:
    bidder = stage.bidders[0]
    later = stage.seal(name="later", deadline=stage.deadline + DAY)
    with pytest.raises(DomainError):
        services.bid_receive(actor=bidder.user, section=stage.section, path=later, acknowledgements=[])
    assert _refusals() == 1
    with transaction.atomic(), pytest.raises(transaction.TransactionManagementError):
        services.bid_receive(actor=bidder.user, section=stage.section, path=later, acknowledgements=[])
    assert _refusals() == 1


def test_opening_refuses_to_run_nested_before_anything(stage: Stage) -> None:
    bid = stage.receive()
    calls: list[Any] = [
        lambda: services.bid_open(actor=stage.bidders[0].user, bid=bid, release=stage.release(bid)),
        lambda: services.bid_open_by_custodians(actor=None, bid=bid),
    ]
    for call in calls:
        with transaction.atomic(), pytest.raises(transaction.TransactionManagementError):
            call()
    assert _refusals() == 0  # not even "too early": nothing ran
    assert stage.held.asked == []  # no custodian was asked
    assert SealedBid.objects.get(pk=bid.pk).state == "received"
