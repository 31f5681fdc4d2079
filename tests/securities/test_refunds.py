"""Refunds through the bank (`ggzy-bank` running as its own process): the platform's own interest
computation (the interface's worked example; 算头不算尾), an engineering refund whose interest equals, to
the fen, the bank's own figure and the bank's own statement entry (two computations), procurement refunds
without interest on time and with the overdue charge when late, a refund never paid twice, a refusal by
the bank, the bank unavailable and the order retried, an overdue refund alerted once.

The procurement regime: the trade is an engineering one; building a procurement trade (a procurement
project, its notice and documents) costs more than it shows here, so those tests monkeypatch
`requirements.regime_of` to "procurement" — every rule of the refunds reads the regime through it.

The bank decides refunds by its own clock, the machine's: these tests put the platform's clock at the
machine's now before a refund is triggered, and count the expected interest from the machine's date."""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from ggzy.core.errors import DomainError
from ggzy.events.models import Event, Message
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.event_types import SecuritiesEvents
from ggzy.securities.models import Refund, RefundState, RefundTrigger, SubAccount
from ggzy.securities.services import deposits, interest, refunds, requirements
from tests.securities.bank_world import BankWorld, bank_world_fixture, deliver  # noqa: F401  (the fixture)
from tests.securities.conftest import SECURITY_FEN, Trade, t

SH = ZoneInfo("Asia/Shanghai")
PAYER = "天成建设有限公司"
ACCOUNT = "6222020200012345678"
PAID_ON = dt.date(2026, 3, 10)


# --- the platform's own computation ----------------------------------------------------------------


def test_the_interfaces_worked_example() -> None:
    """¥50,000 arriving on 2 March, refunded on 31 March, 0.05 % p.a., actual/360: 29 days, 145,000,000
    fen-days, 201.39 fen → 201 fen (docs/bank-interface.md)."""
    moves = {dt.date(2026, 3, 2): 5_000_000, dt.date(2026, 3, 31): -5_000_000}
    fen_days, days = interest.accumulation(moves, dt.date(2026, 3, 2), dt.date(2026, 3, 31))
    assert (fen_days, days) == (145_000_000, 29)
    assert interest.interest_fen(fen_days, Decimal("0.05"), 360) == 201
    assert interest.interest_fen(fen_days) == 201  # the settings' rate and day count
    # 算头不算尾: the day it arrives earns, the day it leaves does not
    assert interest.accumulation(moves, dt.date(2026, 3, 2), dt.date(2026, 4, 30))[0] == 145_000_000
    assert interest.interest_fen(145_000_000, Decimal("0.05"), 365) == 199  # 198.63 → 199


def test_the_overdue_charge() -> None:
    # ¥100,000 × 3.6 % × 10 / 360 = ¥100.00
    assert interest.overdue_charge_fen(principal_fen=10_000_000, days=10) == 10_000
    # ¥12,345.67 × 3.6 % × 7 / 360 = 864.1969 fen → 864
    assert interest.overdue_charge_fen(principal_fen=1_234_567, days=7) == 864
    assert interest.overdue_charge_fen(principal_fen=10_000_000, days=0) == 0


# --- with the bank ---------------------------------------------------------------------------------


def _paid(trade: Trade, world: BankWorld, bidder: int = 0, amount: int = SECURITY_FEN) -> SubAccount:
    """The bidder's sub-account (opened on 5 March) and its deposit, paid on 10 March and notified."""
    trade.clock.at(t("2026-03-05 10:00"))
    b = trade.stage.bidders[bidder]
    account = deposits.sub_account_open(
        actor=b.user, section=trade.stage.section, organisation=b.organisation
    )
    paid = world.pay(account, PAYER, ACCOUNT, amount, t("2026-03-10 10:00"))
    assert deliver(world.receiver.of(paid["sequence"])[0])[0] == 200
    return account


def _now(trade: Trade) -> dt.datetime:
    """The machine's now, which the bank counts by: the platform's clock set to it."""
    now = dt.datetime.now(dt.UTC)
    trade.clock.at(now)
    return now


def _expected_interest(principal: int, start: dt.date, end: dt.date) -> int:
    """The interest by the interface's formula, written out here (0.05 % p.a., actual/360)."""
    amount = Decimal(principal * (end - start).days) * Decimal("0.05") / 100 / 360
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_an_engineering_refund_with_interest_equal_to_the_banks_to_the_fen(
    issued: Trade, bank_world: BankWorld
) -> None:
    account = _paid(issued, bank_world)
    now = _now(issued)
    today = now.astimezone(SH).date()
    made = refunds.refund_trigger(
        actor=issued.world.agent_user, section=issued.stage.section, trigger=RefundTrigger.CONTRACT_SIGNED
    )
    assert len(made) == 1  # the other bidder paid nothing
    refund = made[0]
    assert refund.sub_account == account
    assert refund.principal_fen == SECURITY_FEN
    assert refund.basis.startswith("招标投标法实施条例 §57")
    assert deposits.plain(refund.to_name) == PAYER and deposits.plain(refund.to_account) == ACCOUNT  # noqa: PT018 (原路退还)
    assert refund.due_by.astimezone(SH).date() > today  # 5 days (24:00 of the last, or the next working day)
    expected = _expected_interest(SECURITY_FEN, PAID_ON, today)
    assert refund.interest_fen == expected
    assert Event.objects.filter(type=SecuritiesEvents.REFUND_DUE.type).count() == 1

    paid = refunds.refund_order(refund=refund)
    assert paid.state == RefundState.PAID
    assert paid.interest_fen == expected
    assert paid.bank_interest_fen == expected  # the bank's own computation: the same, to the fen
    assert paid.last_error == ""
    assert paid.late_charge_fen == 0
    assert paid.answer["answer"]["outcome"] == "accepted"
    # the bank's own statement of the day (printed by its command line): the same refund, to the fen
    entry = next(e for e in bank_world.statement(today)["entries"] if e["kind"] == "refund")
    assert (entry["refund"], entry["transaction"]) == (paid.refund_id, paid.transaction)
    assert (entry["amount_fen"], entry["interest_fen"]) == (SECURITY_FEN, expected)
    ordered = Event.objects.get(type=SecuritiesEvents.REFUND_ORDERED.type)
    assert ordered.data["interest_differs"] is False
    assert PAYER not in json.dumps(ordered.data, ensure_ascii=False)

    # a refund twice: refused, nothing sent, nothing changes
    requests = bank_world.health()
    with pytest.raises(DomainError) as again:
        refunds.refund_order(refund=paid)
    assert again.value.code is SecuritiesError.REFUND_DONE
    with pytest.raises(DomainError) as twice:
        refunds.refund_trigger(
            actor=None, section=issued.stage.section, trigger=RefundTrigger.CONTRACT_SIGNED,
            organisation=issued.stage.bidders[0].organisation,
        )  # fmt: skip
    assert twice.value.code is SecuritiesError.REFUND_DONE
    assert (
        refunds.refund_trigger(actor=None, section=issued.stage.section, trigger=RefundTrigger.TERMINATED)
        == []
    )
    assert bank_world.health()["transactions"] == requests["transactions"]
    assert Refund.objects.count() == 1


def test_a_wrong_trigger_for_the_regime_is_refused(
    issued: Trade, bank_world: BankWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    _paid(issued, bank_world)
    section = issued.stage.section
    for trigger in (RefundTrigger.AWARD_NOTICE, RefundTrigger.PERFORMED):
        with pytest.raises(DomainError) as refused:
            refunds.refund_trigger(actor=None, section=section, trigger=trigger)
        assert refused.value.code is SecuritiesError.REFUND_TRIGGER
    # a withdrawal names its bidder, and is one before the deadline (after it, the security may be kept)
    with pytest.raises(DomainError) as unnamed:
        refunds.refund_trigger(actor=None, section=section, trigger=RefundTrigger.WITHDRAWN)
    assert unnamed.value.code is SecuritiesError.REFUND_TRIGGER
    with pytest.raises(DomainError) as late:
        refunds.refund_trigger(
            actor=None, section=section, trigger=RefundTrigger.WITHDRAWN,
            organisation=issued.stage.bidders[0].organisation, at=t("2026-03-25 09:30"),
        )  # fmt: skip
    assert late.value.code is SecuritiesError.REFUND_TRIGGER
    monkeypatch.setattr(requirements, "regime_of", lambda section: "procurement")
    with pytest.raises(DomainError) as procurement:
        refunds.refund_trigger(actor=None, section=section, trigger=RefundTrigger.TERMINATED)
    assert procurement.value.code is SecuritiesError.REFUND_TRIGGER
    assert not Refund.objects.exists()


def test_procurement_refunds_without_interest_on_time_and_with_the_charge_when_late(
    issued: Trade, bank_world: BankWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(requirements, "regime_of", lambda section: "procurement")
    _paid(issued, bank_world, 0)
    _paid(issued, bank_world, 1, 8_000_000)
    now = _now(issued)
    today = now.astimezone(SH).date()
    section = issued.stage.section
    a, b = (bidder.organisation for bidder in issued.stage.bidders)
    # on time: the award notice sent now, the refund ordered at once
    [on_time] = refunds.refund_trigger(
        actor=None, section=section, trigger=RefundTrigger.AWARD_NOTICE, organisation=a
    )
    assert on_time.interest_fen == 0
    assert on_time.basis.startswith("政府采购法实施条例 §33")
    on_time = refunds.refund_order(refund=on_time)
    assert (on_time.state, on_time.interest_fen, on_time.late_charge_fen) == (RefundState.PAID, 0, 0)
    assert on_time.bank_interest_fen == _expected_interest(SECURITY_FEN, PAID_ON, today)  # owed, not asked
    # late: the contract signed on Monday 2 November 2026; 5 working days: 3, 4, 5, 6, 9 November
    [late] = refunds.refund_trigger(
        actor=None, section=section, trigger=RefundTrigger.CONTRACT_SIGNED, organisation=b,
        at=dt.datetime(2026, 11, 2, 10, 0, tzinfo=SH),
    )  # fmt: skip
    assert late.due_by == dt.datetime(2026, 11, 10, 0, 0, tzinfo=SH)  # 24:00 of 9 November
    assert refunds.refunds_overdue() == 1  # the centre and the supervisors alerted, once
    assert refunds.refunds_overdue() == 0
    alert = Event.objects.get(type=SecuritiesEvents.REFUND_OVERDUE.type)
    assert alert.data["refund"] == late.refund_id
    told = Message.objects.filter(template="securities.refund_overdue")
    assert told.exists()  # the region's supervisors (and the centre's desk head, where it has one)
    assert all(late.refund_id in m.body for m in told)
    assert refunds.refunds_due() == 1
    late.refresh_from_db()
    days = (today - dt.date(2026, 11, 9)).days
    charge = Decimal(8_000_000) * Decimal("3.6") / 100 * days / 360
    assert late.state == RefundState.PAID
    assert late.interest_fen == 0
    assert late.late_charge_fen == int(charge.quantize(Decimal(1), rounding=ROUND_HALF_UP)) > 0
    entries = [e for e in bank_world.statement(today)["entries"] if e["kind"] == "refund"]
    assert sorted((e["amount_fen"], e["interest_fen"]) for e in entries) == [
        (8_000_000, 0),
        (SECURITY_FEN, 0),
    ]


def test_the_bank_unavailable_then_the_order_retried_and_a_refusal(
    issued: Trade, bank_world: BankWorld
) -> None:
    account = _paid(issued, bank_world)
    now = _now(issued)
    [refund] = refunds.refund_trigger(
        actor=None, section=issued.stage.section, trigger=RefundTrigger.TERMINATED
    )
    bank_world.fail_next(1)
    with pytest.raises(DomainError) as down:
        refunds.refund_order(refund=refund)
    assert down.value.code is SecuritiesError.BANK_UNAVAILABLE
    refund.refresh_from_db()
    assert (refund.state, refund.tries) == (RefundState.ORDERED, 1)
    assert refund.next_try_at == now + refunds.backoff(1)
    assert "503" in refund.last_error
    assert refunds.refunds_due() == 0  # not yet
    issued.clock.at(now + dt.timedelta(minutes=2))
    assert refunds.refunds_due() == 1
    refund.refresh_from_db()
    assert (refund.state, refund.tries) == (RefundState.PAID, 2)
    assert refund.bank_interest_fen == refund.interest_fen

    # a refund the bank refuses (more than the sub-account holds): refused, and a new one may follow
    other = _paid(issued, bank_world, 1, 3_000_000)
    _now(issued)
    [wrong] = refunds.refund_trigger(
        actor=None, section=issued.stage.section, trigger=RefundTrigger.TERMINATED,
        organisation=issued.stage.bidders[1].organisation,
    )  # fmt: skip
    Refund.objects.filter(pk=wrong.pk).update(principal_fen=3_000_001)
    wrong.refresh_from_db()
    wrong = refunds.refund_order(refund=wrong)
    assert (wrong.state, wrong.last_error, wrong.transaction) == (
        RefundState.REFUSED,
        "insufficient_balance",
        "",
    )
    with pytest.raises(DomainError) as done:
        refunds.refund_order(refund=wrong)
    assert done.value.code is SecuritiesError.REFUND_DONE
    [again] = refunds.refund_trigger(
        actor=None, section=issued.stage.section, trigger=RefundTrigger.TERMINATED,
        organisation=issued.stage.bidders[1].organisation,
    )  # fmt: skip
    assert refunds.refund_order(refund=again).state == RefundState.PAID
    assert {r.sub_account_id for r in Refund.objects.filter(state=RefundState.PAID)} == {account.pk, other.pk}
