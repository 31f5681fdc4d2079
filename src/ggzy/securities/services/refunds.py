"""Refunds of deposits (退还保证金), by each regime's rules, through the bank (docs/bank-interface.md).

    refund_trigger(*, actor, section, trigger, organisation=None, at=None) -> list[Refund]
    refund_order(*, refund, actor=None) -> Refund
    refunds_due() -> int         tick job `securities.refunds`: order the due refunds, retry the unanswered
    refunds_overdue() -> int     tick job `securities.refunds_overdue`: alert once on each refund past due

| regime | trigger | period (calendar rule) | interest |
|---|---|---|---|
| engineering | contract signed | 5 days (招标投标法实施条例 §57) | the bank's deposit interest |
| engineering | withdrawn before the deadline | 5 days (§35) | the bank's deposit interest |
| engineering | terminated | promptly (§31; 5 days in practice) | the bank's deposit interest |
| procurement | award notice (bidders not awarded) | 5 working days (政府采购法实施条例 §33) | none on time |
| procurement | contract signed (the winner) | 5 working days (§33) | none on time |
| procurement | withdrawn before the deadline | 5 working days (财政部令第87号 §38 [verify]) | none on time |

A late procurement refund owes the overdue charge (`interest.overdue_charge_fen`, computed at payment; paid
by the purchaser outside the sub-account). The interest of an engineering refund is the platform's own
computation (`interest.owed_fen`) up to the day the refund is first ordered, fixed then (a retry asks the
same, so the bank's decision, taken once per refund id, is never contradicted); the bank's own figure
(`bank_interest_fen`) is compared with it. A refund is paid at most once: one standing refund per
sub-account (a refused one may be followed by a new one), the bank's id decided once."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.db import transaction
from django.db.models import Q

from ggzy.accounts.models import Organisation
from ggzy.calendar import calc
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import yuan
from ggzy.core.types import Actor, JSONDict
from ggzy.events.models import Event
from ggzy.registry.models import Section
from ggzy.securities import bank
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.event_types import SecuritiesEvents
from ggzy.securities.models import (
    Forfeiture,
    Purpose,
    Refund,
    RefundState,
    RefundTrigger,
    SubAccount,
)
from ggzy.securities.services import interest, requirements
from ggzy.securities.services.common import section_event
from ggzy.securities.services.deposits import (
    bank_refusal,
    business_day,
    parse_instant,
    plain,
)

logger = logging.getLogger(__name__)

REFUND_PATH = "/v1/refunds"
BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
#: How long an order in flight keeps the tick job off its row (longer than any request may take).
CLAIM = dt.timedelta(minutes=2)
ORDERS_PER_PASS = 50
ERROR_MAX = 300  # Refund.last_error

#: (regime, trigger) -> (the calendar rule of its period, the legal basis)
RULES: dict[tuple[str, str], tuple[str, str]] = {
    ("engineering", RefundTrigger.CONTRACT_SIGNED): (
        "security-refund-contract",
        "招标投标法实施条例 §57：书面合同签订后 5 日内退还投标保证金及银行同期存款利息",
    ),
    ("engineering", RefundTrigger.WITHDRAWN): (
        "security-refund-withdrawn",
        "招标投标法实施条例 §35：投标截止前书面撤回投标文件，自收到撤回通知之日起 5 日内退还",
    ),
    ("engineering", RefundTrigger.TERMINATED): (
        "security-refund-terminated",
        "招标投标法实施条例 §31：终止招标，及时退还所收取的投标保证金及银行同期存款利息",
    ),
    ("procurement", RefundTrigger.AWARD_NOTICE): (
        "procurement-security-refund-award",
        "政府采购法实施条例 §33：中标通知书发出后 5 个工作日内退还未中标供应商的投标保证金",
    ),
    ("procurement", RefundTrigger.CONTRACT_SIGNED): (
        "procurement-security-refund-contract",
        "政府采购法实施条例 §33：采购合同签订后 5 个工作日内退还中标供应商的投标保证金",
    ),
    ("procurement", RefundTrigger.WITHDRAWN): (
        "procurement-security-refund-withdrawn",
        "财政部令第87号 §38：投标截止前撤回投标文件，自收到撤回通知之日起 5 个工作日内退还（条文待核）",
    ),
}
#: The triggers that concern one bidder only (the caller names it).
ONE_BIDDER = frozenset({RefundTrigger.WITHDRAWN})


def _trigger_refused(reason: str) -> DomainError:
    return DomainError(SecuritiesError.REFUND_TRIGGER, detail={"reason": reason})


def balance_fen(sub_account: SubAccount) -> int:
    """What is in the sub-account by the platform's records: every credit (late ones too), less the
    principal of its paid refunds."""
    credited = sum(c.amount_fen for c in sub_account.credits.all())
    paid = sum(r.principal_fen for r in sub_account.refunds.filter(state=RefundState.PAID))
    return credited - paid


@transaction.atomic
def refund_trigger(
    *,
    actor: Actor | None,
    section: Section,
    trigger: str,
    organisation: Organisation | None = None,
    at: dt.datetime | None = None,
) -> list[Refund]:
    """The refunds `trigger` makes due on `section` at `at` (default now): one for each bid sub-account (or
    only `organisation`'s) with money in it, no forfeiture and no standing refund. Refused when the trigger
    is not one of the section's regime (REFUND_TRIGGER); for a named organisation, when its deposit was
    kept (FORFEITED), is refunded already (REFUND_DONE) or is empty (REFUND_NOTHING)."""
    regime = requirements.regime_of(section)
    found = RULES.get((regime, str(trigger)))
    if found is None:
        raise _trigger_refused(f"{trigger} is not a refund trigger of the {regime} rules")
    if trigger in ONE_BIDDER and organisation is None:
        raise _trigger_refused(f"{trigger} concerns one bidder: name it")
    at = at or clock.now()
    rule_code, basis = found
    if trigger == RefundTrigger.WITHDRAWN:
        account_deadline = (
            SubAccount.objects.filter(section=section, organisation=organisation, purpose=Purpose.BID)
            .values_list("deadline", flat=True)
            .first()
        )
        if account_deadline is not None and at >= account_deadline:
            raise _trigger_refused("a withdrawal after the deadline is no refund trigger")
    centre = section.tender_project.project.centre.code
    rule = calc.effective_rule(calc.rule_get(rule_code), centre)
    due_by = calc.period_end(at, rule).due_at
    accounts = SubAccount.objects.select_for_update().filter(section=section, purpose=Purpose.BID)
    if organisation is not None:
        accounts = accounts.filter(organisation=organisation)
    made: list[Refund] = []
    for account in accounts.order_by("id"):
        skip = _why_not(account)
        if skip is not None:
            if organisation is not None:
                raise DomainError(skip)
            continue
        made.append(_due(actor, account, str(trigger), basis, at, due_by, regime))
    if organisation is not None and not made:
        raise DomainError(SecuritiesError.REFUND_NOTHING)
    return made


def _why_not(account: SubAccount) -> SecuritiesError | None:
    if Forfeiture.objects.filter(sub_account=account).exists():
        return SecuritiesError.FORFEITED
    if account.refunds.exclude(state=RefundState.REFUSED).exists():
        return SecuritiesError.REFUND_DONE
    if balance_fen(account) <= 0:
        return SecuritiesError.REFUND_NOTHING
    return None


def _due(  # noqa: PLR0917  (one private step of refund_trigger)
    actor: Actor | None,
    account: SubAccount,
    trigger: str,
    basis: str,
    at: dt.datetime,
    due_by: dt.datetime,
    regime: str,
) -> Refund:
    first = account.credits.order_by("instant", "id").first()
    assert first is not None  # noqa: S101  (a positive balance has a credit)
    owed = interest.owed_fen(sub_account=account, to=business_day(at)) if regime == "engineering" else 0
    refund = Refund.objects.create(
        refund_id=f"R-{uuid.uuid4().hex}",
        sub_account=account,
        trigger=trigger,
        basis=basis,
        triggered_at=at,
        due_by=due_by,
        principal_fen=balance_fen(account),
        interest_fen=owed,
        to_name=plain(first.payer_name)[:200],  # 原路退还: back to the account it came from
        to_account=plain(first.payer_account),
    )
    section_event(
        SecuritiesEvents.REFUND_DUE,
        account.section,
        actor,
        {
            "refund": refund.refund_id,
            "sub_account": str(account.uid),
            "trigger": trigger,
            "basis": basis,
            "due_by": refund.due_by,
            "principal_fen": refund.principal_fen,
            "interest_fen": refund.interest_fen,
        },
        organisation=account.organisation.uscc,
    )
    return refund


# --- ordering from the bank ---------------------------------------------------------------------------


def backoff(tries: int) -> dt.timedelta:
    """1, 2, 4 … minutes after the tries so far, at most 6 hours."""
    return min(BACKOFF_FIRST * 2 ** max(0, tries - 1), BACKOFF_MAX)


def _claim(refund: Refund, actor: Actor | None) -> Refund:
    """Take the refund for one order under its row lock: fix its interest on the first order (the
    engineering regime's, up to today), count the try, keep other passes off it for CLAIM."""
    with transaction.atomic():
        row = Refund.objects.select_for_update().select_related("sub_account").get(pk=refund.pk)
        if row.state in (RefundState.PAID, RefundState.REFUSED):
            raise DomainError(SecuritiesError.REFUND_DONE, detail={"refund": row.refund_id})
        now = clock.now()
        if row.state == RefundState.DUE:
            if requirements.regime_of(row.sub_account.section) == "engineering":
                row.interest_fen = interest.owed_fen(sub_account=row.sub_account, to=business_day(now))
            row.state = RefundState.ORDERED
            if actor is not None and actor.is_authenticated:
                row.ordered_by = actor
        row.tries += 1
        row.next_try_at = now + CLAIM
        row.save()
        return row


def refund_order(*, refund: Refund, actor: Actor | None = None) -> Refund:
    """Order `refund` from the bank (asked outside any transaction) and record its signed decision:
    accepted → paid (with the bank's transaction and interest), refused → refused (with its reason; a new
    refund may follow). A refund paid or refused already: REFUND_DONE, nothing sent. No answer: the
    error and the next try are recorded, then BANK_UNAVAILABLE (or BANK_ANSWER) is raised."""
    row = _claim(refund, actor)
    account = row.sub_account
    fields = {
        "refund": row.refund_id,
        "sub_account": account.number,
        "to_account": plain(row.to_account),
        "to_name": plain(row.to_name)[:200],
        "principal_fen": row.principal_fen,
        "interest_fen": row.interest_fen,
        "reason": row.basis[:500],
    }
    try:
        target = bank.bank(account.bank)
        body, document = bank.ask_signed(target, "refund", REFUND_PATH, fields)
        _answer_check(body, fields)
    except bank.BankError as exc:
        _failed(row, str(exc))
        raise bank_refusal(exc) from exc
    return _decided(row, body, document)


def _answer_check(body: JSONDict, fields: JSONDict) -> None:
    """BankError `answer` unless the signed answer decides this very request."""
    problem = next(
        (
            f"the answer's {name} is not the request's"
            for name in ("refund", "sub_account", "principal_fen", "interest_fen")
            if body.get(name) != fields[name]
        ),
        "",
    )
    if not problem and body.get("outcome") not in ("accepted", "refused"):
        problem = "the answer has no outcome"
    if (
        not problem
        and body["outcome"] == "accepted"
        and (not isinstance(body.get("transaction"), str) or parse_instant(body.get("decided_at")) is None)
    ):
        problem = "an accepted refund without its transaction or time"
    if problem:
        raise bank.BankError("answer", problem)


def _failed(row: Refund, error: str) -> None:
    with transaction.atomic():
        locked = Refund.objects.select_for_update().get(pk=row.pk)
        if locked.state != RefundState.ORDERED:
            return
        locked.last_error = error[:ERROR_MAX]
        locked.next_try_at = clock.now() + backoff(locked.tries)
        locked.save(update_fields=["last_error", "next_try_at"])


def _decided(row: Refund, body: JSONDict, document: JSONDict) -> Refund:
    with transaction.atomic():
        locked = Refund.objects.select_for_update().select_related("sub_account__section").get(pk=row.pk)
        if locked.state in (RefundState.PAID, RefundState.REFUSED):
            return locked  # decided meanwhile (the statement, another pass): the bank decides once
        locked.answer = document
        locked.next_try_at = None
        bank_interest = body.get("bank_interest_fen")
        locked.bank_interest_fen = bank_interest if isinstance(bank_interest, int) else None
        regime = requirements.regime_of(locked.sub_account.section)
        differs = False
        if body["outcome"] == "accepted":
            paid_at = parse_instant(body["decided_at"])
            assert paid_at is not None  # noqa: S101  (checked in _answer_check)
            locked.state = RefundState.PAID
            locked.transaction = body["transaction"]
            locked.paid_at = paid_at
            locked.last_error = ""
            if regime == "procurement":
                locked.late_charge_fen = interest.overdue_charge_fen(
                    principal_fen=locked.principal_fen, days=overdue_days(locked.due_by, paid_at)
                )
            differs = regime == "engineering" and locked.bank_interest_fen != locked.interest_fen
            if differs:
                locked.last_error = (
                    f"interest differs: the platform's {locked.interest_fen} fen,"
                    f" the bank's {locked.bank_interest_fen} fen"
                )[:ERROR_MAX]
        else:
            locked.state = RefundState.REFUSED
            locked.last_error = str(body.get("reason") or "refused")[:ERROR_MAX]
        locked.save()
        section_event(
            SecuritiesEvents.REFUND_ORDERED,
            locked.sub_account.section,
            locked.ordered_by,
            {
                "refund": locked.refund_id,
                "outcome": body["outcome"],
                "reason": body.get("reason"),
                "transaction": locked.transaction,
                "principal_fen": locked.principal_fen,
                "interest_fen": locked.interest_fen,
                "bank_interest_fen": locked.bank_interest_fen,
                "interest_differs": differs,
                "late_charge_fen": locked.late_charge_fen,
            },
            organisation=locked.sub_account.organisation.uscc,
        )
    return locked


def overdue_days(due_by: dt.datetime, paid_at: dt.datetime) -> int:
    """Whole days a refund paid at `paid_at` is late for `due_by` (the end of its last day): 0 on time."""
    if paid_at <= due_by:
        return 0
    last_day = business_day(due_by - dt.timedelta(microseconds=1))
    return (business_day(paid_at) - last_day).days


def refunds_due() -> int:
    """Order each refund that is due (or whose last try went unanswered and is due again). The number of
    orders made."""
    now = clock.now()
    due = list(
        Refund.objects.filter(
            Q(state=RefundState.DUE) | Q(state=RefundState.ORDERED, next_try_at__lte=now)
        ).order_by("due_by", "id")[:ORDERS_PER_PASS]
    )
    made = 0
    for refund in due:
        try:
            refund_order(refund=refund)
        except DomainError as exc:
            logger.warning("refund %s not ordered: %s", refund.refund_id, exc.code)
        made += 1
    return made


def refunds_overdue() -> int:
    """Alert once (event REFUND_OVERDUE, for the supervisors and the centre) on each refund not paid by its
    due date. The number alerted."""
    now = clock.now()
    alerted = 0
    late = Refund.objects.filter(due_by__lt=now, overdue_alerted_at__isnull=True).exclude(
        state=RefundState.PAID
    )
    for refund in late.select_related("sub_account__section", "sub_account__organisation"):
        with transaction.atomic():
            locked = Refund.objects.select_for_update().get(pk=refund.pk)
            if locked.overdue_alerted_at is not None or locked.state == RefundState.PAID:
                continue
            locked.overdue_alerted_at = now
            locked.save(update_fields=["overdue_alerted_at"])
            event = section_event(
                SecuritiesEvents.REFUND_OVERDUE,
                refund.sub_account.section,
                None,
                {
                    "refund": refund.refund_id,
                    "state": locked.state,
                    "due_by": refund.due_by,
                    "principal_fen": refund.principal_fen,
                },
                organisation=refund.sub_account.organisation.uscc,
            )
            _overdue_tell(locked, refund.sub_account.section, event)
        alerted += 1
    return alerted


def _overdue_tell(refund: Refund, section: Section, event: Event) -> None:
    """Tell the centre's desk head and the supervisors of its region (inbox) that a refund is overdue."""
    from ggzy.accounts.selectors import supervisors_for
    from ggzy.events.notifications import Recipient, notify
    from ggzy.registry.escalation import desk_head

    centre = section.centre
    users = [*supervisors_for(centre.region), desk_head(centre)]
    recipients = [Recipient(user=u) for u in dict.fromkeys(u for u in users if u is not None)]
    if not recipients:
        return
    notify(
        template="securities.refund_overdue",
        recipients=recipients,
        context={
            "centre": centre.name,
            "section": section.code,
            "refund": refund.refund_id,
            "principal": yuan(refund.principal_fen),
            "due_by": f"{refund.due_by.astimezone(calc.SHANGHAI):%Y-%m-%d %H:%M}",
            "state": refund.get_state_display(),
            "basis": refund.basis,
        },
        event=event,
    )
