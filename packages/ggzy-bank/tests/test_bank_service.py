"""The bank's service in this process over HTTP (its own clock injected): the platform's signature
required and checked, a nonce used once, every answer signed by the bank; sub-accounts opened once per
section and bidder; refunds decided once (never paid twice, never more than the balance, amounts only
as JSON integers); the bank's own interest; the day's statement; the test controls and their absence."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bank_world import (
    BIDDER,
    DEADLINE,
    SECTION,
    Clock,
    call,
    make_folder,
    open_account,
    opening,
    payment,
    refund,
    request,
    serving,
    signed_by,
    verify,
)
from ggzy_bank import records, service, state
from ggzy_sm.errors import CryptoError
from ggzy_sm.sm2 import Sm2PrivateKey


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    make_folder(tmp_path / "bank")
    return tmp_path / "bank"


@pytest.fixture
def served(folder: Path) -> Iterator[tuple[str, service.Bank, Clock]]:
    clock = Clock()
    with serving(folder, clock) as (url, bank):
        yield url, bank, clock


def test_a_sub_account_is_opened_once_per_section_and_bidder(served: tuple[str, service.Bank, Clock]) -> None:
    url, bank, _clock = served
    asked = opening()
    status, reply = call(url, service.OPEN_PATH, asked)
    assert status == 200
    assert reply["key"] == bank.config.key.hex()
    body = verify(reply, bank.config.key)
    number = body["sub_account"]
    assert records.is_account_number(number)
    assert number.startswith("62170000000000000")
    assert body == {
        "format": "ggzy-bank-answer-v1",
        "bank": bank.config.name,
        "action": "open",
        "nonce": asked["request"]["nonce"],
        "outcome": "opened",
        "sub_account": number,
        "section": SECTION,
        "bidder": BIDDER,
        "required_fen": 5_000_000,
        "deadline": DEADLINE,
        "opened_at": "2026-03-02T02:00:00.000000Z",
        "balance_fen": 0,
        "answered_at": "2026-03-02T02:00:00.000000Z",
    }
    again = verify(call(url, service.OPEN_PATH, opening(required_fen=6_000_000))[1], bank.config.key)
    assert (again["outcome"], again["sub_account"], again["required_fen"]) == ("existing", number, 6_000_000)
    other = verify(call(url, service.OPEN_PATH, opening(bidder="91110000100000000X"))[1], bank.config.key)
    assert other["sub_account"] != number
    assert records.is_account_number(other["sub_account"])
    assert call(url, "/health")[1]["sub_accounts"] == 2


def test_the_platform_s_signature_is_required_and_checked(served: tuple[str, service.Bank, Clock]) -> None:
    url, _bank, _clock = served
    asked = opening()
    unsigned = asked["request"]
    assert call(url, service.OPEN_PATH, unsigned)[0] == 400
    other_key = signed_by(
        Sm2PrivateKey.generate(),
        "open",
        section=SECTION,
        bidder=BIDDER,
        required_fen=1,
        deadline=DEADLINE,
    )
    assert call(url, service.OPEN_PATH, other_key)[1]["reason"] == "not_trusted"
    tampered = json.loads(json.dumps(asked))
    tampered["request"]["required_fen"] = 1
    assert call(url, service.OPEN_PATH, tampered) == (
        403,
        {"reason": "bad_signature", "message": "the platform's signature does not verify"},
    )
    garbled = {**asked, "signature": "zz"}
    assert call(url, service.OPEN_PATH, garbled)[1]["reason"] == "bad_signature"
    # a request signed for one action is not taken at another's path
    assert call(url, service.REFUND_PATH, asked)[0] == 400
    assert call(url, service.OPEN_PATH, asked)[0] == 200
    assert call(url, service.OPEN_PATH, asked) == (
        409,
        {"reason": "replayed", "message": "this nonce was used before: a request is sent once"},
    )


def test_a_replayed_nonce_is_refused_after_a_restart(folder: Path) -> None:
    asked = opening()
    with serving(folder) as (url, _bank):
        assert call(url, service.OPEN_PATH, asked)[0] == 200
    with serving(folder) as (url, _bank):
        assert call(url, service.OPEN_PATH, asked)[0] == 409


def test_no_platform_key_pinned_refuses_everything(tmp_path: Path) -> None:
    state.KIND.init(tmp_path / "bank", "银行", "bank test passphrase", iterations=1000)
    with serving(tmp_path / "bank") as (url, _bank):
        status, reply = call(url, service.OPEN_PATH, opening())
        assert (status, reply["reason"]) == (403, "not_trusted")
        assert "no platform key is pinned" in reply["message"]


def _paid(url: str, bank: service.Bank, amount: int = 5_000_000, **more: Any) -> str:
    number = open_account(url, bank.config.key)
    status, paid = call(url, service.PAY_PATH, payment(number, amount, **more))
    assert status == 200, paid
    return number


def test_a_refund_is_decided_once_and_never_paid_twice(served: tuple[str, service.Bank, Clock]) -> None:
    url, bank, clock = served
    number = _paid(url, bank)
    clock.now += dt.timedelta(days=29)  # 31 March
    asked = refund("R-2026-0001", number, 5_000_000, 201)
    status, reply = call(url, service.REFUND_PATH, asked)
    assert status == 200
    first = verify(reply, bank.config.key)
    assert first["outcome"] == "accepted"
    assert first["reason"] is None
    assert (first["principal_fen"], first["interest_fen"], first["bank_interest_fen"]) == (
        5_000_000,
        201,
        201,
    )
    assert first["balance_fen"] == 0
    assert first["repeated"] is False
    assert first["nonce"] == asked["request"]["nonce"]
    # the same refund again (another nonce): the first decision again, nothing paid twice
    clock.now += dt.timedelta(hours=1)
    again = verify(
        call(url, service.REFUND_PATH, refund("R-2026-0001", number, 5_000_000, 201))[1], bank.config.key
    )
    assert again["repeated"] is True
    assert {k: again[k] for k in ("outcome", "transaction", "decided_at", "balance_fen")} == {
        k: first[k] for k in ("outcome", "transaction", "decided_at", "balance_fen")
    }
    refunds = [entry for entry in bank.ledger.transactions if entry["kind"] == "refund"]
    assert len(refunds) == 1
    assert bank.ledger.sub_accounts[number]["balance_fen"] == 0
    # the same id with other content is refused, not taken as a new order
    reused = verify(call(url, service.REFUND_PATH, refund("R-2026-0001", number, 1))[1], bank.config.key)
    assert (reused["outcome"], reused["reason"]) == ("refused", "refund_id_reused")


def test_a_refund_over_the_balance_or_the_bank_s_interest_is_refused(
    served: tuple[str, service.Bank, Clock],
) -> None:
    url, bank, clock = served
    number = _paid(url, bank, 1_000_000)
    over = verify(call(url, service.REFUND_PATH, refund("R1", number, 1_000_001))[1], bank.config.key)
    assert (over["outcome"], over["reason"], over["balance_fen"]) == (
        "refused",
        "insufficient_balance",
        1_000_000,
    )
    assert over["transaction"] is None
    # refused is decided too: the same id is answered the same, even once the money is there
    assert verify(call(url, service.REFUND_PATH, refund("R1", number, 1_000_001))[1], bank.config.key)[
        "repeated"
    ]
    clock.now += dt.timedelta(days=10)  # 1,000,000 × 10 × 0.05 % / 360 = 13.88… -> 14 fen
    greedy = verify(call(url, service.REFUND_PATH, refund("R2", number, 1_000_000, 15))[1], bank.config.key)
    assert (greedy["outcome"], greedy["reason"], greedy["bank_interest_fen"]) == (
        "refused",
        "interest_exceeds",
        14,
    )
    # less interest than the bank's (procurement on time: none) is paid as asked
    fair = verify(call(url, service.REFUND_PATH, refund("R3", number, 400_000, 0))[1], bank.config.key)
    assert (fair["outcome"], fair["balance_fen"]) == ("accepted", 600_000)
    unknown = verify(
        call(url, service.REFUND_PATH, refund("R4", "6217000000000000999", 1))[1], bank.config.key
    )
    assert (unknown["outcome"], unknown["reason"]) == ("refused", "unknown_sub_account")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("principal_fen", 100.5),
        ("principal_fen", 100.0),
        ("principal_fen", "100.50"),
        ("principal_fen", "100"),
        ("interest_fen", 0.01),
        ("principal_fen", -1),
        ("principal_fen", True),
    ],
)
def test_a_refund_with_amounts_not_json_integers_is_malformed(
    served: tuple[str, service.Bank, Clock], field: str, value: Any
) -> None:
    url, bank, _clock = served
    number = _paid(url, bank)
    asked = refund("R1", number, 100, 0)
    asked["request"][field] = value  # no signature can be made over a float: the fields are read first
    status, reply = call(url, service.REFUND_PATH, asked)
    assert (status, reply["reason"]) == (400, "malformed")
    assert field in reply["message"]
    assert "signature" not in reply
    assert "R1" not in bank.ledger.refunds  # nothing decided: the id is still free
    assert call(url, service.REFUND_PATH, refund("R1", number, 100))[0] == 200


def test_the_bank_s_own_interest(served: tuple[str, service.Bank, Clock]) -> None:
    url, bank, clock = served
    number = _paid(url, bank, 5_000_000)
    clock.now += dt.timedelta(days=40)
    asked = request("interest", sub_account=number, **{"from": None, "to": "2026-03-31"})
    body = verify(call(url, service.INTEREST_PATH, asked)[1], bank.config.key)
    assert {k: body[k] for k in ("from", "to", "days", "fen_days", "interest_fen", "day_count")} == {
        "from": "2026-03-02",
        "to": "2026-03-31",
        "days": 29,
        "fen_days": 145_000_000,
        "interest_fen": 201,  # 201.388… by hand (test_bank_records)
        "day_count": 360,
    }
    assert body["annual_rate_percent"] == "0.05"
    part = request("interest", sub_account=number, **{"from": "2026-03-10", "to": "2026-03-12"})
    assert verify(call(url, service.INTEREST_PATH, part)[1], bank.config.key)["fen_days"] == 10_000_000
    none = request("interest", sub_account="6217000000000000999", **{"from": None, "to": "2026-03-31"})
    assert verify(call(url, service.INTEREST_PATH, none)[1], bank.config.key)["found"] is False
    backwards = request("interest", sub_account=number, **{"from": "2026-03-12", "to": "2026-03-10"})
    assert call(url, service.INTEREST_PATH, backwards)[0] == 400


def test_the_day_s_statement_is_signed_and_adds_up(served: tuple[str, service.Bank, Clock]) -> None:
    url, bank, clock = served
    number = _paid(url, bank, 3_000_000)
    assert call(url, service.PAY_PATH, payment(number, 2_000_000, payer_name="另一家公司"))[0] == 200
    clock.now += dt.timedelta(hours=3)
    assert verify(call(url, service.REFUND_PATH, refund("R1", number, 1_000_000))[1], bank.config.key)[
        "outcome"
    ] == ("accepted")
    asked = request("statement", date="2026-03-02")
    status, reply = call(url, service.STATEMENT_PATH, asked)
    assert status == 200
    statement = verify(reply, bank.config.key, service.STATEMENT, "statement")
    assert statement["nonce"] == asked["request"]["nonce"]
    assert (statement["date"], statement["time_zone"], statement["final"]) == (
        "2026-03-02",
        "Asia/Shanghai",
        False,
    )
    assert [(e["kind"], e["amount_fen"], e["balance_fen"]) for e in statement["entries"]] == [
        ("credit", 3_000_000, 3_000_000),
        ("credit", 2_000_000, 5_000_000),
        ("refund", 1_000_000, 4_000_000),
    ]
    assert statement["entries"][1]["payer_name"] == "另一家公司"
    assert statement["entries"][2]["payee_account"] == "6222020200012345678"
    assert statement["totals"] == {
        "credits": 2,
        "credited_fen": 5_000_000,
        "refunds": 1,
        "refunded_fen": 1_000_000,
        "interest_fen": 0,
        "opening_balance_fen": 0,
        "closing_balance_fen": 4_000_000,
    }
    clock.now += dt.timedelta(days=1)
    later = verify(
        call(url, service.STATEMENT_PATH, request("statement", date="2026-03-02"))[1],
        bank.config.key,
        service.STATEMENT,
        "statement",
    )
    assert later["final"] is True
    with pytest.raises(CryptoError):  # a statement is not an answer
        verify(reply, bank.config.key, service.ANSWER, "statement")


def test_a_payment_is_refused_for_an_unknown_sub_account_or_a_float(
    served: tuple[str, service.Bank, Clock],
) -> None:
    url, bank, _clock = served
    number = open_account(url, bank.config.key)
    assert call(url, service.PAY_PATH, payment("6217000000000000999", 100))[0] == 400
    assert call(url, service.PAY_PATH, payment(number, 100.5))[0] == 400
    assert call(url, service.PAY_PATH, payment(number, "100"))[0] == 400
    assert call(url, service.PAY_PATH, payment(number, 0))[0] == 400
    assert bank.ledger.transactions == []


def test_fail_next_makes_platform_requests_unavailable(served: tuple[str, service.Bank, Clock]) -> None:
    url, _bank, _clock = served
    assert call(url, "/v1/admin/fail-next", {"count": 1})[0] == 200
    asked = opening()
    assert call(url, service.OPEN_PATH, asked)[0] == 503
    assert call(url, service.OPEN_PATH, asked)[0] == 200  # the nonce was not used up by the 503


def test_without_test_controls_there_is_no_pay(folder: Path) -> None:
    with serving(folder, test_controls=False) as (url, _bank):
        for path in (service.PAY_PATH, service.CALLBACK_PATH, service.RESEND_PATH, service.CRASH_PATH):
            assert call(url, path, {})[0] == 404
        assert call(url, service.OPEN_PATH, opening())[0] == 200


def test_the_ledger_is_kept_across_a_restart(folder: Path) -> None:
    with serving(folder) as (url, bank):
        number = _paid(url, bank, 1234)
    with serving(folder) as (url, bank):
        assert bank.ledger.sub_accounts[number]["balance_fen"] == 1234
        assert call(url, "/health")[1]["transactions"] == 1
        assert open_account(url, bank.config.key) == number
