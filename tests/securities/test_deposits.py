"""Deposits through the bank, with `ggzy-bank` running as its own process (tests/securities/bank_world.py):
sub-accounts, the bank's signed notifications through the platform's real endpoint (paid in full,
insufficient, late; replayed and reordered: nothing changes; unsigned, wrongly signed, for an unknown
sub-account, a float or a string amount: refused and recorded, nothing changed), the bank killed
mid-callback and the next statements reconciling."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.securities import bank
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.event_types import SecuritiesEvents
from ggzy.securities.models import Credit, CreditSource, Statement, SubAccount
from ggzy.securities.services import deposits
from ggzy_bank import state as bank_state
from ggzy_sm import simulator
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.securities.bank_world import (  # noqa: F401  (bank_world_fixture: the fixture)
    PASSPHRASE,
    BankWorld,
    bank_world_fixture,
    deliver,
    wait_for,
)
from tests.securities.conftest import DEADLINE, SECURITY_FEN, Trade, documents_issue, t

PAYER = "天成建设有限公司"
ACCOUNT = "6222020200012345678"


def _open(trade: Trade, bidder: int = 0) -> SubAccount:
    b = trade.stage.bidders[bidder]
    return deposits.sub_account_open(actor=b.user, section=trade.stage.section, organisation=b.organisation)


def _refused_events() -> list[Event]:
    return list(Event.objects.filter(type=SecuritiesEvents.NOTIFICATION_REFUSED.type).order_by("id"))


def test_a_sub_account_is_opened_once_with_a_checked_number(issued: Trade, bank_world: BankWorld) -> None:
    issued.clock.at(t("2026-03-05 10:00"))
    account = _open(issued)
    assert deposits.luhn_ok(account.number) and len(account.number) == 19  # noqa: PT018
    assert account.bank == "sybank"
    assert account.required_fen == SECURITY_FEN
    assert account.deadline == DEADLINE
    assert account.answer["answer"]["sub_account"] == account.number  # the bank's signed answer, kept
    again = _open(issued)
    assert again.pk == account.pk
    assert bank_world.health()["sub_accounts"] == 1  # asked once
    other = _open(issued, 1)
    assert other.number != account.number
    opened = Event.objects.filter(type=SecuritiesEvents.SUB_ACCOUNT_OPENED.type)
    assert opened.count() == 2
    assert all(e.embargo_kind == "section.opening" for e in opened)


def test_no_sub_account_after_the_deadline_or_without_a_bank(
    issued: Trade, bank_world: BankWorld, settings: Any
) -> None:
    issued.clock.at(DEADLINE)
    with pytest.raises(DomainError) as late:
        _open(issued)
    assert late.value.code is SecuritiesError.DEADLINE_PASSED
    issued.clock.at(t("2026-03-05 10:00"))
    bank_world.kill()
    with pytest.raises(DomainError) as down:
        _open(issued)
    assert down.value.code is SecuritiesError.BANK_UNAVAILABLE
    settings.GGZY_BANKS = ""
    with pytest.raises(DomainError) as none:
        _open(issued)
    assert none.value.code is SecuritiesError.NO_BANK
    assert not SubAccount.objects.exists()


@pytest.mark.parametrize(
    ("security", "refused"),
    [
        ({"kind": "none"}, SecuritiesError.NONE_REQUIRED),
        (
            {"kind": "amount", "amount_fen": SECURITY_FEN, "forms": ["guarantee"]},
            SecuritiesError.FORM_NOT_ALLOWED,
        ),
    ],
)
def test_no_sub_account_where_the_documents_take_no_deposit(
    trade: Trade, security: dict[str, Any], refused: SecuritiesError
) -> None:
    documents_issue(trade, bid_security=security)
    trade.clock.at(t("2026-03-05 10:00"))
    with pytest.raises(DomainError) as error:
        _open(trade)
    assert error.value.code is refused
    assert not SubAccount.objects.exists()


def test_paid_in_full_insufficient_and_late(issued: Trade, bank_world: BankWorld) -> None:
    issued.clock.at(t("2026-03-05 10:00"))
    full, short = _open(issued), _open(issued, 1)
    paid = bank_world.pay(full, PAYER, ACCOUNT, SECURITY_FEN, t("2026-03-10 10:00"))
    status, answer = deliver(bank_world.receiver.of(paid["sequence"])[0])
    assert (status, answer) == (200, {"ok": True, "credit": paid["transaction"]})
    credit = Credit.objects.get(transaction=paid["transaction"])
    assert (credit.sub_account, credit.amount_fen, credit.late) == (full, SECURITY_FEN, False)
    assert credit.source == CreditSource.NOTIFICATION
    assert deposits.plain(credit.payer_name) == PAYER
    assert deposits.plain(credit.payer_account) == ACCOUNT
    assert credit.evidence["notification"]["transaction"] == paid["transaction"]  # the signed document
    assert credit.instant == t("2026-03-10 10:00")

    part = bank_world.pay(short, "北方路桥有限公司", "6222020200087654321", 4_000_000, t("2026-03-11 09:00"))
    assert deliver(bank_world.receiver.of(part["sequence"])[0])[0] == 200
    # the rest arrives at the deadline itself: late (it must arrive before it), and does not count
    rest = bank_world.pay(short, "北方路桥有限公司", "6222020200087654321", 6_000_000, DEADLINE)
    assert deliver(bank_world.receiver.of(rest["sequence"])[0])[0] == 200
    held = {c.transaction: c for c in Credit.objects.filter(sub_account=short)}
    assert held[part["transaction"]].late is False
    assert held[rest["transaction"]].late is True
    counted = sum(c.amount_fen for c in held.values() if not c.late)
    assert counted == 4_000_000 < SECURITY_FEN  # insufficient: ¥40,000 of ¥100,000
    recorded = Event.objects.filter(type=SecuritiesEvents.CREDIT_RECORDED.type)
    assert recorded.count() == 3
    assert all(PAYER not in json.dumps(e.data, ensure_ascii=False) for e in recorded)


def test_a_replayed_or_reordered_notification_changes_nothing(issued: Trade, bank_world: BankWorld) -> None:
    issued.clock.at(t("2026-03-05 10:00"))
    account = _open(issued)
    first = bank_world.pay(account, PAYER, ACCOUNT, 3_000_000, t("2026-03-10 10:00"))
    second = bank_world.pay(account, PAYER, ACCOUNT, 7_000_000, t("2026-03-10 11:00"))
    # the second arrives first (a reordering)
    assert deliver(bank_world.receiver.of(second["sequence"])[0]) == (
        200,
        {"ok": True, "credit": second["transaction"]},
    )
    assert deliver(bank_world.receiver.of(first["sequence"])[0])[0] == 200
    events = Event.objects.count()
    held = list(Credit.objects.order_by("id").values_list("transaction", "amount_fen", "sequence"))
    assert sorted(c[1] for c in held) == [3_000_000, 7_000_000]
    # the bank sends the first again, byte for byte (a replay): answered 200, nothing changes
    replay = bank_world.resend(first["sequence"])
    assert replay == bank_world.receiver.of(first["sequence"])[0]
    assert deliver(replay) == (200, {"ok": True, "credit": first["transaction"]})
    assert deliver(bank_world.receiver.of(second["sequence"])[0])[0] == 200
    assert list(Credit.objects.order_by("id").values_list("transaction", "amount_fen", "sequence")) == held
    assert Event.objects.count() == events
    assert not _refused_events()


def _bank_key(world: BankWorld) -> Any:
    config = bank_state.KIND.load_config(world.folder)
    return bank_state.KIND.load_key(config, PASSPHRASE)


def _signed(key: Any, body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A notification `body` with `changes`, signed by `key`."""
    content = {k: v for k, v in {**body, **changes}.items() if k != "format"}
    return simulator.signed(key, bank.NOTIFICATION_PURPOSE, "notification", content)


def test_bad_notifications_are_refused_recorded_and_change_nothing(
    issued: Trade, bank_world: BankWorld
) -> None:
    issued.clock.at(t("2026-03-05 10:00"))
    account = _open(issued)
    paid = bank_world.pay(account, PAYER, ACCOUNT, 5_000_000, t("2026-03-10 10:00"))
    genuine = bank_world.receiver.of(paid["sequence"])[0]
    body = genuine["notification"]

    unsigned = {"notification": body, "key": genuine["key"], "signature": "00" * 64}
    stranger = Sm2PrivateKey.generate()  # signed, but by a key no trust file pins
    forged = _signed(stranger, body)
    tampered = {**genuine, "notification": {**body, "amount_fen": 50_000_000}}
    as_float = json.dumps(genuine).replace('"amount_fen": 5000000', '"amount_fen": 5000000.0').encode()
    fraction = json.dumps(genuine).replace('"amount_fen": 5000000', '"amount_fen": 4999999.5').encode()
    for document in (unsigned, forged, tampered, as_float, fraction):
        status, answer = deliver(document)
        assert status == 403, answer
        assert answer["code"] == SecuritiesError.NOTIFICATION_SIGNATURE.value
    # signed by the bank itself, but with an amount that is not an integer of fen: refused as such
    key = _bank_key(bank_world)
    status, answer = deliver(_signed(key, body, amount_fen="5000000"))
    assert (status, answer["code"]) == (400, SecuritiesError.AMOUNT_INVALID.value)
    # a sub-account the bank opened, but not for the platform's section and bidder
    target = bank_world.target()
    elsewhere = bank.ask(
        target, "open", "/v1/sub-accounts",
        {"section": "E9999999999999999001", "bidder": "91210100MA0Y999999", "required_fen": 100,
         "deadline": "2026-03-25T01:30:00.000000Z"},
    )  # fmt: skip
    stray = bank_world.pay(elsewhere["sub_account"], PAYER, ACCOUNT, 100, t("2026-03-10 12:00"))
    status, answer = deliver(bank_world.receiver.of(stray["sequence"])[0])
    assert (status, answer["code"]) == (409, SecuritiesError.NOTIFICATION_SUB_ACCOUNT.value)
    # the same sequence with other content (signed by the bank): a conflict
    assert deliver(genuine)[0] == 200
    status, answer = deliver(_signed(key, body, transaction="20260310999999999999"))
    assert (status, answer["code"]) == (409, SecuritiesError.NOTIFICATION_CONFLICT.value)

    assert list(Credit.objects.values_list("transaction", flat=True)) == [paid["transaction"]]
    refused = _refused_events()
    assert [e.data["reason"] for e in refused] == ["signature"] * 5 + ["amount", "sub_account", "conflict"]
    assert all(e.event_class == "security" for e in refused)
    assert all(PAYER not in json.dumps(e.data, ensure_ascii=False) for e in refused)


def test_the_bank_killed_mid_callback_and_the_next_statements_reconcile(
    issued: Trade, bank_world: BankWorld
) -> None:
    issued.clock.at(t("2026-03-05 10:00"))
    account = _open(issued)
    # 10 March: the platform takes the notification, the bank dies before it records the acknowledgement
    first = bank_world.pay_and_crash(account, PAYER, ACCOUNT, 4_000_000, t("2026-03-10 10:00"))
    assert deliver(bank_world.receiver.of(first["sequence"])[0])[0] == 200
    bank_world.restart()  # it sends the notification again: the platform already holds it
    wait_for(lambda: len(bank_world.receiver.of(first["sequence"])) == 2)
    assert deliver(bank_world.receiver.of(first["sequence"])[-1]) == (
        200,
        {"ok": True, "credit": first["transaction"]},
    )
    # 11 March: the bank dies mid-callback and the platform never gets the notification
    second = bank_world.pay_and_crash(account, PAYER, ACCOUNT, 6_000_000, t("2026-03-11 10:00"))
    bank_world.restart()
    assert Credit.objects.count() == 1

    # 12 March: the tick reconciles each day since the first sub-account was opened, up to yesterday
    issued.clock.at(t("2026-03-12 02:00"))
    assert deposits.reconcile_due() == 7  # 5 March (the sub-account opened) … 11 March
    assert deposits.reconcile_due() == 0
    tenth = Statement.objects.get(date=dt.date(2026, 3, 10))
    assert tenth.mismatches == []
    assert tenth.document["statement"]["final"] is True
    eleventh = Statement.objects.get(date=dt.date(2026, 3, 11))
    assert eleventh.mismatches == []
    from_statement = Credit.objects.get(transaction=second["transaction"])
    assert from_statement.source == CreditSource.STATEMENT
    assert (from_statement.amount_fen, from_statement.sequence) == (6_000_000, second["sequence"])
    assert deposits.plain(from_statement.payer_name) == PAYER
    # the notification the bank sends again after its restart changes nothing: no double count
    resent = bank_world.receiver.of(second["sequence"])[-1]
    assert deliver(resent) == (200, {"ok": True, "credit": second["transaction"]})
    assert sorted(Credit.objects.values_list("amount_fen", flat=True)) == [4_000_000, 6_000_000]
    reconciled = Event.objects.filter(type=SecuritiesEvents.STATEMENT_RECONCILED.type)
    assert reconciled.count() == 7
    assert all(PAYER not in json.dumps(e.data, ensure_ascii=False) for e in reconciled)
    # reconciling a day again changes nothing
    assert deposits.statement_reconcile(bank_code="sybank", date=dt.date(2026, 3, 11)) == eleventh


def test_a_credit_the_statement_lacks_is_a_mismatch(issued: Trade, bank_world: BankWorld) -> None:
    issued.clock.at(t("2026-03-05 10:00"))
    account = _open(issued)
    paid = bank_world.pay(account, PAYER, ACCOUNT, 4_000_000, t("2026-03-10 10:00"))
    assert deliver(bank_world.receiver.of(paid["sequence"])[0])[0] == 200
    Credit.objects.filter(transaction=paid["transaction"]).update(amount_fen=4_000_001)
    deposits.credit_record(
        account=account,
        fields={"transaction": "20260310000000009999", "sequence": None, "amount_fen": 1,
                "payer_name": PAYER, "payer_account": ACCOUNT, "instant": t("2026-03-10 12:00")},
        source=CreditSource.NOTIFICATION, evidence={},
    )  # fmt: skip
    statement = deposits.statement_reconcile(bank_code="sybank", date=dt.date(2026, 3, 10))
    assert statement.mismatches == [
        {"kind": "credit_differs", "transaction": paid["transaction"], "statement_fen": 4_000_000,
         "platform_fen": 4_000_001},
        {"kind": "credit_missing", "transaction": "20260310000000009999", "amount_fen": 1},
    ]  # fmt: skip
    assert len(statement.sm3) == 64
    assert Event.objects.get(type=SecuritiesEvents.STATEMENT_RECONCILED.type).data["mismatches"] == 2


def test_a_day_not_final_is_not_reconciled(issued: Trade, bank_world: BankWorld) -> None:
    today = dt.datetime.now(dt.UTC).astimezone(deposits.BUSINESS_ZONE).date()
    with pytest.raises(DomainError) as refused:
        deposits.statement_reconcile(bank_code="sybank", date=today)
    assert refused.value.code is SecuritiesError.STATEMENT_INVALID
    assert not Statement.objects.exists()
