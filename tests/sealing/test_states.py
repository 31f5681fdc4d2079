"""The sealed bid's lifecycle table (sealing/states.py), pair by pair from the table itself: for every
state × every action the table names, the service that does the action moves the bid where the table
says, or refuses with the action's error and changes nothing (an opening refusal is still recorded for
the supervisors: that record is the point of `@outermost`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.states import actions, advance, next_state, pairs
from ggzy.events.models import Event
from ggzy.sealing import services
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import BidState, BidWindow, SealedBid
from ggzy.sealing.services import receiving
from ggzy.sealing.states import BID_TRANSITIONS
from tests.sealing.conftest import Stage

pytestmark = pytest.mark.django_db


def _withdraw(stage: Stage, bid: SealedBid, freeze: Any) -> SealedBid:
    return services.bid_withdraw(actor=stage.bidders[0].user, bid=bid)


def _open(stage: Stage, bid: SealedBid, freeze: Any) -> SealedBid:
    release = stage.release(bid)
    freeze(BidWindow.objects.get(section=stage.section).opening_at + dt.timedelta(minutes=1))
    return services.bid_open(actor=stage.bidders[0].user, bid=bid, release=release)


def _supersede(stage: Stage, bid: SealedBid, freeze: Any) -> SealedBid:
    """What `bid_receive` does to the standing bid when the bidder's next one arrives (it supersedes only
    a received one; the step itself is the table's)."""
    receiving._supersede(stage.bidders[0].user, bid, at=clock.now())
    bid.refresh_from_db()
    return bid


#: The service that does each action of the table, and the error it refuses with.
SERVICES: dict[str, tuple[Callable[[Stage, SealedBid, Any], SealedBid], SealingError]] = {
    "withdraw": (_withdraw, SealingError.NOT_STANDING),
    "open": (_open, SealingError.RELEASE_REFUSED),
    "supersede": (_supersede, SealingError.NOT_STANDING),
}


def test_every_action_of_the_table_has_its_service() -> None:
    assert set(SERVICES) == set(actions(BID_TRANSITIONS))


def _row(bid: SealedBid) -> dict[str, Any]:
    return SealedBid.objects.filter(pk=bid.pk).values().get()


@pytest.mark.parametrize(("state", "action"), pairs(BidState.values, BID_TRANSITIONS))
def test_each_state_and_action(stage: Stage, freeze: Any, state: str, action: str) -> None:
    bid = stage.receive()
    SealedBid.objects.filter(pk=bid.pk).update(state=state)  # test set-up: the bid in `state`
    bid.refresh_from_db()
    service, error = SERVICES[action]
    target = next_state(BID_TRANSITIONS, state, action)
    if target is not None:
        service(stage, bid, freeze)
        assert _row(bid)["state"] == target
        return
    before = _row(bid)
    events = set(Event.objects.exclude(type="sealing.release.refused").values_list("pk", flat=True))
    with pytest.raises(DomainError) as refused:
        service(stage, bid, freeze)
    assert refused.value.code is error
    assert _row(bid) == before
    assert set(Event.objects.exclude(type="sealing.release.refused").values_list("pk", flat=True)) == events
    assert not (Path(settings.MEDIA_ROOT) / "sealing" / "opened").exists()
    if error is SealingError.RELEASE_REFUSED:
        assert refused.value.detail["reason"] == state  # withdrawn, opened
        recorded = Event.objects.filter(type="sealing.release.refused")
        assert [e.data["reason"] for e in recorded] == [state]


def test_a_bid_whose_state_changed_since_it_was_read_is_refused(stage: Stage) -> None:
    """The compare-and-set: a copy read while received cannot be opened once the bid was withdrawn."""
    bid = stage.receive()
    stale = SealedBid.objects.get(pk=bid.pk)
    services.bid_withdraw(actor=stage.bidders[0].user, bid=bid)
    before = _row(bid)
    with pytest.raises(DomainError) as refused:
        advance(
            stale,
            BID_TRANSITIONS,
            "open",
            error=lambda state: DomainError(SealingError.RELEASE_REFUSED, detail={"reason": state}),
            opened_dir="sealing/opened/x",
        )
    assert refused.value.detail == {"reason": "withdrawn"}  # the state it found
    assert _row(bid) == before
