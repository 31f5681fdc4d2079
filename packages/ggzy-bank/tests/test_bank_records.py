"""What the bank computes, against hand computations: sub-account numbers and their Luhn digit, amounts
only as JSON integers of fen, the business day in Asia/Shanghai, interest on the daily balances (积数)
rounded half-up once to the fen (actual/360 and actual/365), and a day's statement's totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ggzy_bank import records


def test_luhn_and_the_sub_account_number() -> None:
    assert records.luhn_digit("7992739871") == "3"  # the textbook example
    number = records.account_number("62170", 1)
    assert number == "621700000000000001" + records.luhn_digit("621700000000000001")
    assert len(number) == 19
    assert records.is_account_number(number)
    wrong = number[:-2] + str((int(number[-2]) + 1) % 10) + number[-1]
    assert not records.is_account_number(wrong)  # one digit mistyped
    assert records.account_number("62170", 2) != number
    assert records.account_number("62170", 10**13 - 1).startswith("621709999999999999")
    with pytest.raises(records.RecordError, match="no sub-account numbers are left"):
        records.account_number("62170", 10**13)
    with pytest.raises(records.RecordError, match="prefix"):
        records.account_number("02170", 1)


@pytest.mark.parametrize("value", [1.5, 100.0, "100", "1.5", True, None, -1, 2**53])
def test_amounts_are_json_integers_of_fen(value: Any) -> None:
    with pytest.raises(records.RecordError, match="amount_fen"):
        records.fen(value, "amount_fen")


def test_amounts_within_range() -> None:
    assert records.fen(0, "x") == 0
    assert records.fen(2**53 - 1, "x") == 2**53 - 1
    with pytest.raises(records.RecordError):
        records.fen(0, "x", least=1)


def test_the_business_day_is_shanghai_s() -> None:
    assert records.day_of("2026-03-01T16:00:00.000000Z") == dt.date(2026, 3, 2)
    assert records.day_of("2026-03-01T15:59:59.999999Z") == dt.date(2026, 3, 1)
    with pytest.raises(records.RecordError):
        records.instant("2026-03-01T16:00:00+08:00", "instant")
    with pytest.raises(records.RecordError):
        records.date("2026-02-30", "date")


def _credit(instant: str, amount: int) -> dict[str, Any]:
    return {"kind": "credit", "instant": instant, "amount_fen": amount, "interest_fen": 0}


def _refund(instant: str, amount: int, interest: int = 0) -> dict[str, Any]:
    return {"kind": "refund", "instant": instant, "amount_fen": amount, "interest_fen": interest}


def test_interest_on_one_credit_by_hand() -> None:
    # ¥50,000 paid on 2 March (10:00 in Shanghai), refunded on 31 March: 29 days (the first counts,
    # the last does not); 5,000,000 × 29 × 0.05 % / 360 = 201.388… fen -> 201
    paid = [_credit("2026-03-02T02:00:00.000000Z", 5_000_000)]
    fen_days, days = records.accumulation(paid, dt.date(2026, 3, 2), dt.date(2026, 3, 31))
    assert (fen_days, days) == (145_000_000, 29)
    assert records.interest_fen(fen_days, Decimal("0.05"), 360) == 201
    assert records.interest_fen(fen_days, Decimal("0.05"), 365) == 199  # 198.63… -> 199
    assert records.accumulation(paid, dt.date(2026, 3, 2), dt.date(2026, 3, 2)) == (0, 0)


def test_interest_rounds_half_up_to_the_fen() -> None:
    # 50,000 fen for 1 day at 0.36 % / 360 is exactly 0.5 fen: half-up gives 1 (half-even would give 0)
    assert records.interest_fen(50_000, Decimal("0.36"), 360) == 1
    assert records.interest_fen(50_000, Decimal("0.36"), 365) == 0  # 0.493…
    assert records.interest_fen(149_999, Decimal("0.36"), 360) == 1  # 1.49999
    assert records.interest_fen(150_000, Decimal("0.36"), 360) == 2  # 1.5


def test_interest_follows_the_daily_balance() -> None:
    # 10,000.00 from 2 March, 5,000.00 more from 5 March, 3,000.00 refunded on 10 March; to 12 March:
    # 3 days × 1,000,000 + 5 days × 1,500,000 + 2 days × 1,200,000 = 12,900,000 fen-days;
    # × 0.35 % / 365 = 123.69… fen -> 124
    moves = [
        _credit("2026-03-02T02:00:00.000000Z", 1_000_000),
        _credit("2026-03-04T23:00:00.000000Z", 500_000),  # 5 March 07:00 in Shanghai
        _refund("2026-03-10T03:00:00.000000Z", 300_000),
    ]
    fen_days, days = records.accumulation(moves, dt.date(2026, 3, 2), dt.date(2026, 3, 12))
    assert (fen_days, days) == (12_900_000, 10)
    assert records.interest_fen(fen_days, Decimal("0.35"), 365) == 124
    assert records.first_day(moves) == dt.date(2026, 3, 2)
    # a period that starts later counts the balance brought forward
    assert records.accumulation(moves, dt.date(2026, 3, 10), dt.date(2026, 3, 11)) == (1_200_000, 1)


@pytest.mark.parametrize("rate", ["0.050", "0", "12.5", "0.000001"])
def test_rates_are_decimal_strings_of_percent(rate: str) -> None:
    assert records.annual_rate(rate) == Decimal(rate)


@pytest.mark.parametrize("rate", [0.05, "5%", "-1", "1e-3", "100", ".5", "0.0000001"])
def test_other_rates_are_refused(rate: Any) -> None:
    with pytest.raises(records.RecordError):
        records.annual_rate(rate)


def test_a_day_s_statement_and_its_totals() -> None:
    moves = [
        {**_credit("2026-03-01T02:00:00.000000Z", 1_000), "sub_account": "a"},
        {**_credit("2026-03-02T01:00:00.000000Z", 2_000), "sub_account": "a"},
        {**_credit("2026-03-02T15:59:59.999999Z", 3_000), "sub_account": "b"},
        {**_refund("2026-03-02T08:00:00.000000Z", 500, 7), "sub_account": "a"},
        {**_credit("2026-03-02T16:00:00.000000Z", 9_000), "sub_account": "b"},  # 3 March in Shanghai
    ]
    entries, totals = records.statement(moves, dt.date(2026, 3, 2))
    assert [entry["amount_fen"] for entry in entries] == [2_000, 3_000, 500]
    assert totals == {
        "credits": 2,
        "credited_fen": 5_000,
        "refunds": 1,
        "refunded_fen": 500,
        "interest_fen": 7,
        "opening_balance_fen": 1_000,
        "closing_balance_fen": 5_500,
    }
