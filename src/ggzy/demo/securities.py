"""The demo's bid securities (投标保证金, standard 11.2.6; docs/securities.md), made through the services the
bidders' pages call, with the demo bank and the demo guarantee issuers running as their own processes
(`ggzy.demo.bank.running`, `ggzy.demo.guarantees.running`), on the sandbox history clock, in two steps:
`load` (the deposits and a sealed bid) after the tender documents and before the objections' last hours,
so that the days the transfers are booked on are over by the bank's clock; `finish` after the objections,
which postpone the open tender's deadline — a guarantee covers the bid validity counted from the deadline in
force when it is applied for (实施条例 §26), and one applied for before the postponement would no longer
cover it — with the withdrawal and its refund.

The engineering open tender (the Guanyinge reservoir's first section; its documents ask a bid security of
1 % of the budget in cash, a bank guarantee or guarantee insurance; its deadline is weeks ahead) shows every
status a bidder's security has before its deadline:

* **paid in full** — 天成建设 (`bidder`): its sub-account opened by the bank (`sub_account_open`), the
  transfer from its basic account booked at the bank (the bank's test control stands for the bidder's own
  bank), the credit recorded by reconciling the bank's final signed statement of that day
  (`statement_reconcile`) — the real path while `ggzy serve` is not running: the bank keeps its signed
  notifications and sends them once the platform listens, and they change nothing then;
* **insufficient** — 华宇路桥 (`bidder-hylq`): half the amount, the same way;
* **an accepted guarantee** — 鑫盛建筑 (`bidder-xsjz`): applied to the demo insurer (`guarantee_apply`),
  approved, the premium paid (the issuer's test controls stand for its reviewer and the applicant's
  payment), then asked again (`guarantee_refresh`): issued, checked and accepted;
* **pending** — 恒基建设 (`bidder-hjjs`): applied to the demo guarantee company, approved, its premium not
  paid yet;
* **rejected** — 港湾建设 (`bidder-ghjs`): applied to the demo bank, whose review rules refuse it (set
  through the bank issuer's test control): no security given;
* **refunded with interest** — 北方建设 (`bidder-bfjs`): paid in full, submitted a sealed bid (as
  `ggzy-bid submit` does: `ggzy.demo.sealing`), then withdrew it before the deadline (the sealing service);
  its deposit is due back within 5 days with the bank's deposit interest (招标投标法实施条例 §35,
  `refund_trigger`) and ordered from the bank by the centre's staff (`refund_order`) once the history is
  written (`order_refunds`), on the present clock, which is the bank's own: the platform counts the interest
  to its today and the bank to its own, and the two agree to the fen (the history's last hour may lie on
  the day before the bank's today). The refund's day is reconciled by the tick once it is over
  (`securities.reconcile`).

Holding the documents comes first: 恒基建设, 港湾建设 and 北方建设 obtain them here (the tendering demo has
three holders), so with the securities the open tender has six. The bank issuer's refuse list keeps
港湾建设 in the demo's simulator state.

The days the transfers are booked on must be final by the bank's own (real) clock before their statement
can be reconciled: the transfers are booked on the history clock, at instants of a day before the real
today. If the history leaves no such room (run very early in the day), the credits stay with the bank and
the tick's `securities.reconcile` records them once the days are final.

A **procurement trade whose deadline passes in the history** (`Trade`; a competitive consultation in
Shenyang, 浑南区中小学食堂厨房设备采购, its documents asking a 磋商保证金 of ¥20,000 by transfer, bank
guarantee or guarantee insurance) shows the rest. Its first steps run on the month of service's schedule
(`plan`, called by `demo_load` before the registrations: the clock passes the whole month there), inside the
demo's first transaction, the demo bank running for each step:

* as the month starts, the Shenyang desk serves procurement (as the registrations' set-up says again
  later), the plan is entrusted to the agency, the registration filed and accepted, and the announcement
  (竞争性磋商公告) scheduled minutes ahead with a deadline 20 days on (the procurement notices' rule,
  政府采购法 §35 — the platform applies it to every procurement notice, the consultation's own 10 days
  included), on a working day at 09:30;
* once published: recorded by the tick (its bid window set), the documents issued, obtained by six
  suppliers, their sub-accounts opened, and five deposits paid at once — 远大智能 from its own account,
  东方机电 from its own account, 顺达物资 **from 东方机电's account** (same payer account, and a payer not
  the bidder), 新兴市政 **paid by its parent company** (a payer not the bidder), 天成建设 from its own;
* the next working day: that day's final statement reconciled, and 天成建设 **withdraws in writing** before
  the deadline — synthetic (it stands for a sealed bid's withdrawal, which the sealing service cannot
  record inside the demo's first transaction): its deposit is due back within 5 working days
  (`refund_trigger`, WITHDRAWN).

Its end runs in `finish`, on the history's last day, after the deadline: 华宇路桥 **pays after the deadline**
(booked at the bank minutes after it: a late credit, recorded from the final statement of that day once the
bank's own clock has ended it), the §40 **payer flags** computed (`flags_compute`: same payer account —
东方机电 and 顺达物资; payer not the bidder — 顺达物资, 新兴市政; procurement has no basic-account rule), then
an **award notice — synthetic** (the results come in a later issue) standing for the 成交通知书 to 远大智能:
the four others' deposits fall due within 5 working days (`refund_trigger`, AWARD_NOTICE, each named) and
are ordered from the bank at once — **on time, without interest** (procurement pays none on time; the
bank's own figure is not compared). The withdrawn deposit is ordered only now, weeks after its period ended:
**late, with the overdue charge** (`late_charge_fen`, computed from the day the bank pays it, by its real
clock). The winner's deposit waits for the contract. These need a deadline before the real today: when the
demo runs too late in a month with holidays, the late deposit is left out (its day would not be final).

Without GGZY_DEMO_BANK_DIR and GGZY_BANKS (and the sandbox), nothing is done; without
GGZY_DEMO_GUARANTEE_DIR and GGZY_GUARANTEE_ISSUERS, no guarantees; without the demo CAs (no sealed bids),
no withdrawal. Idempotent: a second run finds sub-accounts (`load`), guarantees or refunds (`finish`) and
does nothing; the trade is planned once (a second run finds its section) and finished once (finds its
award refunds)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from ggzy.accounts import parties
from ggzy.accounts.models import Centre, Organisation
from ggzy.accounts.selectors import organisations_of
from ggzy.calendar.calc import SHANGHAI, Calendar
from ggzy.core import clock
from ggzy.core.types import Actor
from ggzy.demo import bank as demo_bank
from ggzy.demo import guarantees as demo_guarantees
from ggzy.demo import notices as demo_notices
from ggzy.demo import objections as demo_objections
from ggzy.demo import registrations as demo_registrations
from ggzy.demo import sealing as demo_sealing
from ggzy.demo import tendering as demo_tendering
from ggzy.demo.history import Days, History, Later
from ggzy.demo.registrations_data import SERVED
from ggzy.notices import services as notices_services
from ggzy.notices.models import NoticeType
from ggzy.registry import services as registry_services
from ggzy.registry.models import RegistrationChannel, Section, TenderProject, TradingCategory
from ggzy.registry.services import SectionIn, TenderProjectIn
from ggzy.sealing import services as sealing_services
from ggzy.sealing.models import BidState, SealedBid
from ggzy.sealing.services import current_cset
from ggzy.securities import bank
from ggzy.securities import selectors as securities_selectors
from ggzy.securities.models import (
    Credit,
    Flag,
    Guarantee,
    GuaranteeState,
    Purpose,
    Refund,
    RefundState,
    RefundTrigger,
    Statement,
    SubAccount,
)
from ggzy.securities.services import deposits, flags, guarantees, refunds
from ggzy.securities.services.requirements import requirement
from ggzy.tendering import selectors as tendering_selectors
from ggzy.tendering import services as tendering
from ggzy.tendering.models import DocumentsHolder, TenderDocuments

if TYPE_CHECKING:
    from ggzy.demo.service import Loader as MonthOfService

#: Hours between two steps (six minutes).
STEP = 0.1
#: Who pays into a sub-account: username, share of the amount required (‰), the payer's account (the
#: bidder's basic account, as its market-entity library records it: `ggzy.demo.library`).
DEPOSITS = (
    ("bidder", 1000, "21050111012300000618"),  # paid in full
    ("bidder-hylq", 500, "3301008709200156721"),  # insufficient: half
)
#: Who pays in full, submits a sealed bid, then withdraws it before the deadline: its deposit is refunded
#: with the bank's deposit interest (招标投标法实施条例 §35); its payer account, its share of the budget (‱).
WITHDRAWS = ("bidder-bfjs", "0712001109000218866", 9450)
#: Who applies for a guarantee: username, issuer kind, what becomes of it.
GUARANTEES = (
    ("bidder-xsjz", "insurer", "accepted"),  # approved, premium paid, issued and accepted
    ("bidder-hjjs", "guarantor", "pending"),  # approved, premium not paid
    ("bidder-ghjs", "bank", "rejected"),  # refused by the bank's review rules
)
#: How long the admin controls may take, seconds.
TIMEOUT = 10


def _admin(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A simulator's test control (unsigned JSON; `serve --test-controls`): its answer. A simulator that
    does not answer, or refuses, stops the demo with what went wrong."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url + path, data=data, method="POST")  # noqa: S310  (a demo simulator)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise CommandError(f"The demo simulator at {url} did not do {path} ({exc}).") from exc
    return answer


def open_tender_section() -> Section | None:
    """The open tender's section (the Guanyinge reservoir's first), if its documents are issued."""
    guanyinge = demo_notices._tender_project("guanyinge")  # noqa: SLF001  (named the same way)
    section = guanyinge.sections.order_by("code").first() if guanyinge is not None else None
    if section is None or tendering_selectors.documents_of_section(section) is None:
        return None
    return section


def _banks_wanted() -> bool:
    return bool(settings.GGZY_SANDBOX and settings.GGZY_DEMO_BANK_DIR and bank.configured())


def _issuers_wanted() -> bool:
    return bool(settings.GGZY_SANDBOX and settings.GGZY_DEMO_GUARANTEE_DIR and demo_guarantees.configured())


class Loader:
    """One pass: `later(hours)` moves the history clock (or does nothing)."""

    def __init__(self, later: Later, section: Section, *, room: dt.datetime) -> None:
        self.later = later
        self.section = section
        self.room = room  # the steps stay before it
        # a bank day is final once it ended by the bank's (real) clock: book before the real today
        today = clock.authority_now().astimezone(SHANGHAI).date()
        self.final_before = dt.datetime.combine(today, dt.time(0, 0), tzinfo=SHANGHAI)
        self.days: set[dt.date] = set()
        self.user: dict[str, Actor] = {}
        self.organisation: dict[str, Organisation] = {}
        names = [u for u, *_rest in DEPOSITS] + [u for u, *_rest in GUARANTEES] + [WITHDRAWS[0], "staff"]
        for user in get_user_model().objects.filter(username__in=names):
            self.user[user.username] = user
            found = organisations_of(user=user).first()
            if found is not None:
                self.organisation[user.username] = found

    def _moves(self, hours: float) -> bool:
        return History.running is not None and clock.now() + dt.timedelta(hours=hours) < self.room

    def step(self) -> None:
        if self._moves(STEP):
            self.later(STEP)

    def morning(self) -> None:
        """To 09:00 of the history's day, when that is still ahead, leaves room for the steps and is a
        day the bank's statement is final for."""
        now = clock.local_now()
        nine = dt.datetime.combine(now.date(), dt.time(9, 0), tzinfo=SHANGHAI)
        hours = (nine - clock.now()).total_seconds() / 3600
        if (
            hours > 0
            and nine + dt.timedelta(hours=2) < min(self.room, self.final_before)
            and self._moves(hours)
        ):
            self.later(hours)

    def obtain(self) -> None:
        """The bidders giving a security hold the documents (those that do not yet obtain them)."""
        documents = tendering_selectors.documents_of_section(self.section)
        assert documents is not None  # noqa: S101  (open_tender_section said so)
        for username, organisation in self.organisation.items():
            if not DocumentsHolder.objects.filter(documents=documents, organisation=organisation).exists():
                tendering.documents_obtain(
                    actor=self.user[username], documents=documents, organisation_id=organisation.pk
                )
                self.step()

    def deposit(self, username: str, permille: int, account: str) -> None:
        """The sub-account opened, the transfer booked by the bank at the history's now."""
        organisation = self.organisation[username]
        opened = deposits.sub_account_open(
            actor=self.user[username], section=self.section, organisation=organisation
        )
        self.step()
        url = bank.configured()[opened.bank]
        at = clock.now()
        _admin(
            url,
            "/v1/admin/pay",
            {
                "sub_account": opened.number,
                "payer_name": organisation.name,
                "payer_account": account,
                "amount_fen": opened.required_fen * permille // 1000,
                "instant": deposits.stamp(at),
            },
        )
        self.days.add(deposits.business_day(at))
        self.step()

    def guarantee(self, username: str, kind: str, outcome: str, issuers: dict[str, str]) -> None:
        code = next(c for c in issuers if demo_guarantees.ISSUERS[c][0] == kind)
        url = issuers[code]
        organisation = self.organisation[username]
        if outcome == "rejected":  # the issuer's own review rules refuse this applicant at once
            rules = _admin(url, "/v1/admin/rules", {})["rules"]
            refused = sorted({*rules.get("refused_applicants", []), organisation.uscc})
            _admin(url, "/v1/admin/rules", {"refused_applicants": refused})
        applied = guarantees.guarantee_apply(
            actor=self.user[username], section=self.section, organisation=organisation, issuer_code=code
        )
        self.step()
        if outcome != "accepted":
            return
        if applied.state == GuaranteeState.UNDER_REVIEW:  # the issuer's reviewer approves it
            _admin(url, "/v1/admin/review", {"application": applied.application, "decision": "approve",
                                             "reason": "资信良好，同意承保"})  # fmt: skip
        _admin(url, "/v1/admin/pay", {"application": applied.application})  # the applicant pays the premium
        guarantees.guarantee_refresh(guarantee=applied)
        self.step()

    def reconcile(self) -> None:
        """Each day the transfers were booked on, once the bank's statement of it is final."""
        for code in bank.configured():
            for day in sorted(self.days):
                if dt.datetime.combine(day, dt.time(0, 0), tzinfo=SHANGHAI) < self.final_before:
                    deposits.statement_reconcile(bank_code=code, date=day)

    def bid(self, username: str, share: int) -> None:
        """A sealed bid, submitted as `ggzy-bid submit` does (`ggzy.demo.sealing`): only with the demo CAs'
        keys and the centre's custodian set, as the demo's other sealed bids."""
        cset = current_cset(self.section.centre)
        if not settings.GGZY_DEMO_CA_DIR or cset is None:
            return
        with tempfile.TemporaryDirectory() as work:
            bidders = demo_sealing._Bidders(Path(work), {self.section.centre_id: cset})  # noqa: SLF001
            bidders.receive(username, self.section, share, 9)
        self.step()

    def withdraw(self, username: str) -> None:
        """The bid withdrawn before the deadline (撤回, in writing: the sealing service), the deposit due back
        within 5 days with the bank's deposit interest (`refund_trigger`); `order_refunds` orders it."""
        bid = SealedBid.objects.filter(
            section=self.section, submitted_by=self.user[username], state=BidState.RECEIVED
        ).first()
        if bid is None:
            return  # no sealed bids in this demo (no demo CAs)
        bid = sealing_services.bid_withdraw(actor=self.user[username], bid=bid)
        self.step()
        refunds.refund_trigger(
            actor=self.user[username],
            section=self.section,
            trigger=RefundTrigger.WITHDRAWN,
            organisation=self.organisation[username],
            at=bid.withdrawn_at,
        )

    def run_deposits(self) -> None:
        self.morning()
        self.obtain()
        for username, permille, account in DEPOSITS:
            self.deposit(username, permille, account)
        username, account, share = WITHDRAWS
        self.deposit(username, 1000, account)
        self.bid(username, share)
        self.reconcile()

    def run_later(self, issuers: dict[str, str]) -> None:
        for username, kind, outcome in GUARANTEES:
            if any(demo_guarantees.ISSUERS[c][0] == kind for c in issuers):
                self.guarantee(username, kind, outcome, issuers)
        if _banks_wanted() and SubAccount.objects.filter(section=self.section).exists():
            self.withdraw(WITHDRAWS[0])


def load(*, later: Later) -> None:
    """The demo's deposits, once (`later` moves the history clock), after the tender documents and before
    the objections' last hours (their days must be final by the bank's clock); nothing without the demo
    bank."""
    if not _banks_wanted():
        return  # no demo bank
    section = open_tender_section()
    if section is None or SubAccount.objects.filter(section=section).exists():
        return  # no tender documents (--parties-only), or loaded before
    with demo_bank.running():
        Loader(later, section, room=Days(later).end - demo_objections.SPAN).run_deposits()


def finish(*, later: Later) -> None:
    """After the objections, which postpone the open tender's deadline: the guarantees (one covers the bid
    validity counted from the deadline in force when it is applied for; one applied for before the
    postponement would no longer cover it) and the withdrawal with its refund due (`order_refunds` orders
    it once the history is written). Once; nothing without the demo bank or issuers."""
    section = open_tender_section()
    if section is None:
        return
    if _banks_wanted() and trade_section() is not None:
        with demo_bank.running():
            Trade().finish()
    if (
        Guarantee.objects.filter(section=section).exists()
        or Refund.objects.filter(sub_account__section=section).exists()
    ):
        return  # loaded before
    issuers = {c: url for c, url in demo_guarantees.configured().items() if c in demo_guarantees.ISSUERS}
    issuers = issuers if _issuers_wanted() else {}
    with ExitStack() as running:
        if _banks_wanted():
            running.enter_context(demo_bank.running())
        if issuers:
            running.enter_context(demo_guarantees.running())
        Loader(later, section, room=Days(later).end).run_later(issuers)


#: Not ordered this close before the bank's midnight: the platform's day and the bank's would differ.
MIDNIGHT_GUARD = dt.timedelta(seconds=30)


def order_refunds() -> None:
    """The open tender's refunds still due, ordered from the bank by the centre's staff (`refund_order`) on
    the present clock — after the history, whose last hour may lie on the day before the bank's today: the
    bank pays each and says what interest it owes to its today, the fen the platform counts to its own (not
    within `MIDNIGHT_GUARD` of midnight: it waits the seconds out). Nothing without the demo bank."""
    section = open_tender_section()
    if section is None or not _banks_wanted():
        return
    due = list(Refund.objects.filter(sub_account__section=section, state=RefundState.DUE).order_by("id"))
    staff = get_user_model().objects.filter(username="staff").first()
    if not due or staff is None:
        return
    now = clock.authority_now().astimezone(SHANGHAI)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0, 0), tzinfo=SHANGHAI)
    if midnight - now < MIDNIGHT_GUARD:
        time.sleep((midnight - now).total_seconds() + 1)
    with demo_bank.running():
        for refund in due:
            refunds.refund_order(refund=refund, actor=staff)


def summary() -> str:
    """One line for the demo's report: the open tender's securities by status (a refunded deposit counted as
    refunded), the refunds and their interest, the bank statements reconciled."""
    section = open_tender_section()
    if section is None:
        return "none"
    organisations = set(SubAccount.objects.filter(section=section).values_list("organisation_id", flat=True))
    organisations |= set(Guarantee.objects.filter(section=section).values_list("organisation_id", flat=True))
    if not organisations:
        return "none"
    paid = Refund.objects.filter(sub_account__section=section, state=RefundState.PAID)
    refunded = set(paid.values_list("sub_account__organisation_id", flat=True))
    counts: dict[str, int] = {}
    for status in securities_selectors.statuses(section, sorted(organisations - refunded)).values():
        counts[status.kind] = counts.get(status.kind, 0) + 1
    rejected = Guarantee.objects.filter(section=section, state=GuaranteeState.REJECTED).count()
    parts = [f"{kind} {n}" for kind, n in sorted(counts.items())]
    parts.append(f"guarantees rejected {rejected}")
    parts.append(f"refunded {paid.count()} (interest {sum(r.interest_fen for r in paid)} fen)")
    parts.append(f"bank statements reconciled {Statement.objects.count()}")
    return "open tender: " + ", ".join(parts) + trade_summary()


# -- the procurement trade whose deadline passes in the history ----------------------------------------

#: The procurement trade's registration (filed here, not in `registrations_data.FILINGS`: only the demo with
#: the demo bank files it), its procurement plan number, its one section (name, budget in yuan, method).
TRADE_NAME = "浑南区中小学食堂厨房设备采购"
TRADE_PLAN = "浑南财采计〔{year}〕0456号"
TRADE_PROJECT = "食堂厨房设备"
TRADE_SECTION = ("包1（厨房设备及安装）", "1650000.00", "competitive_consultation")
#: Its bid security (磋商保证金): ¥20,000 (within 2 % of the budget), by transfer or a guarantee.
TRADE_SECURITY_FEN = 2_000_000
#: How long after the month of service starts the notice is published (its deadline is 20 days on: the
#: procurement notices' rule, 政府采购法 §35 — longer than the consultation's own 10 days).
TRADE_AHEAD = dt.timedelta(minutes=10)
#: Who pays on time: username, payer name (None: the bidder's own), payer account.
TRADE_DEPOSITS = (
    ("bidder-ydzn", None, "2101004509100267381"),  # its own account: the synthetic award goes to it
    ("bidder-dfjd", None, "0711001309000312457"),  # its own account ...
    ("bidder-sdwz", "抚顺东方机电设备有限公司", "0711001309000312457"),  # ... which also pays for another
    ("bidder-xxsz", "锦州新兴建设集团有限公司", "0716002109000104432"),  # its parent company pays
    ("bidder", None, "21050111012300000618"),  # then withdraws in writing before the deadline
)
TRADE_WINNER = "bidder-ydzn"
TRADE_WITHDRAWS = "bidder"
#: Who pays after the deadline (minutes after it), from its own account.
TRADE_LATE = ("bidder-hylq", 25, "3301008709200156721")
TRADE_USERS = ("agent2", "sy-staff", "sy-staff2", "staff")


def trade_section() -> Section | None:
    """The procurement trade's section, if filed."""
    name = TRADE_NAME.format(year=clock.local_now().year)
    return (
        Section.objects.filter(tender_project__project__name=name)
        .select_related("tender_project__project__centre")
        .order_by("code")
        .first()
    )


def _deadline_after(published: dt.datetime) -> dt.datetime:
    """09:30 of the first working day on or after the earliest legal deadline for a notice published at
    `published` (政府采购法 §35, as the platform's own rule counts it: from the day after the publication in
    Beijing — a publication just after midnight there counts from the next day)."""
    from ggzy.calendar import calc

    calendar = Calendar("sy")
    rule = calc.effective_rule(calc.rule_get("procurement-bid-period"), "sy")
    earliest = max(
        published + dt.timedelta(days=20), calc.legal_bound(rule, anchor_at=published, calendar=calendar).at
    )
    day = earliest.astimezone(SHANGHAI).date()
    while True:
        at = dt.datetime.combine(day, dt.time(9, 30), tzinfo=SHANGHAI)
        if at >= earliest and calendar.is_working_day(day):
            return at
        day += dt.timedelta(days=1)


#: When the trade is planned after the history's start at the latest (the loader's clock moves before it:
#: the organisations, the people, their accounts and certificates, the projects — 6 days 7 hours now).
TRADE_PLANNED_BY = dt.timedelta(days=7)


def _finished_by(deadline: dt.datetime, present: dt.datetime) -> bool:
    """Can the trade end before `present`: its deadline a day before it, on an earlier bank day (the late
    deposit's statement is final only once its day is over)?"""
    late_at = deadline + dt.timedelta(minutes=TRADE_LATE[1])
    final = deposits.business_day(late_at) < deposits.business_day(present)
    return final and late_at + dt.timedelta(days=1) < present


def history_back(present: dt.datetime) -> dt.timedelta:
    """How far back the history must start for the trade's deadline to pass in it (`History`): a month, or a
    few days more when weekends or holidays push the first working day after the legal period too close to
    the present (a notice published a month back meets its deadline 21 days on, rounded to a working day)."""
    from ggzy.demo.history import MONTH

    back = MONTH
    while not _finished_by(_deadline_after(present - back + TRADE_PLANNED_BY + 2 * TRADE_AHEAD), present):
        back += dt.timedelta(days=1)
    return back


class Trade:
    """The procurement trade (a competitive consultation in Shenyang), in three steps on the month of
    service's schedule (inside the demo's first transaction, the demo bank running for each), and its end
    in `finish`."""

    def __init__(self) -> None:
        names = [*TRADE_USERS, *(u for u, *_rest in TRADE_DEPOSITS), TRADE_LATE[0]]
        self.user: dict[str, Actor] = {}
        self.organisation: dict[str, Organisation] = {}
        for user in get_user_model().objects.filter(username__in=names):
            self.user[user.username] = user
            found = organisations_of(user=user).first()
            if found is not None:
                self.organisation[user.username] = found

    def plan(self, month: MonthOfService) -> None:
        """The three steps: registration and notice now; documents, sub-accounts and the deposits once the
        notice is published; the statement of that day reconciled and a written withdrawal the next
        working day."""
        filed = clock.now() + TRADE_AHEAD
        published = filed + TRADE_AHEAD
        deadline = _deadline_after(published)
        if not _finished_by(deadline, clock.authority_now()):  # the loader moved its clock further first
            raise CommandError(
                "The demo's procurement trade is planned too late for its deadline"
                f" ({deadline:%Y-%m-%d %H:%M}) to pass in the history:"
                " raise TRADE_PLANNED_BY in ggzy.demo.securities."
            )
        month.step(filed, lambda: self.announce(published, deadline))
        opened = published + dt.timedelta(minutes=5)
        month.step(opened, self.deposits)
        next_day = month.days.after(opened.astimezone(SHANGHAI).date(), 1)
        month.step(Days.moment(next_day, "10:00"), self.withdraw)

    def announce(self, published: dt.datetime, deadline: dt.datetime) -> None:
        """The plan entrusted, the registration filed and accepted, the announcement scheduled."""
        year = clock.local_now().year
        organisations = {o.name: o for o in Organisation.objects.all()}
        education = organisations["沈阳市浑南区教育局"]
        agency = organisations["沈阳诚信招标代理有限公司"]
        plan = TRADE_PLAN.format(year=year)
        now = clock.now()
        parties.entrustment_create(
            actor=None, initiator=education, agent=agency, project=plan, scope="政府采购代理",
            valid_from=now, valid_until=now + dt.timedelta(days=365),
        )  # fmt: skip
        centre = Centre.objects.get(code="sy")
        category = TradingCategory.objects.get(code="procurement")
        # the Shenyang desk serves procurement before the registrations' month (what it says, as then)
        next_steps, must_enter = next((n, m) for code, n, m in SERVED if code == category.code)
        registry_services.category_serve(
            actor=self.user["sy-staff"], centre=centre, category=category, next_steps=next_steps,
            must_enter=must_enter,
        )  # fmt: skip
        name = TRADE_NAME.format(year=year)
        files = (
            ("application_form", "公共资源进场交易申请表"),
            ("procurement_filing", "政府采购项目备案表"),
            ("agency_contract", "采购代理委托协议"),
        )
        section, budget, method = TRADE_SECTION
        registration = registry_services.registration_file(
            actor=self.user["agent2"],
            channel=RegistrationChannel.ONLINE,
            centre=centre,
            category=category,
            name=name,
            initiator=education,
            agent=agency,
            region="210112",
            external={"procurement_plan": plan},
            files={item: demo_registrations.pdf(name, title) for item, title in files},
            promises={},
            not_applicable=set(),
            tender_projects=[
                TenderProjectIn(
                    TRADE_PROJECT,
                    [SectionIn(name=section, budget_yuan=budget, price_form="amount", method=method)],
                )
            ],
        )
        registry_services.registration_accept(
            actor=self.user["sy-staff"],
            registration=registration,
            responsible=self.user["sy-staff2"],
            deputy=self.user["sy-staff"],
        )
        tender_project = TenderProject.objects.get(project__name=name)
        centre_name = tender_project.project.centre.name
        budget_fen = sum(s.budget_fen for s in tender_project.sections.all())
        at = deadline.isoformat()
        content = {
            "funds_source": "区级财政预算资金。",
            "procurement_needs": (
                f"{name}：全区 8 所中小学食堂厨房设备（炉灶、蒸饭柜、洗消及排烟设备）采购、安装调试及两年"
                "质保；采用竞争性磋商方式。"
            ),
            "budget_fen": budget_fen,
            "ceiling_price_fen": budget_fen,
            "qualification": "满足《中华人民共和国政府采购法》第二十二条规定。",
            "consortium_accepted": False,
            "documents_obtain": (
                f"{clock.local_now():%Y年%m月%d日}起 5 个工作日内，登录电子交易系统免费下载磋商文件。"
            ),
            "platform_access": demo_notices.PLATFORM.format(centre=centre_name),
            "submission_method": demo_notices.SUBMISSION.replace("投标", "响应"),
            "bid_deadline": at,
            "opening_at": at,
            "opening_place": f"{centre_name}开标室（网上开启响应文件）",
            "bid_security": (
                "磋商保证金 2 万元，从供应商基本账户转账至平台为其开立的保证金子账户，或以银行保函、保证保险"
                "方式提交。"
            ),
            "contacts": demo_notices._contacts("hnjy", "sycx"),  # noqa: SLF001
        }
        notice = demo_notices.Loader(lambda hours: None).draft(
            "agent2", tender_project, NoticeType.PROCUREMENT, f"{name}竞争性磋商公告", content
        )
        notices_services.notice_schedule(actor=self.user["agent2"], notice=notice, publish_at=published)

    def deposits(self) -> None:
        """The notice recorded (its window set), the documents issued and obtained, the sub-accounts opened,
        the deposits paid (booked by the bank at the history's now)."""
        demo_notices.record()  # the tick job: recorded, the section's bid window set
        section = trade_section()
        if section is None:
            return
        tender_project = section.tender_project
        record = demo_tendering.consultation_record(section)
        forms = ["transfer", "guarantee", "insurance"]
        record["bid_security"] = {"kind": "amount", "amount_fen": TRADE_SECURITY_FEN, "forms": forms}
        documents = demo_tendering.Loader(lambda hours: None).documents(
            "agent2",
            tender_project,
            f"{tender_project.project.name}竞争性磋商文件",
            {section.code: record},
            [section],
        )
        with demo_bank.running():
            for username, payer, account in TRADE_DEPOSITS:
                self._open(section, documents, username)
                self._pay(section, username, payer, account, clock.now())
            self._open(section, documents, TRADE_LATE[0])

    def _open(self, section: Section, documents: TenderDocuments, username: str) -> None:
        tendering.documents_obtain(actor=self.user[username], documents=documents)
        deposits.sub_account_open(
            actor=self.user[username], section=section, organisation=self.organisation[username]
        )

    def _pay(self, section: Section, username: str, payer: str | None, account: str, at: dt.datetime) -> None:
        organisation = self.organisation[username]
        opened = SubAccount.objects.get(section=section, organisation=organisation, purpose=Purpose.BID)
        _admin(
            bank.configured()[opened.bank],
            "/v1/admin/pay",
            {
                "sub_account": opened.number,
                "payer_name": payer or organisation.name,
                "payer_account": account,
                "amount_fen": opened.required_fen,
                "instant": deposits.stamp(at),
            },
        )

    def withdraw(self) -> None:
        """The deposits' day reconciled from the bank's final statement; one bidder withdraws its response in
        writing before the deadline (synthetic: it stands for the sealed bid's withdrawal, which cannot be
        recorded inside the demo's first transaction) — its deposit is due back within 5 working days."""
        section = trade_section()
        if section is None:
            return
        opened = SubAccount.objects.filter(section=section).order_by("opened_at").first()
        if opened is None:
            return
        with demo_bank.running():  # the day the deposits were booked on (ended by the bank's clock)
            for code in bank.configured():
                deposits.statement_reconcile(bank_code=code, date=deposits.business_day(opened.opened_at))
        refunds.refund_trigger(
            actor=self.user[TRADE_WITHDRAWS],
            section=section,
            trigger=RefundTrigger.WITHDRAWN,
            organisation=self.organisation[TRADE_WITHDRAWS],
        )

    def finish(self) -> None:
        """After the deadline: the late deposit (booked minutes after it), its day reconciled once final by
        the bank's clock, the §40 payer flags, the award notice (synthetic: the results come later) making
        the others' deposits due back, ordered at once (on time, no interest), and the withdrawn deposit,
        ordered only now (late: the overdue charge)."""
        section = trade_section()
        if (
            section is None
            or Refund.objects.filter(
                sub_account__section=section, trigger=RefundTrigger.AWARD_NOTICE
            ).exists()
        ):
            return
        need = requirement(section)
        if need.deadline is None or clock.now() < need.deadline:
            return
        today = clock.authority_now().astimezone(SHANGHAI).date()
        username, minutes, account = TRADE_LATE
        late_at = need.deadline + dt.timedelta(minutes=minutes)
        if late_at < clock.now() and deposits.business_day(late_at) < today:
            self._pay(section, username, None, account, late_at)
            for code in bank.configured():
                deposits.statement_reconcile(bank_code=code, date=deposits.business_day(late_at))
        flags.flags_compute(section=section)
        staff = self.user["staff"]
        losers = [u for u, *_rest in TRADE_DEPOSITS if u not in (TRADE_WINNER, TRADE_WITHDRAWS)]
        losers.append(username)
        for loser in losers:
            organisation = self.organisation[loser]
            if not Credit.objects.filter(
                sub_account__section=section, sub_account__organisation=organisation
            ).exists():
                continue
            (due,) = refunds.refund_trigger(
                actor=self.user["agent2"],
                section=section,
                trigger=RefundTrigger.AWARD_NOTICE,
                organisation=organisation,
            )
            refunds.refund_order(refund=due, actor=staff)
        for due in Refund.objects.filter(
            sub_account__section=section, trigger=RefundTrigger.WITHDRAWN, state=RefundState.DUE
        ):
            refunds.refund_order(refund=due, actor=staff)


def plan(month: MonthOfService) -> None:
    """The procurement trade's first steps on the month of service's schedule (`demo_load`, before the
    registrations): only with a history and the demo bank, once."""
    if History.running is None or not _banks_wanted() or trade_section() is not None:
        return
    Trade().plan(month)


def trade_summary() -> str:
    """The procurement trade's part of the report line."""
    section = trade_section()
    if section is None or not SubAccount.objects.filter(section=section).exists():
        return ""
    paid_in = Credit.objects.filter(sub_account__section=section)
    flagged = Flag.objects.filter(section=section)
    paid = Refund.objects.filter(sub_account__section=section, state=RefundState.PAID)
    on_time = [r for r in paid if r.late_charge_fen == 0]
    return (
        f"; procurement consultation: deposits {paid_in.count()} (late {paid_in.filter(late=True).count()}),"
        f" payer flags {flagged.count()}, refunded on time {len(on_time)},"
        f" refunded late {len(paid) - len(on_time)}"
        f" (overdue charge {sum(r.late_charge_fen for r in paid)} fen)"
    )
