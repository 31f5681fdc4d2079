"""The bid-security facts of the differential crawl's worlds (tests/sealing/test_differential_crawl.py;
docs/securities.md, the secrecy table's `security_*` rows).

The bank and the issuers are outside the crawl: a sub-account is opened by the bank's signed answer and a
credit recorded from its signed notification, so the rows they leave are made here through the ORM, as
tests/securities/test_status.py's factory makes them, each with the event its service records
(`services.common.section_event`: for the supervisors, embargoed until the opening). The crawl tests the
read paths, not the bank. The bank's day statements are not made by hand: the tick job
(`services.deposits.reconcile_due`) asks a stand-in bank (`bank_configured`) whose statement of a day
lists the credits booked at it that day, and reconciles them as it would a real one.

Both worlds: the crawl's bidder (the `responder` identity) holds the documents and paid its own deposit
today. The world with the hidden bidders adds, two days earlier, a paid sub-account for each hidden
bidder (one paid from another's account), a sub-account opened and not paid by a hidden holder, a
guarantee applied for (pending at the issuer) and an accepted one with its document, and the payer flag
the deadline's computation would store (put there ahead of its time: no read path may show it before the
opening, nor to a bidder ever)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import transaction

from ggzy.accounts.models import Organisation
from ggzy.core import clock
from ggzy.registry import blobs
from ggzy.registry.models import Section
from ggzy.securities import bank
from ggzy.securities.event_types import SecuritiesEvents
from ggzy.securities.models import (
    Credit,
    CreditSource,
    Flag,
    FlagKind,
    FlagRun,
    Guarantee,
    GuaranteeState,
    Purpose,
    SubAccount,
)
from ggzy.securities.services import deposits
from ggzy.securities.services.common import section_event

BANK = "TESTBANK"
SECURITY_FEN = 10_000_000  # the documents' record (tests/tendering/test_documents.py RECORD)
#: What the crawl's documents ask of every section: ¥100,000 as a deposit or a guarantee of any kind.
BID_SECURITY = {"kind": "amount", "amount_fen": SECURITY_FEN, "forms": ["cash", "guarantee", "insurance"]}
DAY = dt.timedelta(days=1)


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _statement(
    target: bank.Bank, action: str, _path: str, fields: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stand-in bank's final statement of a business day: every credit booked at it that day."""
    day = dt.date.fromisoformat(fields["date"])
    start = dt.datetime.combine(day, dt.time(0), deposits.BUSINESS_ZONE)
    held = Credit.objects.filter(bank=target.code).select_related("sub_account").order_by("instant", "pk")
    before = sum(c.amount_fen for c in held if c.instant < start)
    day_credits = [c for c in held if start <= c.instant < start + DAY]
    entries = [
        {
            "kind": "credit",
            "transaction": c.transaction,
            "sub_account": c.sub_account.number,
            "amount_fen": c.amount_fen,
            "interest_fen": 0,
            "instant": _instant(c.instant),
        }
        for c in day_credits
    ]
    credited = sum(c.amount_fen for c in day_credits)
    totals = {
        "credits": len(entries), "credited_fen": credited, "refunds": 0, "refunded_fen": 0, "interest_fen": 0,
        "opening_balance_fen": before, "closing_balance_fen": before + credited,
    }  # fmt: skip
    body = {"action": action, "nonce": "-", "date": day.isoformat(), "final": True, "entries": entries}
    body["totals"] = totals
    return body, {"statement": body, "key": "-", "signature": "-"}


def bank_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """One deposit bank configured (in both worlds alike, for the crawl too), answering statements only."""
    target = bank.Bank(BANK, "测试银行", "http://bank.invalid", key=None)  # type: ignore[arg-type]
    monkeypatch.setattr(bank, "banks", lambda: {BANK: target})
    monkeypatch.setattr(bank, "ask_signed", _statement)


@transaction.atomic
def _open(section: Section, organisation: Organisation, user: Any, *, at: dt.datetime) -> SubAccount:
    """The sub-account the bank opened for `organisation` (its number the bank's: by organisation)."""
    account = SubAccount.objects.create(
        purpose=Purpose.BID, section=section, organisation=organisation, bank=BANK,
        number=f"6222{organisation.pk:012d}", required_fen=SECURITY_FEN,
        deadline=section.bid_window.deadline, opened_at=at, opened_by=user, answer={},
    )  # fmt: skip
    section_event(
        SecuritiesEvents.SUB_ACCOUNT_OPENED, section, user,
        {"sub_account": str(account.uid), "bank": BANK, "required_fen": SECURITY_FEN},
        organisation=organisation.uscc,
    )  # fmt: skip
    return account


@transaction.atomic
def _pay(account: SubAccount, payer: Organisation, *, at: dt.datetime) -> Credit:
    """The whole security paid into `account` from `payer`'s basic account (the bank's notification)."""
    credit = Credit.objects.create(
        sub_account=account, bank=BANK, transaction=f"T{account.organisation_id:08d}", sequence=account.pk,
        amount_fen=SECURITY_FEN, payer_name=payer.name, payer_account=f"6217{payer.pk:012d}", instant=at,
        late=False, source=CreditSource.NOTIFICATION, evidence={}, recorded_at=at,
    )  # fmt: skip
    section_event(
        SecuritiesEvents.CREDIT_RECORDED, account.section, None,
        {
            "credit": str(credit.uid), "sub_account": str(account.uid), "transaction": credit.transaction,
            "amount_fen": credit.amount_fen, "late": False, "source": CreditSource.NOTIFICATION,
        },
        organisation=account.organisation.uscc,
    )  # fmt: skip
    return credit


@transaction.atomic
def _guarantee(section: Section, bidder: Any, *, state: str, at: dt.datetime) -> Guarantee:
    """A guarantee applied for at an insurer of the bidder's choice; issued and accepted (with its
    document) or still under review."""
    issued = state == GuaranteeState.ISSUED
    organisation = bidder.organisation
    content = f"%PDF-1.4 保函 {organisation.uscc}".encode()
    document = blobs.store(content, "application/pdf") if issued else None
    cover_until = (section.bid_window.deadline + 120 * DAY).date()
    row = Guarantee.objects.create(
        section=section, organisation=organisation, issuer_code="TESTINS", issuer_kind="insurer",
        issuer_name="测试财产保险股份有限公司", application=f"APP{organisation.pk:08d}", state=state,
        amount_fen=SECURITY_FEN, cover_from=at.date(), cover_until=cover_until,
        number=f"BH{organisation.pk:08d}" if issued else "", document_sm3=document.sm3 if document else "",
        issued_at=at if issued else None, applied_by=bidder.user, applied_at=at, updated_at=at,
    )  # fmt: skip
    data = {"guarantee": str(row.uid), "issuer": row.issuer_code, "state": row.state}
    section_event(
        SecuritiesEvents.GUARANTEE_APPLIED, section, bidder.user, data | {"application": row.application},
        organisation=organisation.uscc,
    )  # fmt: skip
    if issued:
        section_event(
            SecuritiesEvents.GUARANTEE_ACCEPTED, section, bidder.user,
            data | {"number": row.number, "amount_fen": row.amount_fen, "document_sm3": row.document_sm3},
            organisation=organisation.uscc,
        )  # fmt: skip
    return row


def securities_world(stage: Any, rivals: list[Any], holder: Any, *, hidden: bool) -> dict[str, str]:
    """The securities of both worlds (the module's docstring), then the bank's days reconciled as the tick
    job does. Returns the uids the crawl probes guarantees with: a hidden one, or a fresh one."""
    section, now = stage.section, clock.now()
    responder = stage.bidders[1]
    _pay(_open(section, responder.organisation, responder.user, at=now), responder.organisation, at=now)
    probes = {"guarantee_uid": str(uuid.uuid4()), "pending_guarantee_uid": str(uuid.uuid4())}
    if hidden:
        earlier = now - 2 * DAY
        paid = [
            _pay(
                _open(section, rival.organisation, rival.user, at=earlier),
                rivals[0].organisation if n == 1 else rival.organisation,  # the second pays from the first's
                at=earlier + dt.timedelta(hours=1),
            )
            for n, rival in enumerate(rivals)
        ]
        _open(section, holder.organisation, holder.user, at=earlier)  # opened, nothing paid
        pending = _guarantee(section, rivals[1], state=GuaranteeState.UNDER_REVIEW, at=earlier)
        accepted = _guarantee(section, rivals[2], state=GuaranteeState.ISSUED, at=earlier)
        run = FlagRun.objects.create(section=section, computed_at=now, deposits=len(paid))
        flag = Flag.objects.create(
            run=run, section=section, kind=FlagKind.SAME_PAYER_ACCOUNT, basis="实施条例第四十条第（五）项",
            evidence={"account": "****" + str(paid[0].payer_account)[-4:],
                      "transactions": [c.transaction for c in paid[:2]]},
        )  # fmt: skip
        flag.organisations.set([rivals[0].organisation, rivals[1].organisation])
        probes = {"guarantee_uid": str(accepted.uid), "pending_guarantee_uid": str(pending.uid)}
    deposits.reconcile_due()
    return probes
