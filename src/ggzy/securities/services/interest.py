"""The platform's own interest computation on a deposit (docs/bank-interface.md, "How the bank computes
it"), from the credits and the paid refunds it recorded — never from the bank's figure, so that the two
computations can be compared to the fen — and the overdue charge on a late procurement refund.

* the accumulation (积数) is the sum, over each business day d (a date in Asia/Shanghai) with start ≤ d <
  end, of the balance at the end of d: money earns from the day it arrives and not on the day it leaves
  (算头不算尾); a refund's principal leaves on its day;
* interest = 积数 × rate / 100 / day count in `Decimal`, rounded half-up once to the fen; the rate
  (GGZY_BANK_RATE_PERCENT, percent a year) and the day count (GGZY_BANK_DAY_COUNT, 360: actual/360) are
  settings, and must be the bank's.

    accumulation(moves, start, end) -> (fen_days, days)
    interest_fen(fen_days, rate_percent=None, day_count=None) -> int
    moves_of(sub_account) -> {date: fen}
    accrued_fen(*, sub_account, to, start=None) -> int
    owed_fen(*, sub_account, to) -> int
    overdue_charge_fen(*, principal_fen, days) -> int
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from ggzy.securities.models import RefundState, SubAccount
from ggzy.securities.services.deposits import business_day

#: The overdue charge counts by a 360-day year, as the People's Bank's lending rates do.
OVERDUE_DAY_COUNT = 360


def round_fen(amount: Decimal) -> int:
    """A Decimal amount of fen rounded half-up to the whole fen."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def accumulation(moves: Mapping[dt.date, int], start: dt.date, end: dt.date) -> tuple[int, int]:
    """(积数 in fen-days, days) over [start, end): `moves` is the net principal moved on each business day
    (credits in, refunds out); the balance at the end of each day counts."""
    if end <= start:
        return 0, 0
    balance = sum(amount for day, amount in moves.items() if day < start)
    total = 0
    day = start
    while day < end:
        balance += moves.get(day, 0)
        total += balance
        day += dt.timedelta(days=1)
    return total, (end - start).days


def interest_fen(fen_days: int, rate_percent: Decimal | None = None, day_count: int | None = None) -> int:
    """积数 × rate / 100 / day count, in Decimal, rounded half-up once to the fen (the settings' rate and
    day count unless given)."""
    rate = Decimal(settings.GGZY_BANK_RATE_PERCENT) if rate_percent is None else rate_percent
    days_a_year = int(settings.GGZY_BANK_DAY_COUNT) if day_count is None else day_count
    return round_fen(Decimal(fen_days) * rate / Decimal(100) / Decimal(days_a_year))


def moves_of(sub_account: SubAccount) -> dict[dt.date, int]:
    """The net principal moved on each business day of `sub_account`: its credits (late ones too: they are
    in the account) in, its paid refunds' principal out."""
    moves: dict[dt.date, int] = {}
    for credit in sub_account.credits.all():
        day = business_day(credit.instant)
        moves[day] = moves.get(day, 0) + credit.amount_fen
    for refund in sub_account.refunds.filter(state=RefundState.PAID, paid_at__isnull=False):
        assert refund.paid_at is not None  # noqa: S101  (filtered)
        day = business_day(refund.paid_at)
        moves[day] = moves.get(day, 0) - refund.principal_fen
    return moves


def first_day(sub_account: SubAccount) -> dt.date | None:
    """The business day of the sub-account's first credit (None: none yet)."""
    first = sub_account.credits.order_by("instant").first()
    return business_day(first.instant) if first is not None else None


def accrued_fen(*, sub_account: SubAccount, to: dt.date, start: dt.date | None = None) -> int:
    """The interest on `sub_account` over [start, to) (start None: its first credit's day)."""
    start = start or first_day(sub_account)
    if start is None:
        return 0
    fen_days, _days = accumulation(moves_of(sub_account), start, to)
    return interest_fen(fen_days)


def owed_fen(*, sub_account: SubAccount, to: dt.date) -> int:
    """What a refund on day `to` owes in interest (engineering, 实施条例 §57): the interest from the first
    credit's day to `to`, less the interest already paid by refunds of the sub-account."""
    paid = sum(
        r.interest_fen for r in sub_account.refunds.filter(state=RefundState.PAID, paid_at__isnull=False)
    )
    return max(0, accrued_fen(sub_account=sub_account, to=to) - paid)


def overdue_charge_fen(*, principal_fen: int, days: int) -> int:
    """The overdue charge on a procurement security refunded late (政府采购货物和服务招标投标管理办法，
    财政部令第87号 §38: returned late, the purchaser or agency pays the security and the overdue charge at
    the People's Bank's benchmark lending rate of the same period plus 20 % — [verify] the article and
    which benchmark the finance department now applies; the rate is GGZY_PROCUREMENT_LATE_RATE_PERCENT):
    principal × rate / 100 × overdue days / 360, in Decimal, rounded half-up once to the fen."""
    if days <= 0 or principal_fen <= 0:
        return 0
    rate = Decimal(settings.GGZY_PROCUREMENT_LATE_RATE_PERCENT)
    return round_fen(
        Decimal(principal_fen) * rate / Decimal(100) * Decimal(days) / Decimal(OVERDUE_DAY_COUNT)
    )
