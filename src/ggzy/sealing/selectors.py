"""Queries of sealed bids. Before a section's opening no one but the bidder sees that a bid exists."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ggzy.accounts.selectors import organisations_of
from ggzy.core.errors import DomainError
from ggzy.registry.models import Section
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import BidWindow, SealedBid


def my_bids(*, user: Any) -> QuerySet[SealedBid]:
    """The sealed bids of the user's organisations, newest first."""
    return (
        SealedBid.objects.filter(organisation__in=organisations_of(user=user))
        .select_related("section__tender_project", "organisation", "section__bid_window")
        .order_by("-received_at", "-pk")
    )


def my_bid(*, user: Any, bid_id: int) -> SealedBid:
    """Fetch and authorise in one call: 'missing' and 'not yours' answer the same 404."""
    found = my_bids(user=user).filter(pk=bid_id).first()
    if found is None:
        raise DomainError(SealingError.NOT_FOUND)
    return found


def window_of(section: Section) -> BidWindow | None:
    return BidWindow.objects.filter(section=section).first()
