"""The securities tests' trade: the objections' trade (frozen clock at 2026-03-02, a published tender notice
of an engineering tender project, bid windows with the deadline 2026-03-25 09:30 Beijing time, two bidder
organisations), with its documents issued requiring a bid security of ¥100,000 in every form (deposit by
cash or transfer, bank guarantee, guarantee insurance) and a bid validity of 90 days."""

from __future__ import annotations

from typing import Any

import pytest

from ggzy.tendering import services as tendering
from ggzy.tendering.models import TenderDocuments
from tests.notices.test_objections import DEADLINE, T0, Trade, t, trade  # noqa: F401  (trade: the fixture)
from tests.tendering.test_documents import records

SECURITY_FEN = 10_000_000  # ¥100,000, within 2 % of the sections' estimate
ALL_FORMS = ["cash", "guarantee", "insurance"]


def documents_issue(
    trade: Trade,  # noqa: F811  (the fixture's value)
    **changes: Any,
) -> TenderDocuments:
    """The trade's documents issued (at 2026-03-02 10:05) with `changes` to every section's record."""
    changes.setdefault("bid_security", {"kind": "amount", "amount_fen": SECURITY_FEN, "forms": ALL_FORMS})
    agent = trade.world.agent_user
    documents = tendering.documents_draft(
        actor=agent, tender_project=trade.tender_project, title="车站装修施工招标文件",
        criteria=records(trade, **changes),
    )  # fmt: skip
    trade.clock.at(t("2026-03-02 10:05"))
    return tendering.documents_issue(actor=agent, documents=documents)


@pytest.fixture
def issued(trade: Trade) -> Trade:  # noqa: F811
    """The trade with its documents issued (documents_issue's defaults)."""
    documents_issue(trade)
    return trade
