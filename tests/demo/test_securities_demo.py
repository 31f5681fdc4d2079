"""The demo's bid securities (issue 29): on the open tender's section, with the demo bank and the demo
guarantee issuers running as their own processes, every status a security has before the deadline — paid in
full and insufficient (credits recorded by reconciling the bank's final signed statement), a guarantee
accepted from the insurer, one pending at the guarantee company, one rejected by the bank — made through the
services the bidders call. Without the demo bank the demo has none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from ggzy.accounts.selectors import organisations_of
from ggzy.calendar.calc import SHANGHAI
from ggzy.core import clock
from ggzy.core.fields import Sealed
from ggzy.demo import guarantees as demo_guarantees
from ggzy.demo import securities
from ggzy.events.models import Event
from ggzy.notices import selectors as notices_selectors
from ggzy.notices.models import Notice, NoticeType
from ggzy.registry.models import Registration, State
from ggzy.sealing.models import BidState, SealedBid
from ggzy.securities import selectors
from ggzy.securities.models import (
    Credit,
    CreditSource,
    Flag,
    FlagKind,
    FlagRun,
    Guarantee,
    GuaranteeState,
    Refund,
    RefundState,
    RefundTrigger,
    Statement,
    SubAccount,
)
from ggzy.securities.services.requirements import requirement
from tests.conftest import sandbox_mode
from tests.demo.conftest import Demo
from tests.outside import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_without_the_demo_bank_and_issuers_there_are_none(settings: Any) -> None:
    settings.GGZY_DEMO_BANK_DIR = ""
    settings.GGZY_DEMO_GUARANTEE_DIR = ""
    before = (SubAccount.objects.count(), Guarantee.objects.count())
    securities.load(later=lambda hours: None)
    securities.finish(later=lambda hours: None)
    assert (SubAccount.objects.count(), Guarantee.objects.count()) == before


@pytest.fixture(scope="module", name="demo")
def demo_with_securities(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """`tests.demo.conftest.load_once(sandbox=True, ca=True, …)` with the demo bank and issuers configured
    (their folders and free ports of this test's own)."""
    folder = tmp_path_factory.mktemp("demo")
    demo = Demo(media=folder / "media", ca_dir=folder / "demo-ca")
    codes = list(demo_guarantees.ISSUERS)
    issuers = ",".join(f"{code}=http://127.0.0.1:{free_port()}" for code in codes)
    with ExitStack() as stack:
        stack.enter_context(sandbox_mode())
        stack.enter_context(
            override_settings(
                MEDIA_ROOT=demo.media,
                GGZY_DEMO_CA_DIR=str(demo.ca_dir),
                GGZY_CUSTODIAN_TRANSPORT="ggzy.demo.custodians.IN_PROCESS",
                PORT=free_port(),  # nothing listens there: the bank keeps its notifications
                GGZY_DEMO_BANK_DIR=str(folder / "bank"),
                GGZY_BANKS=f"demo=http://127.0.0.1:{free_port()}",
                GGZY_BANK_TRUST=str(folder / "bank" / "trust.json"),
                GGZY_DEMO_GUARANTEE_DIR=str(folder / "guarantee"),
                GGZY_GUARANTEE_ISSUERS=issuers,
                GGZY_GUARANTEE_TRUST=str(folder / "guarantee" / "trust.json"),
            )
        )
        stack.enter_context(django_db_blocker.unblock())
        outer = transaction.atomic()
        # as a test's own: services that refuse to run nested still run
        outer._from_testcase = True  # type: ignore[attr-defined]
        stack.enter_context(outer)
        call_command("demo_load", verbosity=0)
        yield demo
        transaction.set_rollback(True)


def _plain(value: object) -> str:
    return value.decrypt_for_system() if isinstance(value, Sealed) else str(value)


def _organisation(username: str) -> Any:
    return organisations_of(user=get_user_model().objects.get(username=username)).get()


def test_the_open_tender_shows_every_status_before_its_deadline(demo: Demo) -> None:
    section = securities.open_tender_section()
    assert section is not None
    need = requirement(section)
    assert need.amount_fen == section.budget_fen // 100
    assert clock.now() < need.deadline  # type: ignore[operator]
    status = {
        username: selectors.status_of(section, _organisation(username))
        for username in ("bidder", "bidder-hylq", "bidder-xsjz", "bidder-hjjs", "bidder-ghjs")
    }
    assert {u: s.kind for u, s in status.items()} == {
        "bidder": selectors.StatusKind.PAID,
        "bidder-hylq": selectors.StatusKind.INSUFFICIENT,
        "bidder-xsjz": selectors.StatusKind.GUARANTEED,
        "bidder-hjjs": selectors.StatusKind.PENDING,
        "bidder-ghjs": selectors.StatusKind.NONE,
    }
    assert status["bidder"].paid_fen == need.amount_fen
    assert status["bidder-hylq"].paid_fen == need.amount_fen // 2
    assert status["bidder-hylq"].short_fen == need.amount_fen - need.amount_fen // 2
    accepted = Guarantee.objects.get(section=section, organisation=_organisation("bidder-xsjz"))
    assert (accepted.state, accepted.issuer_kind) == (GuaranteeState.ISSUED, "insurer")
    assert accepted.document_sm3
    assert accepted.number
    assert accepted.cover_until >= need.validity_until  # type: ignore[operator]
    pending = Guarantee.objects.get(section=section, organisation=_organisation("bidder-hjjs"))
    assert (pending.state, pending.issuer_kind) == (GuaranteeState.AWAITING_PAYMENT, "guarantor")
    rejected = Guarantee.objects.get(section=section, organisation=_organisation("bidder-ghjs"))
    assert (rejected.state, rejected.issuer_kind) == (GuaranteeState.REJECTED, "bank")
    assert rejected.reason


def test_the_deposits_are_recorded_from_the_banks_final_statement(demo: Demo) -> None:
    section = securities.open_tender_section()
    accounts = SubAccount.objects.filter(section=section)
    assert accounts.count() == 3
    recorded = list(
        Credit.objects.filter(sub_account__section=section).select_related("sub_account__organisation")
    )
    assert len(recorded) == 3
    assert all(c.source == CreditSource.STATEMENT and not c.late for c in recorded)
    # from the bidder's own account, in its own name: nothing for the §40 flags
    assert all(_plain(c.payer_name) == c.sub_account.organisation.name for c in recorded)
    (day,) = {c.instant.astimezone(SHANGHAI).date() for c in recorded}
    statement = Statement.objects.get(date=day)
    assert statement.mismatches == []
    assert statement.date < clock.authority_now().astimezone(SHANGHAI).date()  # final by the bank's clock
    assert statement.document["statement"]["final"] is True


def test_a_bid_withdrawn_before_the_deadline_has_its_deposit_refunded_with_the_banks_interest(
    demo: Demo,
) -> None:
    section = securities.open_tender_section()
    assert section is not None
    withdrew = _organisation(securities.WITHDRAWS[0])
    bid = SealedBid.objects.get(section=section, submitted_by__username=securities.WITHDRAWS[0])
    assert bid.state == BidState.WITHDRAWN
    assert bid.withdrawn_at < requirement(section).deadline  # type: ignore[operator]
    (refund,) = Refund.objects.filter(sub_account__section=section).select_related("sub_account")
    assert refund.sub_account.organisation == withdrew
    assert (refund.trigger, refund.state) == (RefundTrigger.WITHDRAWN, RefundState.PAID)
    assert refund.principal_fen == requirement(section).amount_fen
    assert refund.interest_fen > 0
    assert refund.bank_interest_fen == refund.interest_fen  # two computations, to the fen
    assert refund.paid_at <= refund.due_by  # type: ignore[operator]
    assert refund.late_charge_fen == 0
    assert refund.basis


def test_a_second_run_changes_nothing(demo: Demo) -> None:
    models = (SubAccount, Credit, Statement, Guarantee, Refund, Flag)
    before = [m.objects.count() for m in models]
    securities_events = Event.objects.filter(type__startswith="securities.").count()
    call_command("demo_load", verbosity=0)
    assert [m.objects.count() for m in models] == before
    assert Event.objects.filter(type__startswith="securities.").count() == securities_events


def test_the_summary_names_the_statuses(demo: Demo) -> None:
    line = securities.summary()
    for part in ("paid 1", "insufficient 1", "guaranteed 1", "pending 1", "rejected 1", "refunded 1"):
        assert part in line
    for part in ("deposits 6 (late 1)", "payer flags 3", "refunded on time 4", "refunded late 1"):
        assert part in line


# -- the procurement consultation whose deadline passes in the history ----------------------------------


def _trade() -> Any:
    section = securities.trade_section()
    assert section is not None
    return section


def _credit(section: Any, username: str) -> Credit:
    return Credit.objects.get(sub_account__section=section, sub_account__organisation=_organisation(username))


def test_the_procurement_trade_is_announced_with_its_deadline_passed_in_the_history(demo: Demo) -> None:
    section = _trade()
    assert requirement(section).regime == "procurement"
    need = requirement(section)
    assert need.amount_fen == securities.TRADE_SECURITY_FEN
    assert "transfer" in need.forms
    assert need.deadline is not None
    assert need.deadline < clock.now()
    notice = Notice.objects.get(tender_project=section.tender_project, type=NoticeType.PROCUREMENT)
    assert notices_selectors.is_published(notice)
    # the procurement notices' rule: 20 days from the documents' first issue (政府采购法 §35)
    assert need.deadline - notice.publish_at >= dt.timedelta(days=20)  # type: ignore[operator]
    assert Registration.objects.get(project__name=section.tender_project.project.name).state == State.ACCEPTED


def test_a_deposit_paid_after_the_deadline_is_late(demo: Demo) -> None:
    section = _trade()
    need = requirement(section)
    late = _credit(section, securities.TRADE_LATE[0])
    assert late.late
    assert late.instant >= need.deadline  # type: ignore[operator]
    assert late.source == CreditSource.STATEMENT
    on_time = [_credit(section, u) for u, *_rest in securities.TRADE_DEPOSITS]
    assert not any(c.late for c in on_time)
    assert all(c.amount_fen == need.amount_fen for c in [late, *on_time])
    status = selectors.status_of(section, _organisation(securities.TRADE_LATE[0]))
    assert status.kind != selectors.StatusKind.PAID


def test_the_payer_flags_are_computed_at_the_deadline(demo: Demo) -> None:
    section = _trade()
    run = FlagRun.objects.get(section=section)
    assert run.deposits == len(securities.TRADE_DEPOSITS) + 1
    flags = list(Flag.objects.filter(section=section).prefetch_related("organisations"))
    by_kind: dict[str, list[set[str]]] = {}
    for flag in flags:
        by_kind.setdefault(str(flag.kind), []).append({o.name for o in flag.organisations.all()})
        assert "87号" in flag.basis
    dfjd, sdwz, xxsz = (_organisation(u).name for u in ("bidder-dfjd", "bidder-sdwz", "bidder-xxsz"))
    assert by_kind[FlagKind.SAME_PAYER_ACCOUNT] == [{dfjd, sdwz}]
    assert sorted(map(sorted, by_kind[FlagKind.PAYER_NOT_BIDDER])) == sorted([[sdwz], [xxsz]])
    assert FlagKind.NOT_BASIC_ACCOUNT not in by_kind  # engineering only


def test_procurement_refunds_on_time_without_interest_and_late_with_the_overdue_charge(demo: Demo) -> None:
    section = _trade()
    refunds = {
        r.sub_account.organisation_id: r
        for r in Refund.objects.filter(sub_account__section=section).select_related("sub_account")
    }
    winner = _organisation(securities.TRADE_WINNER)
    assert winner.pk not in refunds  # its deposit waits for the contract
    withdrawn = refunds.pop(_organisation(securities.TRADE_WITHDRAWS).pk)
    assert (withdrawn.trigger, withdrawn.state) == (RefundTrigger.WITHDRAWN, RefundState.PAID)
    assert withdrawn.triggered_at < requirement(section).deadline  # type: ignore[operator]
    assert withdrawn.paid_at > withdrawn.due_by  # type: ignore[operator]
    assert withdrawn.late_charge_fen > 0
    assert withdrawn.interest_fen == 0
    assert len(refunds) == 4
    for refund in refunds.values():
        assert (refund.trigger, refund.state) == (RefundTrigger.AWARD_NOTICE, RefundState.PAID)
        assert refund.paid_at <= refund.due_by  # type: ignore[operator]
        assert refund.interest_fen == 0
        assert refund.late_charge_fen == 0
        assert refund.principal_fen == securities.TRADE_SECURITY_FEN
    # back to the account it came from (原路退还): the shared payer account twice
    shared = securities.TRADE_DEPOSITS[1][2]
    assert sum(_plain(r.to_account) == shared for r in refunds.values()) == 2
