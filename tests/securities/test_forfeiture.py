"""Keeping a deposit only where the law and the documents say: withdrawal after the deadline (实施条例 §35
¶2), refusing the contract (§74), a breach of the contract for a performance security (招标投标法 §60); the
documents' clause required; once; never while a refund stands; by the initiator or its agent only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.models import Forfeiture, ForfeitureReason, Purpose, Refund, RefundState, RefundTrigger
from ggzy.securities.services.forfeiture import deposit_forfeit
from tests.securities.conftest import DEADLINE, SECURITY_FEN, Trade, t
from tests.securities.test_status import credit

CLAUSE = "投标人须知第 3.4.4 条"


def refused(call: Any) -> DomainError:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value


def forfeit(trade: Trade, bidder: int = 0, **kwargs: Any) -> Forfeiture:
    arguments: dict[str, Any] = {
        "actor": trade.world.agent_user,
        "section": trade.stage.section,
        "organisation": trade.stage.bidders[bidder].organisation,
        "reason": ForfeitureReason.WITHDRAWN_AFTER_DEADLINE,
        "documents_clause": CLAUSE,
    }
    arguments.update(kwargs)
    return deposit_forfeit(**arguments)


def test_a_deposit_withdrawn_after_the_deadline_is_kept_with_its_basis(issued: Trade) -> None:
    organisation = issued.stage.bidders[0].organisation
    credit(issued.stage.section, organisation, SECURITY_FEN)
    credit(issued.stage.section, organisation, 500, at=DEADLINE + dt.timedelta(hours=1))  # late: refunded
    issued.clock.at(t("2026-03-26 10:00"))
    kept = forfeit(issued)
    assert kept.amount_fen == SECURITY_FEN
    assert kept.basis == "招标投标法实施条例 §35 第二款"
    assert kept.documents_clause == CLAUSE
    assert kept.recorded_by == issued.world.agent_user
    event = Event.objects.get(type="securities.security.forfeited")
    assert event.embargo_ref == issued.stage.section.code
    assert '"reason":"withdrawn_after_deadline"' in event.document
    assert refused(lambda: forfeit(issued)).code is SecuritiesError.FORFEITED
    # the initiator may too (refusing the contract: §74), for the other bidder
    credit(issued.stage.section, issued.stage.bidders[1].organisation, SECURITY_FEN, at=t("2026-03-20 10:00"))
    other = forfeit(issued, 1, actor=issued.world.initiator_user, reason=ForfeitureReason.REFUSED_CONTRACT)
    assert other.basis == "招标投标法实施条例 §74"


def test_only_the_laws_reasons_and_only_with_the_documents_clause(issued: Trade) -> None:
    credit(issued.stage.section, issued.stage.bidders[0].organisation, SECURITY_FEN)
    issued.clock.at(t("2026-03-26 10:00"))
    assert (
        refused(lambda: forfeit(issued, reason="late_for_the_opening")).code
        is SecuritiesError.FORFEITURE_BASIS
    )
    for clause in ("", "   "):
        error = refused(lambda c=clause: forfeit(issued, documents_clause=c))
        assert error.code is SecuritiesError.FORFEITURE_BASIS
        assert error.detail["reason"]
    assert not Forfeiture.objects.exists()


def test_not_while_a_refund_stands(issued: Trade) -> None:
    account = credit(issued.stage.section, issued.stage.bidders[0].organisation, SECURITY_FEN).sub_account
    issued.clock.at(t("2026-03-26 10:00"))
    Refund.objects.create(
        refund_id="R-1", sub_account=account, trigger=RefundTrigger.CONTRACT_SIGNED, basis="实施条例 §57",
        triggered_at=t("2026-03-26 09:00"), due_by=t("2026-03-31 09:00"), principal_fen=SECURITY_FEN,
        to_name="天成建设有限公司", to_account="6217000000000001", state=RefundState.ORDERED,
    )  # fmt: skip
    assert refused(lambda: forfeit(issued)).code is SecuritiesError.REFUND_DONE
    Refund.objects.filter(refund_id="R-1").update(state=RefundState.REFUSED)  # the bank refused it
    assert forfeit(issued).amount_fen == SECURITY_FEN


def test_nothing_counted_nothing_kept(issued: Trade) -> None:
    credit(issued.stage.section, issued.stage.bidders[0].organisation, SECURITY_FEN, at=DEADLINE)
    issued.clock.at(t("2026-03-26 10:00"))
    assert refused(lambda: forfeit(issued)).code is SecuritiesError.FORFEITURE_BASIS


def test_a_breach_keeps_the_performance_security_not_the_bid_security(issued: Trade) -> None:
    organisation = issued.stage.bidders[0].organisation
    credit(issued.stage.section, organisation, SECURITY_FEN)
    issued.clock.at(t("2026-03-26 10:00"))
    # no performance security yet: nothing to keep
    assert refused(lambda: forfeit(issued, reason=ForfeitureReason.BREACH)).code.value == "not_found"
    credit(issued.stage.section, organisation, 20_000_000, purpose=Purpose.PERFORMANCE)
    kept = forfeit(issued, reason=ForfeitureReason.BREACH)
    assert kept.sub_account is not None
    assert kept.sub_account.purpose == Purpose.PERFORMANCE
    assert (kept.amount_fen, kept.basis) == (20_000_000, "招标投标法 §60")


def test_only_the_initiator_or_its_agent_and_only_after_the_opening(issued: Trade) -> None:
    credit(issued.stage.section, issued.stage.bidders[0].organisation, SECURITY_FEN)
    # before the opening: the same not-found for everyone (nothing reveals who paid)
    assert refused(lambda: forfeit(issued)).code.value == "not_found"
    issued.clock.at(t("2026-03-26 10:00"))
    for actor in (issued.stage.bidders[0].user, issued.stage.bidders[1].user, issued.world.staff[0]):
        assert refused(lambda a=actor: forfeit(issued, actor=a)).code.value == "not_found"
    # a bidder that paid nothing: the same not-found
    assert refused(lambda: forfeit(issued, 1)).code.value == "not_found"
    assert not Forfeiture.objects.exists()
