"""The performance security the initiator demands of the awarded bidder: at most the method's cap of the
contract (实施条例 §58: 10 %), refused above it with the cap in yuan and the article; non-cash where the
method says; then read by `requirement(section, Purpose.PERFORMANCE, organisation)`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ggzy.core.errors import DomainError
from ggzy.registry.models import TradingMethod
from ggzy.securities import selectors
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.models import PerformanceSecurity, Purpose
from ggzy.securities.services.performance import performance_demand
from ggzy.securities.services.requirements import requirement
from tests.securities.conftest import Trade, t
from tests.securities.test_status import credit

CONTRACT_FEN = 1_234_567_890  # ¥12,345,678.90: 10 % is ¥1,234,567.89
CAP_FEN = 123_456_789
DUE = t("2026-04-20 17:00")
COVER = dt.date(2027, 6, 30)


def refused(call: Any) -> DomainError:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value


def demand(trade: Trade, **kwargs: Any) -> PerformanceSecurity:
    arguments: dict[str, Any] = {
        "actor": trade.world.agent_user,
        "section": trade.stage.section,
        "organisation": trade.stage.bidders[0].organisation,
        "contract_fen": CONTRACT_FEN,
        "amount_fen": CAP_FEN,
        "forms": ["transfer", "guarantee"],
        "due_at": DUE,
        "cover_until": COVER,
    }
    arguments.update(kwargs)
    return performance_demand(**arguments)


@pytest.fixture
def opened(issued: Trade) -> Trade:
    issued.clock.at(t("2026-04-10 10:00"))  # after the opening; the award is the evaluation app's
    return issued


def test_above_ten_percent_of_the_contract_is_refused_with_the_article(opened: Trade) -> None:
    error = refused(lambda: demand(opened, amount_fen=CAP_FEN + 1))
    assert error.code is SecuritiesError.PERFORMANCE_CAP
    assert error.detail["cap"] == "1,234,567.89"
    assert "§58" in error.detail["source"]
    assert "1,234,567.89" in error.text()
    assert "§58" in error.text()
    assert not PerformanceSecurity.objects.exists()


def test_at_the_cap_it_is_demanded_and_the_requirement_reads_it(opened: Trade) -> None:
    organisation = opened.stage.bidders[0].organisation
    assert selectors.status_of(opened.stage.section, organisation, Purpose.PERFORMANCE).kind == "not_required"
    demanded = demand(opened)
    assert (demanded.amount_fen, demanded.contract_fen, demanded.forms) == (
        CAP_FEN, CONTRACT_FEN, ["transfer", "guarantee"],
    )  # fmt: skip
    need = requirement(opened.stage.section, Purpose.PERFORMANCE, organisation)
    assert (need.amount_fen, need.deadline, need.validity_until) == (CAP_FEN, DUE, COVER)
    assert need.deposit
    assert need.guarantee_kinds == ("bank", "guarantor")
    status = selectors.status_of(opened.stage.section, organisation, Purpose.PERFORMANCE)
    assert (status.kind, status.required_fen) == ("none", CAP_FEN)
    credit(opened.stage.section, organisation, CAP_FEN, purpose=Purpose.PERFORMANCE, at=t("2026-04-15 10:00"))
    assert selectors.status_of(opened.stage.section, organisation, Purpose.PERFORMANCE).kind == "paid"
    # the bid security is apart
    assert selectors.status_of(opened.stage.section, organisation).kind == "none"
    assert refused(lambda: demand(opened)).code is SecuritiesError.PERFORMANCE_DEMANDED


def test_cash_only_where_the_method_allows_it(opened: Trade) -> None:
    TradingMethod.objects.filter(code=opened.stage.section.method_id).update(
        performance_security_cash_allowed=False
    )
    error = refused(lambda: demand(opened, forms=["cash", "guarantee"]))
    assert error.code is SecuritiesError.FORM_NOT_ALLOWED
    assert "cash" not in error.detail["forms"]
    assert demand(opened, forms=["guarantee"]).forms == ["guarantee"]


def test_amounts_and_forms_are_checked(opened: Trade) -> None:
    for amount in (1.5, 0, -1, True):
        assert refused(lambda a=amount: demand(opened, amount_fen=a)).code is SecuritiesError.AMOUNT_INVALID
    for forms in ([], ["gold"]):
        assert refused(lambda f=forms: demand(opened, forms=f)).code is SecuritiesError.FORM_NOT_ALLOWED
    assert not PerformanceSecurity.objects.exists()


def test_only_the_initiator_or_its_agent_after_the_opening(issued: Trade) -> None:
    assert refused(lambda: demand(issued)).code.value == "not_found"  # before the opening
    issued.clock.at(t("2026-04-10 10:00"))
    for actor in (issued.stage.bidders[0].user, issued.world.staff[0]):
        assert refused(lambda a=actor: demand(issued, actor=a)).code.value == "not_found"
    assert demand(issued, actor=issued.world.initiator_user).demanded_by == issued.world.initiator_user
