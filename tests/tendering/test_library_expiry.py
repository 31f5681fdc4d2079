"""Expiry care for the library (issue 27): an entry that expires before a section's deadline is shown in
the bidder's documents page in time, and its members are told 30, 7 and 1 days before — each once."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from ggzy.entities import services as library
from ggzy.entities.models import Item
from ggzy.entities.tasks import remind_expiring
from ggzy.events.models import Message
from tests.entities.library_world import qualification
from tests.notices.test_objections import Trade, t
from tests.tendering.test_pages import BIDDER_LIST, _body, issued


def test_an_entry_expiring_before_the_deadline_shows_on_the_bidders_documents(
    trade: Trade, client_for: Callable[..., Client]
) -> None:
    documents = issued(trade)
    trade.clock.at(t("2026-03-03 09:00"))
    holder = trade.stage.bidders[0]
    user, org = holder.user, holder.organisation
    soon = library.item_add(
        actor=user, organisation=org, kind="qualification",
        fields=qualification(certificate="D100", valid_to="2026-03-20"),
    )  # fmt: skip
    library.item_add(
        actor=user, organisation=org, kind="qualification",
        fields=qualification(certificate="D200", valid_to="2027-03-20"),
    )  # fmt: skip
    bidder = client_for(user)
    bidder.post(f"{BIDDER_LIST}{documents.uid}/obtain/")
    page = _body(bidder.get(f"{BIDDER_LIST}{documents.uid}/"))
    assert 'data-testid="library-expiring"' in page
    assert "D100" in page
    assert "D200" not in page
    # the other bidder's page says nothing of this library
    other = client_for(trade.stage.bidders[1].user)
    other.post(f"{BIDDER_LIST}{documents.uid}/obtain/")
    assert "D100" not in _body(other.get(f"{BIDDER_LIST}{documents.uid}/"))
    assert soon.valid_to is not None


def test_members_are_told_before_an_entry_expires_once_per_step(trade: Trade) -> None:
    holder = trade.stage.bidders[0]
    trade.clock.at(t("2026-03-03 09:00"))
    item = library.item_add(
        actor=holder.user, organisation=holder.organisation, kind="qualification",
        fields=qualification(certificate="D300", valid_to="2026-03-08"),
    )  # fmt: skip
    assert remind_expiring() == 1
    assert remind_expiring() == 0  # once
    item.refresh_from_db()
    assert item.warned_days == 7
    told = Message.objects.filter(template="entities.expiring", recipient=holder.user)
    assert told.exists()
    assert any("D300" in m.body for m in told)
    trade.clock.at(t("2026-03-07 09:00"))
    assert remind_expiring() == 1  # the 1-day warning
    assert Item.objects.get(pk=item.pk).warned_days == 1
