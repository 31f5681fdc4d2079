"""The bank's notifications of credits (入账通知) to a small local HTTP receiver standing for the
platform: signed by the bank, numbered 1, 2, 3 … by the bank's own sequence, sent again after a refused
delivery (so that a later one may arrive first: the sequence shows it), replayed byte for byte by the
test control, kept in the ledger's outbox until acknowledged (a restart sends what was not), and the
day's statement adding up to the notifications."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from bank_world import (
    BIDDER,
    SECTION,
    Clock,
    Receiver,
    call,
    make_folder,
    open_account,
    payment,
    request,
    serving,
    verify,
    wait_for,
)
from ggzy_bank import service, state


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    try:
        yield made
    finally:
        made.close()


def _folder(tmp_path: Path, receiver: Receiver, retry_first_ms: int = 20) -> Path:
    make_folder(tmp_path / "bank", callback=receiver.url, retry_first_ms=retry_first_ms, retry_most_ms=2000)
    return tmp_path / "bank"


def test_each_credit_is_notified_signed_with_its_sequence(tmp_path: Path, receiver: Receiver) -> None:
    with serving(_folder(tmp_path, receiver)) as (url, bank):
        number = open_account(url, bank.config.key)
        transactions = [call(url, service.PAY_PATH, payment(number, amount))[1] for amount in (100, 200, 300)]
        wait_for(lambda: len(receiver.accepted()) == 3)
        wait_for(lambda: not bank.ledger.pending())
        assert [t["sequence"] for t in transactions] == [1, 2, 3]
        document = receiver.received[0][0]
        assert document["key"] == bank.config.key.hex()
        assert verify(document, bank.config.key, service.NOTIFICATION, "notification") == {
            "format": "ggzy-bank-notification-v1",
            "bank": bank.config.name,
            "sequence": 1,
            "transaction": transactions[0]["transaction"],
            "sub_account": number,
            "section": SECTION,
            "bidder": BIDDER,
            "amount_fen": 100,
            "payer_name": "沈阳示例建设工程有限公司",
            "payer_account": "6222020200012345678",
            "instant": "2026-03-02T02:00:00.000000Z",
        }
        assert receiver.sequences() == [1, 2, 3]
        assert all(entry["acknowledged_at"] == "2026-03-02T02:00:00.000000Z" for entry in bank.ledger.outbox)
        assert call(url, "/health")[1]["unacknowledged"] == 0


def test_a_refused_delivery_is_retried_and_a_later_one_may_arrive_first(tmp_path: Path) -> None:
    receiver = Receiver(script=[500])
    try:
        with serving(_folder(tmp_path, receiver, retry_first_ms=600)) as (url, bank):
            number = open_account(url, bank.config.key)
            assert call(url, service.PAY_PATH, payment(number, 100))[0] == 200
            wait_for(lambda: len(receiver.received) == 1)  # refused (500): retried in 0.6 s
            assert call(url, service.PAY_PATH, payment(number, 200))[0] == 200
            wait_for(lambda: len(receiver.accepted()) == 2)
            assert receiver.sequences() == [1, 2, 1]  # 2 arrived before 1: the sequence says so
            assert receiver.sequences(accepted_only=True) == [2, 1]
            assert bank.notifier.attempts == {1: 1}
            wait_for(lambda: not bank.ledger.pending())
    finally:
        receiver.close()


def test_a_replayed_notification_is_the_same_one_again(tmp_path: Path, receiver: Receiver) -> None:
    with serving(_folder(tmp_path, receiver)) as (url, bank):
        number = open_account(url, bank.config.key)
        call(url, service.PAY_PATH, payment(number, 100))
        call(url, service.PAY_PATH, payment(number, 200))
        wait_for(lambda: len(receiver.received) == 2)
        assert call(url, service.RESEND_PATH, {"sequence": 1}) == (200, {"resend": 1})
        wait_for(lambda: len(receiver.received) == 3)
        assert receiver.sequences() == [1, 2, 1]
        assert receiver.received[2][0] == receiver.received[0][0]  # byte for byte: the same signature
        assert call(url, service.RESEND_PATH, {"sequence": 9})[0] == 400


def test_what_was_not_acknowledged_is_sent_after_a_restart(tmp_path: Path, receiver: Receiver) -> None:
    make_folder(tmp_path / "bank", retry_first_ms=20)  # no callback yet: nothing can be delivered
    folder = tmp_path / "bank"
    with serving(folder) as (url, bank):
        number = open_account(url, bank.config.key)
        call(url, service.PAY_PATH, payment(number, 100))
        assert [entry["sequence"] for entry in bank.ledger.pending()] == [1]
    state.configure(folder, callback=receiver.url)
    with serving(folder) as (url, bank):
        wait_for(lambda: not bank.ledger.pending())
        assert receiver.sequences() == [1]
        call(url, service.PAY_PATH, payment(number, 200))
        wait_for(lambda: receiver.sequences() == [1, 2])  # the sequence goes on across the restart


def test_the_callback_is_set_by_the_test_control(tmp_path: Path, receiver: Receiver) -> None:
    make_folder(tmp_path / "bank", retry_first_ms=20)
    with serving(tmp_path / "bank") as (url, bank):
        number = open_account(url, bank.config.key)
        call(url, service.PAY_PATH, payment(number, 100))
        assert call(url, service.CALLBACK_PATH, {"url": "ftp://x"})[0] == 400
        assert call(url, service.CALLBACK_PATH, {"url": receiver.url}) == (200, {"callback": receiver.url})
        wait_for(lambda: receiver.sequences() == [1])
        assert state.load_settings(tmp_path / "bank").callback == receiver.url
        assert dataclasses.replace(bank.settings, callback=None).callback is None


def test_the_day_s_statement_matches_the_notifications(tmp_path: Path, receiver: Receiver) -> None:
    clock = Clock()
    with serving(_folder(tmp_path, receiver), clock) as (url, bank):
        first = open_account(url, bank.config.key)
        second = open_account(url, bank.config.key, bidder="91110000100000000X")
        for number, amount in ((first, 2_500_000), (second, 3_000_000), (first, 2_500_000), (second, 1)):
            assert call(url, service.PAY_PATH, payment(number, amount))[0] == 200
            clock.now += dt.timedelta(minutes=7)
        # paid at 23:59:59 in Shanghai on 2 March and at 00:00 on 3 March: one on each day's statement
        late = {"instant": "2026-03-02T15:59:59.999999Z"}
        call(url, service.PAY_PATH, payment(first, 10, **late))
        call(url, service.PAY_PATH, payment(second, 20, instant="2026-03-02T16:00:00.000000Z"))
        wait_for(lambda: len(receiver.accepted()) == 6)
        notified = [
            verify(doc, bank.config.key, service.NOTIFICATION, "notification")
            for doc, status in receiver.received
            if status == 200
        ]
        reply = call(url, service.STATEMENT_PATH, request("statement", date="2026-03-02"))[1]
        statement = verify(reply, bank.config.key, service.STATEMENT, "statement")
        of_the_day = [n for n in notified if n["instant"] < "2026-03-02T16:00:00.000000Z"]
        assert [(e["transaction"], e["sequence"], e["amount_fen"]) for e in statement["entries"]] == [
            (n["transaction"], n["sequence"], n["amount_fen"]) for n in of_the_day
        ]
        assert statement["totals"]["credited_fen"] == sum(n["amount_fen"] for n in of_the_day) == 8_000_011
        assert statement["totals"]["closing_balance_fen"] == 8_000_011
        balances = {e["sub_account"]: e["balance_fen"] for e in statement["entries"]}
        assert balances == {first: 5_000_010, second: 3_000_001}
