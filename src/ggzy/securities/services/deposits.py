"""Deposits through a bank (docs/bank-interface.md): the sub-account a bank opens for one bidder's security
on one section, the credits the bank notifies (signed, numbered), and the daily reconciliation against the
bank's final signed statement.

    sub_account_open(*, actor, section, organisation) -> SubAccount
    notification_receive(*, document) -> Credit        the bank's callback (public: its signature is its
                                                      authentication)
    statement_reconcile(*, bank_code, date) -> Statement
    reconcile_due() -> int                             the tick job `securities.reconcile`

The platform never counts a credit without a signed notification or a final signed statement. The bank is
asked outside any transaction (`bank.ask_signed`); what it answered is recorded afterwards in one transaction.
A notification is taken once per (bank, sequence) and once per (bank, transaction): the same one again (a
replay, a resend after a crash) returns the credit already held and changes nothing; the same sequence or
transaction with other content is refused as a conflict. Order does not matter. Refusals of what looks like
an attack are recorded as security events in their own transaction, with no payer named."""

from __future__ import annotations

import datetime as dt
import logging
import re
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from ggzy.accounts.models import Organisation
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.fields import Sealed
from ggzy.core.types import Actor, JSONDict
from ggzy.events.services import event_record
from ggzy.registry.models import Section
from ggzy.securities import bank
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.event_types import SecuritiesEvents
from ggzy.securities.models import (
    Credit,
    CreditSource,
    Purpose,
    Refund,
    RefundState,
    Statement,
    SubAccount,
)
from ggzy.securities.services.common import section_event
from ggzy.securities.services.requirements import requirement
from ggzy_sm import canonical
from ggzy_sm.sm3 import sm3

logger = logging.getLogger(__name__)

BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")
OPEN_PATH = "/v1/sub-accounts"
STATEMENT_PATH = "/v1/statement"
MAX_FEN = 2**53 - 1
#: Days reconciled per bank in one pass of the tick job (a long gap is caught up over several passes).
RECONCILE_PER_PASS = 10
#: A bank never reconciled is reconciled from this many days before today (it is reconciled every day after).
RECONCILE_FIRST_DAYS = 7
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_NUMBER = re.compile(r"[0-9]{12,32}")


# --- shared with refunds ------------------------------------------------------------------------------


def business_day(moment: dt.datetime) -> dt.date:
    """The bank's business day of an instant: its date in Asia/Shanghai."""
    return moment.astimezone(BUSINESS_ZONE).date()


def stamp(moment: dt.datetime) -> str:
    """An instant as the bank interface writes it (RFC 3339 UTC, microseconds, Z)."""
    return canonical.format_instant(moment.astimezone(dt.UTC))


def parse_instant(value: object) -> dt.datetime | None:
    """An interface instant (YYYY-MM-DDTHH:MM:SS.ffffffZ) as an aware datetime; None if it is not one."""
    if not isinstance(value, str) or not _INSTANT.fullmatch(value):
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def is_fen(value: object, least: int = 0) -> bool:
    """A whole number of fen as JSON gives it: an int (never a bool or a float), `least` to 2^53 − 1."""
    return isinstance(value, int) and not isinstance(value, bool) and least <= value <= MAX_FEN


def luhn_ok(number: str) -> bool:
    """The last digit of `number` is its Luhn (ISO/IEC 7812-1) check digit."""
    if not _NUMBER.fullmatch(number):
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:  # noqa: PLR2004
                value -= 9
        total += value
    return total % 10 == 0


def bank_refusal(exc: bank.BankError, *, statement: bool = False) -> DomainError:
    """The DomainError for a bank that could not be asked or whose answer cannot be trusted."""
    if exc.kind == "config":
        return DomainError(SecuritiesError.NO_BANK, detail={"reason": str(exc)})
    if exc.kind == "unavailable":
        return DomainError(SecuritiesError.BANK_UNAVAILABLE, detail={"reason": str(exc)})
    code = SecuritiesError.STATEMENT_INVALID if statement else SecuritiesError.BANK_ANSWER
    return DomainError(code, detail={"reason": str(exc)})


# --- opening a sub-account ----------------------------------------------------------------------------


def sub_account_open(*, actor: Actor | None, section: Section, organisation: Organisation) -> SubAccount:
    """The sub-account the deposit bank opened for `organisation`'s bid security on `section` (opened now
    if there is none: asked outside any transaction, recorded in one). Refused when the documents require
    no security or no deposit, after the deadline, or when no bank is configured."""
    existing = SubAccount.objects.filter(
        purpose=Purpose.BID, section=section, organisation=organisation
    ).first()
    if existing is not None:
        return existing
    need = requirement(section)
    if not need.required:
        raise DomainError(SecuritiesError.NONE_REQUIRED)
    if not need.deposit:
        raise DomainError(SecuritiesError.FORM_NOT_ALLOWED, detail={"forms": ", ".join(need.forms)})
    if need.deadline is None:
        raise DomainError(SecuritiesError.NO_DOCUMENTS)
    if clock.now() >= need.deadline:
        raise DomainError(SecuritiesError.DEADLINE_PASSED)
    try:
        target = bank.deposit_bank()
    except bank.BankError as exc:
        raise bank_refusal(exc) from exc
    if target is None:
        raise DomainError(SecuritiesError.NO_BANK)
    fields = {
        "section": section.code,
        "bidder": organisation.uscc,
        "required_fen": need.amount_fen,
        "deadline": stamp(need.deadline),
    }
    try:
        body, document = bank.ask_signed(target, "open", OPEN_PATH, fields)
    except bank.BankError as exc:
        raise bank_refusal(exc) from exc
    number = body.get("sub_account")
    problem = (
        "not a sub-account number"
        if not isinstance(number, str) or not luhn_ok(number)
        else "another section or bidder"
        if (body.get("section"), body.get("bidder")) != (fields["section"], fields["bidder"])
        else "another amount or deadline"
        if (body.get("required_fen"), body.get("deadline")) != (fields["required_fen"], fields["deadline"])
        else "not opened"
        if body.get("outcome") not in ("opened", "existing")
        else ""
    )
    if problem:
        raise DomainError(SecuritiesError.BANK_ANSWER, detail={"reason": problem})
    return _sub_account_record(
        actor=actor, section=section, organisation=organisation, target=target, number=str(number),
        need_fen=need.amount_fen, deadline=need.deadline, document=document,
    )  # fmt: skip


def _sub_account_record(
    *,
    actor: Actor | None,
    section: Section,
    organisation: Organisation,
    target: bank.Bank,
    number: str,
    need_fen: int,
    deadline: dt.datetime,
    document: JSONDict,
) -> SubAccount:
    try:
        with transaction.atomic():
            account = SubAccount.objects.create(
                purpose=Purpose.BID,
                section=section,
                organisation=organisation,
                bank=target.code,
                number=number,
                required_fen=need_fen,
                deadline=deadline,
                opened_at=clock.now(),
                opened_by=actor if actor is not None and actor.is_authenticated else None,
                answer=document,
            )
            section_event(
                SecuritiesEvents.SUB_ACCOUNT_OPENED,
                section,
                actor,
                {"sub_account": str(account.uid), "bank": target.code, "required_fen": need_fen},
                organisation=organisation.uscc,
            )
    except IntegrityError:  # opened meanwhile by another request: the bank answered the same number
        return SubAccount.objects.get(purpose=Purpose.BID, section=section, organisation=organisation)
    return account


# --- notifications of credits -------------------------------------------------------------------------


def _refusal_record(reason: str, **data: object) -> None:
    """A refused notification, recorded for the supervisors in its own transaction (no payer named)."""
    with transaction.atomic():
        event_record(type=SecuritiesEvents.NOTIFICATION_REFUSED, data={"reason": reason, **data})


def _refuse(code: SecuritiesError, reason: str, **data: object) -> DomainError:
    _refusal_record(reason, **data)
    return DomainError(code, detail={"reason": reason, **data})


def _fields(body: JSONDict) -> JSONDict | str:
    """The notification's fields checked (a dict), or what is wrong with them (a str)."""
    texts = {"transaction": 40, "sub_account": 64, "section": 64, "bidder": 64, "payer_name": 200}
    texts["payer_account"] = 40
    for name, most in texts.items():
        value = body.get(name)
        if not isinstance(value, str) or not 0 < len(value) <= most or value != value.strip():
            return f"{name} is not a text of 1 to {most} characters"
    if not is_fen(body.get("sequence"), least=1):
        return "sequence is not a whole number from 1"
    moment = parse_instant(body.get("instant"))
    if moment is None:
        return "instant is not YYYY-MM-DDTHH:MM:SS.ffffffZ"
    return {**body, "instant": moment}


def plain(value: object) -> str:
    """An encrypted field's plaintext for the platform's own use (a value just assigned: itself)."""
    if isinstance(value, Sealed):
        return value.decrypt_for_system()
    return str(value)


def _same(credit: Credit, fields: JSONDict) -> bool:
    return (
        credit.transaction == fields["transaction"]
        and credit.sequence == fields["sequence"]
        and credit.sub_account.number == fields["sub_account"]
        and credit.amount_fen == fields["amount_fen"]
        and credit.instant == fields["instant"]
        and plain(credit.payer_name) == fields["payer_name"]
        and plain(credit.payer_account) == fields["payer_account"]
    )


def _held(code: str, fields: JSONDict) -> list[Credit]:
    return list(
        Credit.objects.filter(bank=code, transaction=fields["transaction"]).select_related("sub_account")
    ) + list(
        Credit.objects.filter(bank=code, sequence=fields["sequence"])
        .exclude(transaction=fields["transaction"])
        .select_related("sub_account")
    )


def notification_receive(*, document: object) -> Credit:
    """A bank's signed notification of a credit (入账通知), recorded once: its Credit. The same
    notification again returns the credit held and changes nothing. Refused (DomainError, a security
    event recorded, nothing else written): not signed by a pinned bank, malformed or an amount that is not
    whole fen, for a sub-account the platform did not open for that section and bidder, or contradicting a
    notification held (the same sequence or transaction, other content)."""
    try:
        target, body = bank.notification_open(document)
    except bank.BankError as exc:
        if exc.kind == "config":
            raise bank_refusal(exc) from exc
        raise _refuse(SecuritiesError.NOTIFICATION_SIGNATURE, "signature", message=str(exc)) from exc
    where = {"bank": target.code}
    if not is_fen(body.get("amount_fen"), least=1):
        raise _refuse(SecuritiesError.AMOUNT_INVALID, "amount", **where)
    checked = _fields(body)
    if isinstance(checked, str):
        raise _refuse(SecuritiesError.NOTIFICATION_MALFORMED, "malformed", message=checked, **where)
    fields = checked
    where.update(sequence=fields["sequence"], transaction=fields["transaction"])
    account = (
        SubAccount.objects.filter(bank=target.code, number=fields["sub_account"])
        .select_related("section", "organisation")
        .first()
    )
    if (
        account is None
        or account.section.code != fields["section"]
        or account.organisation.uscc != fields["bidder"]
    ):
        raise _refuse(SecuritiesError.NOTIFICATION_SUB_ACCOUNT, "sub_account", **where)
    for _attempt in range(2):
        held = _held(target.code, fields)
        if held:
            if all(_same(credit, fields) for credit in held):
                return held[0]  # a replay: nothing changes
            raise _refuse(SecuritiesError.NOTIFICATION_CONFLICT, "conflict", **where)
        try:
            return credit_record(
                account=account,
                fields=fields,
                source=CreditSource.NOTIFICATION,
                evidence=dict(document) if isinstance(document, dict) else {},
            )
        except IntegrityError:  # the same one recorded meanwhile: look again
            continue
    raise _refuse(SecuritiesError.NOTIFICATION_CONFLICT, "conflict", **where)


def credit_record(*, account: SubAccount, fields: JSONDict, source: str, evidence: JSONDict) -> Credit:
    """Record one credit on `account` (fields: transaction, sequence, amount_fen, payer_name,
    payer_account, instant) with event CREDIT_RECORDED, in one transaction."""
    with transaction.atomic():
        moment: dt.datetime = fields["instant"]
        credit = Credit.objects.create(
            sub_account=account,
            bank=account.bank,
            transaction=fields["transaction"],
            sequence=fields.get("sequence"),
            amount_fen=fields["amount_fen"],
            payer_name=fields["payer_name"],
            payer_account=fields["payer_account"],
            instant=moment,
            late=moment >= account.deadline,
            source=source,
            evidence=evidence,
            recorded_at=clock.now(),
        )
        section_event(
            SecuritiesEvents.CREDIT_RECORDED,
            account.section,
            None,
            {
                "credit": str(credit.uid),
                "sub_account": str(account.uid),
                "transaction": credit.transaction,
                "amount_fen": credit.amount_fen,
                "late": credit.late,
                "source": source,
            },
            organisation=account.organisation.uscc,
        )
    return credit


# --- the day's statement ------------------------------------------------------------------------------


def _mismatch(kind: str, **detail: object) -> JSONDict:
    return {"kind": kind, **detail}


def _entry_problem(entry: object) -> str:
    if not isinstance(entry, dict):
        return "an entry is not an object"
    if entry.get("kind") not in ("credit", "refund"):
        return "an entry's kind is not credit or refund"
    if not isinstance(entry.get("transaction"), str) or not isinstance(entry.get("sub_account"), str):
        return "an entry has no transaction or sub-account"
    if not is_fen(entry.get("amount_fen")) or not is_fen(entry.get("interest_fen")):
        return "an entry's amount is not whole fen"
    if parse_instant(entry.get("instant")) is None:
        return "an entry's instant is malformed"
    return ""


def statement_reconcile(*, bank_code: str, date: dt.date) -> Statement:
    """Reconcile the bank's final signed statement of business day `date` (once per bank and day: asked
    again, the Statement held). A credit the platform lacks is recorded from it; a credit or refund that
    differs, or that one side lacks, is a mismatch (kind, transaction or refund, amounts — no payer)."""
    held = Statement.objects.filter(bank=bank_code, date=date).first()
    if held is not None:
        return held
    try:
        target = bank.bank(bank_code)
        body, document = bank.ask_signed(target, "statement", STATEMENT_PATH, {"date": date.isoformat()})
    except bank.BankError as exc:
        raise bank_refusal(exc, statement=True) from exc
    entries, totals = body.get("entries"), body.get("totals")
    problem = (
        "not the statement of that day"
        if body.get("date") != date.isoformat()
        else "the day is not final yet"
        if body.get("final") is not True
        else "malformed entries or totals"
        if not isinstance(entries, list) or not isinstance(totals, dict)
        else next((p for p in map(_entry_problem, entries) if p), "")
    )
    if problem:
        raise DomainError(SecuritiesError.STATEMENT_INVALID, detail={"reason": problem})
    assert isinstance(entries, list)  # noqa: S101  (checked above)
    assert isinstance(totals, dict)  # noqa: S101
    with transaction.atomic():
        if (again := Statement.objects.filter(bank=bank_code, date=date).first()) is not None:
            return again
        digest = sm3(canonical.dumps(document)).hex()
        mismatches: list[JSONDict] = []
        credits_seen: set[str] = set()
        refunds_seen: set[str] = set()
        for entry in entries:
            if business_day(parse_instant(entry["instant"]) or clock.now()) != date:
                mismatches.append(_mismatch("wrong_day", transaction=entry["transaction"]))
            if entry["kind"] == "credit":
                credits_seen.add(entry["transaction"])
                outcome = _credit_entry(target.code, entry, digest, date)
                if isinstance(outcome, dict):
                    mismatches.append(outcome)
            else:
                refunds_seen.add(entry["transaction"])
                if (found := _refund_entry(entry, date)) is not None:
                    mismatches.append(found)
        mismatches.extend(_missing(target.code, date, credits_seen, refunds_seen))
        mismatches.extend(_totals(entries, totals))
        statement = Statement.objects.create(
            bank=bank_code,
            date=date,
            document=document,
            sm3=digest,
            mismatches=mismatches,
            reconciled_at=clock.now(),
        )
        event_record(
            type=SecuritiesEvents.STATEMENT_RECONCILED,
            data={
                "bank": bank_code,
                "date": date.isoformat(),
                "sm3": digest,
                "mismatches": len(mismatches),  # how many entries or credits do not agree: never who paid
            },
        )
    return statement


def _credit_entry(code: str, entry: JSONDict, digest: str, date: dt.date) -> JSONDict | str | None:
    """None: the platform holds the same credit; "recorded": recorded from the statement; else a mismatch."""
    transaction_id = entry["transaction"]
    held = Credit.objects.filter(bank=code, transaction=transaction_id).select_related("sub_account").first()
    if held is not None:
        if held.amount_fen != entry["amount_fen"] or held.sub_account.number != entry["sub_account"]:
            return _mismatch(
                "credit_differs",
                transaction=transaction_id,
                statement_fen=entry["amount_fen"],
                platform_fen=held.amount_fen,
            )
        return None
    account = (
        SubAccount.objects.filter(bank=code, number=entry["sub_account"])
        .select_related("section", "organisation")
        .first()
    )
    if (
        account is None
        or account.section.code != entry.get("section")
        or account.organisation.uscc != entry.get("bidder")
    ):
        return _mismatch(
            "credit_unknown_sub_account", transaction=transaction_id, amount_fen=entry["amount_fen"]
        )
    sequence = entry.get("sequence")
    sequence = sequence if is_fen(sequence, least=1) else None
    names = (entry.get("payer_name"), entry.get("payer_account"))
    if entry["amount_fen"] < 1 or not all(isinstance(n, str) and n for n in names):
        return _mismatch("credit_malformed", transaction=transaction_id)
    if sequence is not None and Credit.objects.filter(bank=code, sequence=sequence).exists():
        return _mismatch("credit_sequence_conflict", transaction=transaction_id, sequence=sequence)
    credit_record(
        account=account,
        fields={
            "transaction": transaction_id,
            "sequence": sequence,
            "amount_fen": entry["amount_fen"],
            "payer_name": names[0],
            "payer_account": names[1],
            "instant": parse_instant(entry["instant"]),
        },
        source=CreditSource.STATEMENT,
        evidence={"statement_sm3": digest, "date": date.isoformat(), "entry": entry},
    )
    return "recorded"


def _refund_entry(entry: JSONDict, date: dt.date) -> JSONDict | None:
    refund = (
        Refund.objects.select_for_update()
        .filter(refund_id=entry.get("refund"), sub_account__number=entry["sub_account"])
        .first()
    )
    if refund is None:
        return _mismatch("refund_unknown", transaction=entry["transaction"], amount_fen=entry["amount_fen"])
    if (
        refund.principal_fen != entry["amount_fen"]
        or refund.interest_fen != entry["interest_fen"]
        or (refund.transaction and refund.transaction != entry["transaction"])
    ):
        return _mismatch(
            "refund_differs",
            refund=refund.refund_id,
            transaction=entry["transaction"],
            statement_fen=entry["amount_fen"],
            statement_interest_fen=entry["interest_fen"],
            platform_fen=refund.principal_fen,
            platform_interest_fen=refund.interest_fen,
        )
    refund.reconciled_on = date
    changed = ["reconciled_on"]
    if refund.state != RefundState.PAID:  # the bank paid it; the platform had not recorded the answer
        refund.state = RefundState.PAID
        refund.transaction = entry["transaction"]
        refund.paid_at = parse_instant(entry["instant"])
        refund.next_try_at = None
        changed += ["state", "transaction", "paid_at", "next_try_at"]
    refund.save(update_fields=changed)
    return None


def _missing(code: str, date: dt.date, credits_seen: set[str], refunds_seen: set[str]) -> list[JSONDict]:
    """The platform's credits and paid refunds of that day at that bank that the statement lacks."""
    start = dt.datetime.combine(date, dt.time(0), BUSINESS_ZONE)
    end = start + dt.timedelta(days=1)
    found = [
        _mismatch("credit_missing", transaction=c.transaction, amount_fen=c.amount_fen)
        for c in Credit.objects.filter(bank=code, instant__gte=start, instant__lt=end)
        if c.transaction not in credits_seen
    ]
    found += [
        _mismatch("refund_missing", refund=r.refund_id, transaction=r.transaction, amount_fen=r.principal_fen)
        for r in Refund.objects.filter(
            sub_account__bank=code, state=RefundState.PAID, paid_at__gte=start, paid_at__lt=end
        )
        if r.transaction not in refunds_seen
    ]
    return found


def _totals(entries: list[JSONDict], totals: JSONDict) -> list[JSONDict]:
    ins = [e for e in entries if e["kind"] == "credit"]
    outs = [e for e in entries if e["kind"] == "refund"]
    expected = {
        "credits": len(ins),
        "credited_fen": sum(e["amount_fen"] for e in ins),
        "refunds": len(outs),
        "refunded_fen": sum(e["amount_fen"] for e in outs),
        "interest_fen": sum(e["interest_fen"] for e in outs),
    }
    wrong = {k: v for k, v in expected.items() if totals.get(k) != v}
    opening, closing = totals.get("opening_balance_fen"), totals.get("closing_balance_fen")
    if not (is_fen(opening) and is_fen(closing)) or (
        opening + expected["credited_fen"] - expected["refunded_fen"] != closing
    ):
        wrong["closing_balance_fen"] = closing
    return [_mismatch("totals", detail=sorted(wrong))] if wrong else []


# --- the tick job -------------------------------------------------------------------------------------


def reconcile_due() -> int:
    """Reconcile, for each configured bank, every business day up to yesterday not reconciled yet: from the
    day after its last reconciled day, or — for a bank never reconciled — the RECONCILE_FIRST_DAYS days up
    to yesterday (at most RECONCILE_PER_PASS a bank a pass; a bank that cannot be asked or whose day is not
    final is left for the next pass). Every day is reconciled whether or not anyone paid into the bank: that
    a day was reconciled must not tell who opened a sub-account before the opening (the differential
    crawl). The days reconciled."""
    try:
        targets = bank.banks()
    except bank.BankError:
        return 0
    yesterday = business_day(clock.now()) - dt.timedelta(days=1)
    done = 0
    for code in targets:
        last = Statement.objects.filter(bank=code).order_by("-date").values_list("date", flat=True).first()
        day = last + dt.timedelta(days=1) if last else yesterday - dt.timedelta(days=RECONCILE_FIRST_DAYS - 1)
        count = 0
        while day <= yesterday and count < RECONCILE_PER_PASS:
            try:
                statement_reconcile(bank_code=code, date=day)
            except DomainError as exc:
                logger.warning("bank %s, %s not reconciled: %s", code, day, exc.code)
                break
            count += 1
            day += dt.timedelta(days=1)
        done += count
    return done
