"""The one security status per bidder (what the opening hall, evaluation and results read): not required,
none, paid in full, insufficient (the amounts shown), late (not counted), guaranteed, pending; in a bounded
number of queries for many bidders; and who may look at one sub-account or guarantee.

Sub-accounts, credits and guarantees are made here through the ORM (the bank's and the issuers' paths are
tested with their simulators elsewhere)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.utils import translation

from ggzy.accounts.models import Organisation
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.registry.models import Section
from ggzy.securities import selectors
from ggzy.securities.models import Credit, CreditSource, Guarantee, GuaranteeState, Purpose, SubAccount
from ggzy.tendering import services as tendering
from ggzy.tendering.selectors import documents_of_section
from tests.sealing.test_notice_keys import supervisor
from tests.securities.conftest import DEADLINE, SECURITY_FEN, Trade, documents_issue, t

_numbers = itertools.count(1)


def sub_account(section: Section, organisation: Organisation, *, purpose: str = Purpose.BID) -> SubAccount:
    """The sub-account of `organisation` on `section` (made once)."""
    found = SubAccount.objects.filter(section=section, organisation=organisation, purpose=purpose).first()
    if found is not None:
        return found
    return SubAccount.objects.create(
        purpose=purpose, section=section, organisation=organisation, bank="TESTBANK",
        number=f"6222{next(_numbers):012d}", required_fen=SECURITY_FEN, deadline=DEADLINE,
        opened_at=clock.now(), answer={},
    )  # fmt: skip


def credit(
    section: Section,
    organisation: Organisation,
    amount_fen: int,
    *,
    at: dt.datetime | None = None,
    payer_name: str | None = None,
    payer_account: str = "",
    purpose: str = Purpose.BID,
) -> Credit:
    """A transfer into `organisation`'s sub-account booked at `at` (default: a day before the deadline),
    from `payer_account` by `payer_name` (default: the organisation itself, from its own account)."""
    account = sub_account(section, organisation, purpose=purpose)
    instant = at or DEADLINE - dt.timedelta(days=1)
    n = next(_numbers)
    return Credit.objects.create(
        sub_account=account, bank="TESTBANK", transaction=f"T{n:08d}", sequence=n, amount_fen=amount_fen,
        payer_name=organisation.name if payer_name is None else payer_name,
        payer_account=payer_account or f"6217{organisation.pk:04d}00000001", instant=instant,
        late=instant >= account.deadline, source=CreditSource.NOTIFICATION, evidence={}, recorded_at=instant,
    )  # fmt: skip


def guarantee(
    section: Section,
    organisation: Organisation,
    applicant: Any,
    *,
    state: str = GuaranteeState.ISSUED,
    amount_fen: int = SECURITY_FEN,
    cover_until: dt.date = dt.date(2026, 12, 31),
) -> Guarantee:
    n = next(_numbers)
    issued = state in (GuaranteeState.ISSUED, GuaranteeState.CLAIMED)
    return Guarantee.objects.create(
        section=section, organisation=organisation, issuer_code="TESTINS", issuer_kind="insurer",
        issuer_name="测试财产保险股份有限公司", application=f"APP{n:08d}", state=state, amount_fen=amount_fen,
        cover_from=dt.date(2026, 3, 10), cover_until=cover_until, number=f"BH{n:08d}" if issued else "",
        issued_at=t("2026-03-10 10:00") if issued else None, applied_by=applicant,
        applied_at=t("2026-03-09 10:00"), updated_at=t("2026-03-10 10:00"),
    )  # fmt: skip


def _one(issued: Trade, bidder: int = 0) -> selectors.SecurityStatus:
    return selectors.status_of(issued.stage.section, issued.stage.bidders[bidder].organisation)


def test_no_security_required(trade: Trade) -> None:
    documents_issue(trade, bid_security={"kind": "none"})
    status = selectors.status_of(trade.stage.section, trade.stage.bidders[0].organisation)
    assert status.kind == "not_required"
    assert status.given
    assert selectors.security_given(trade.stage.section, trade.stage.bidders[0].organisation)
    with translation.override("zh-hans"):
        assert status.label == "无需提交保证金"


def test_none_until_something_arrives(issued: Trade) -> None:
    status = _one(issued)
    assert (status.kind, status.paid_fen, status.required_fen) == ("none", 0, SECURITY_FEN)
    assert not status.given
    sub_account(issued.stage.section, issued.stage.bidders[0].organisation)  # opened, nothing paid
    assert _one(issued).kind == "none"


def test_paid_in_full_before_the_deadline(issued: Trade) -> None:
    section, organisation = issued.stage.section, issued.stage.bidders[0].organisation
    credit(section, organisation, 6_000_000)
    credit(section, organisation, 4_000_000, at=DEADLINE - dt.timedelta(seconds=1))
    status = _one(issued)
    assert (status.kind, status.paid_fen, status.late_fen, status.short_fen) == ("paid", SECURITY_FEN, 0, 0)
    assert status.given
    with translation.override("zh-hans"):
        assert status.label == "已足额缴纳（100,000.00 元）"


def test_insufficient_shows_what_was_paid_and_what_is_short(issued: Trade) -> None:
    credit(issued.stage.section, issued.stage.bidders[0].organisation, 9_999_999)
    status = _one(issued)
    assert (status.kind, status.paid_fen, status.short_fen) == ("insufficient", 9_999_999, 1)
    assert not status.given
    with translation.override("zh-hans"):
        assert status.label == "金额不足：已缴 99,999.99 元，尚差 0.01 元"
    with translation.override("en"):
        assert status.label == "Insufficient: 99,999.99 yuan paid, 0.01 yuan short"


def test_money_arriving_at_or_after_the_deadline_does_not_count(issued: Trade) -> None:
    section, organisation = issued.stage.section, issued.stage.bidders[0].organisation
    credit(section, organisation, SECURITY_FEN, at=DEADLINE)  # at the deadline: late
    status = _one(issued)
    assert (status.kind, status.paid_fen, status.late_fen) == ("late", 0, SECURITY_FEN)
    assert not status.given
    # some in time, the rest late: insufficient, the late part shown apart
    other = issued.stage.bidders[1].organisation
    credit(section, other, 5_000_000)
    credit(section, other, 5_000_000, at=DEADLINE + dt.timedelta(minutes=1))
    status = selectors.status_of(section, other)
    assert (status.kind, status.paid_fen, status.late_fen, status.short_fen) == (
        "insufficient", 5_000_000, 5_000_000, 5_000_000,
    )  # fmt: skip


def test_an_accepted_guarantee_covering_the_validity_period(issued: Trade) -> None:
    bidder = issued.stage.bidders[0]
    accepted = guarantee(issued.stage.section, bidder.organisation, bidder.user)
    status = _one(issued)
    assert status.kind == "guaranteed"
    assert (status.guarantee_number, status.issuer_name) == (accepted.number, "测试财产保险股份有限公司")
    assert status.guarantee == accepted.uid
    assert status.given
    assert accepted.number in status.label


def test_a_guarantee_short_in_amount_or_cover_does_not_count(issued: Trade) -> None:
    bidder = issued.stage.bidders[0]
    guarantee(issued.stage.section, bidder.organisation, bidder.user, amount_fen=SECURITY_FEN - 1)
    guarantee(issued.stage.section, bidder.organisation, bidder.user, cover_until=dt.date(2026, 6, 22))
    assert _one(issued).kind == "none"


def test_an_application_not_yet_decided_is_pending(issued: Trade) -> None:
    bidder = issued.stage.bidders[0]
    for state in (GuaranteeState.APPLIED, GuaranteeState.UNDER_REVIEW, GuaranteeState.AWAITING_PAYMENT):
        Guarantee.objects.all().delete()
        applied = guarantee(issued.stage.section, bidder.organisation, bidder.user, state=state)
        status = _one(issued)
        assert (status.kind, status.guarantee, status.guarantee_number) == ("pending", applied.uid, "")
        assert not status.given
    Guarantee.objects.all().delete()
    guarantee(issued.stage.section, bidder.organisation, bidder.user, state=GuaranteeState.REJECTED)
    assert _one(issued).kind == "none"


def test_statuses_of_many_bidders_in_a_bounded_number_of_queries(
    issued: Trade, django_assert_max_num_queries: Any
) -> None:
    from tests.sealing.conftest import make_bidder

    section = issued.stage.section
    organisations = [b.organisation for b in issued.stage.bidders]
    organisations += [make_bidder(f"more-{n}", f"第{n}建设有限公司").organisation for n in range(8)]
    for n, organisation in enumerate(organisations):
        credit(section, organisation, SECURITY_FEN if n % 2 else SECURITY_FEN // 2)
        if n % 3 == 0:
            guarantee(section, organisation, issued.stage.bidders[0].user)
    section = Section.objects.get(pk=section.pk)  # nothing cached
    with django_assert_max_num_queries(8):
        found = selectors.statuses(section, organisations)
    assert len(found) == len(organisations)
    assert {s.kind for s in found.values()} == {"paid", "guaranteed", "insufficient"}
    assert found[organisations[1].pk].kind == "paid"
    assert found[organisations[2].pk] == selectors.status_of(section, organisations[2])


@pytest.mark.clause("11.2.8")
def test_the_bidder_sees_its_own_sub_account_others_only_after_the_opening(issued: Trade) -> None:
    section, (one, other) = issued.stage.section, issued.stage.bidders
    account = credit(section, one.organisation, SECURITY_FEN).sub_account
    bidders_guarantee = guarantee(section, one.organisation, one.user)
    staff, watcher = issued.world.staff[0], supervisor()
    assert selectors.access_sub_account(viewer=one.user, uid=account.uid) == account
    assert selectors.access_guarantee(viewer=one.user, uid=bidders_guarantee.uid) == bidders_guarantee
    for viewer in (other.user, staff, watcher, issued.world.agent_user, None):
        for access, uid in (
            (selectors.access_sub_account, account.uid),
            (selectors.access_guarantee, bidders_guarantee.uid),
        ):
            with pytest.raises(DomainError) as missing:
                access(viewer=viewer, uid=uid)
            assert missing.value.code.value == "not_found"
    with pytest.raises(DomainError) as fresh:
        selectors.access_sub_account(viewer=staff, uid="00000000-0000-4000-8000-000000000000")
    assert fresh.value.code.value == "not_found"
    issued.clock.at(DEADLINE)  # the opening
    assert selectors.access_sub_account(viewer=staff, uid=account.uid) == account
    assert selectors.access_guarantee(viewer=watcher, uid=bidders_guarantee.uid) == bidders_guarantee
    for viewer in (other.user, issued.world.agent_user):
        with pytest.raises(DomainError):
            selectors.access_sub_account(viewer=viewer, uid=account.uid)


def test_the_bidders_workspace_lists_the_sections_it_obtained_that_require_security(issued: Trade) -> None:
    bidder = issued.stage.bidders[0]
    assert selectors.mine(viewer=bidder.user) == []
    documents = documents_of_section(issued.stage.section)
    assert documents is not None
    tendering.documents_obtain(actor=bidder.user, documents=documents)
    credit(issued.stage.section, bidder.organisation, 1_000_000)
    rows = selectors.mine(viewer=bidder.user)
    assert {row.section for row in rows} == set(documents.sections.all())
    mine = next(row for row in rows if row.section == issued.stage.section)
    assert mine.requirement.amount_fen == SECURITY_FEN
    assert (mine.status.kind, mine.status.paid_fen) == ("insufficient", 1_000_000)
    assert selectors.mine(viewer=issued.stage.bidders[1].user) == []
    assert selectors.mine(viewer=issued.world.staff[0]) == []


def test_the_finance_overview_counts_mismatches_and_refunds_without_names(issued: Trade) -> None:
    from ggzy.securities.models import Refund, RefundTrigger, Statement

    section, organisation = issued.stage.section, issued.stage.bidders[0].organisation
    paid = credit(section, organisation, SECURITY_FEN, payer_account="6217000055556666")
    Statement.objects.create(
        bank="TESTBANK", date=dt.date(2026, 3, 20), document={}, sm3="0" * 64,
        reconciled_at=t("2026-03-21 02:00"),
        mismatches=[
            {"kind": "amount_differs", "transaction": paid.transaction, "detail": "1 fen"},
            {"kind": "unknown_transaction", "transaction": "T-NOT-OURS", "detail": ""},
        ],
    )  # fmt: skip
    Refund.objects.create(
        refund_id="R-W", sub_account=paid.sub_account, trigger=RefundTrigger.WITHDRAWN, basis="实施条例 §35",
        triggered_at=t("2026-03-20 09:00"), due_by=t("2026-03-21 09:00"), principal_fen=SECURITY_FEN,
        to_name=organisation.name, to_account="6217000055556666",
    )  # fmt: skip
    staff = issued.world.staff[0]
    issued.clock.at(t("2026-03-24 09:00"))  # before the opening: the refund (a withdrawal) is not told
    overview = selectors.reconciliation_overview(viewer=staff)
    (line,) = overview.statements
    assert (line.mismatches, line.kinds) == (2, {"amount_differs": 1, "unknown_transaction": 1})
    assert (overview.refunds_due, overview.refunds_overdue, overview.sections) == (0, 0, [])
    for text in (organisation.name, "6666", paid.transaction):
        assert text not in repr(overview)
    issued.clock.at(DEADLINE)
    overview = selectors.reconciliation_overview(viewer=staff)
    assert (overview.refunds_due, overview.refunds_overdue) == (1, 1)
    assert overview.sections[0].section == section
    assert selectors.reconciliation_overview(viewer=issued.stage.bidders[0].user).statements == []


def test_the_initiator_and_its_agent_read_a_guarantee_of_their_project_only_after_the_opening(
    issued: Trade, make_user: Any
) -> None:
    from ggzy.core.roles import Role

    section, bidder = issued.stage.section, issued.stage.bidders[0]
    given = guarantee(section, bidder.organisation, bidder.user)
    parties = (issued.world.initiator_user, issued.world.agent_user)
    stranger = make_user(Role.INITIATOR)  # an initiator, of no project here
    for viewer in (*parties, stranger):  # before the opening: the same not-found as a missing one
        with pytest.raises(DomainError) as refused:
            selectors.access_guarantee(viewer=viewer, uid=given.uid)
        assert refused.value.code.value == "not_found"
    issued.clock.at(DEADLINE)  # the opening
    for viewer in parties:  # the beneficiary, who may claim on it
        assert selectors.access_guarantee(viewer=viewer, uid=given.uid) == given
    for viewer in (stranger, issued.stage.bidders[1].user, None):
        with pytest.raises(DomainError) as refused:
            selectors.access_guarantee(viewer=viewer, uid=given.uid)
        assert refused.value.code.value == "not_found"
    account = credit(section, bidder.organisation, SECURITY_FEN).sub_account
    with pytest.raises(DomainError):  # a deposit's sub-account stays for its bidder and the officials
        selectors.access_sub_account(viewer=issued.world.agent_user, uid=account.uid)


def test_a_refunded_deposit_keeps_its_kind_and_says_it_was_refunded(issued: Trade) -> None:
    from ggzy.securities.models import Refund, RefundState, RefundTrigger

    section, organisation = issued.stage.section, issued.stage.bidders[0].organisation
    paid = credit(section, organisation, SECURITY_FEN)
    assert (_one(issued).refunded_fen, _one(issued).refund_label) == (0, "")
    refund = Refund.objects.create(
        refund_id="R-C", sub_account=paid.sub_account, trigger=RefundTrigger.CONTRACT_SIGNED,
        basis="实施条例 §57", triggered_at=t("2026-04-20 09:00"), due_by=t("2026-04-25 09:00"),
        principal_fen=SECURITY_FEN, to_name=organisation.name, to_account="6217000055556666",
    )  # fmt: skip
    assert not _one(issued).refunded  # due, not paid back yet
    Refund.objects.filter(pk=refund.pk).update(state=RefundState.PAID, paid_at=t("2026-04-21 09:00"))
    status = _one(issued)
    # the kind as of the deadline (what evaluation reads), the refund beside it
    assert (status.kind, status.given, status.refunded_fen) == ("paid", True, SECURITY_FEN)
    assert selectors.statuses(section, [organisation])[organisation.pk] == status
    with translation.override("zh-hans"):
        assert status.refund_label == "已退还（100,000.00 元）"
