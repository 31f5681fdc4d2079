"""The security pages (issue 29): each role's renders in Chinese; a bidder sees only its own; before the
opening the centre's section page is not found and its overview names no one; a POST with bad input shows
the error on the page and changes nothing.

The bank and the issuers are outside services whose simulators run as their own processes in the service
tests (tests/securities/). Here the page is under test, not the bank:
where a page would reach the bank, the test fakes the call **at the service boundary**
(`deposits.sub_account_open`, monkeypatched as the views import it) and makes the rows a signed
notification would have left (`SubAccount`, `Credit`, `Statement`, `Flag`: test set-up)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.securities import views
from ggzy.securities.models import (
    Credit,
    CreditSource,
    Flag,
    FlagKind,
    FlagRun,
    Forfeiture,
    Guarantee,
    Refund,
    Statement,
    SubAccount,
)
from ggzy.tendering import services as tendering
from ggzy.tendering.models import TenderDocuments
from tests.factories import signed_in
from tests.notices.test_objections import DEADLINE, Trade, t
from tests.securities.conftest import SECURITY_FEN

NUMBER_A = "6217000000000000012"
PAYER_ACCOUNT = "6222020200112233445"
PAYER_NAME = "沈阳恒信贸易有限公司"  # not the bidder: who paid is for staff and supervisors


def _client(user: Any) -> Client:
    return signed_in(Client(), user)


def _obtain(trade: Trade, bidder: int) -> None:
    documents = TenderDocuments.objects.get(tender_project=trade.tender_project)
    tendering.documents_obtain(actor=trade.stage.bidders[bidder].user, documents=documents)


def _sub_account(trade: Trade, bidder: int, number: str) -> SubAccount:
    """The row `deposits.sub_account_open` leaves once the bank answered (test set-up)."""
    return SubAccount.objects.create(
        section=trade.section, organisation=trade.stage.bidders[bidder].organisation, bank="demo-bank",
        number=number, required_fen=SECURITY_FEN, deadline=DEADLINE, opened_at=clock.now(),
        opened_by=trade.stage.bidders[bidder].user, answer={"outcome": "opened"},
    )  # fmt: skip


def _credit(account: SubAccount, *, fen: int, at: dt.datetime, transaction: str) -> Credit:
    """The row a signed credit notification leaves (test set-up)."""
    return Credit.objects.create(
        sub_account=account, bank=account.bank, transaction=transaction, sequence=int(transaction[-3:]),
        amount_fen=fen, payer_name=PAYER_NAME, payer_account=PAYER_ACCOUNT, instant=at,
        late=at >= DEADLINE, source=CreditSource.NOTIFICATION, evidence={}, recorded_at=at,
    )  # fmt: skip


@pytest.fixture
def bidding(issued: Trade) -> Trade:
    """Both bidders obtained the documents; bidder A opened a sub-account and paid in full."""
    issued.clock.at(t("2026-03-03 09:00"))
    _obtain(issued, 0)
    _obtain(issued, 1)
    account = _sub_account(issued, 0, NUMBER_A)
    _credit(account, fen=SECURITY_FEN, at=t("2026-03-04 10:00"), transaction="20260304000000000001")
    return issued


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Language"] == "zh-hans"
    return response.content.decode()


# --- the bidder ----------------------------------------------------------------------------------------


def test_the_bidder_sees_its_sections_requirement_and_status_in_chinese(bidding: Trade) -> None:
    client = _client(bidding.stage.bidders[0].user)
    html = _page(client, reverse("securities:mine"))
    assert "我的投标保证金" in html
    assert bidding.section.code in html
    assert "100,000.00" in html  # the amount in yuan
    assert "2026-03-25 09:30" in html  # the deadline, Beijing time
    assert 'data-status="paid"' in html
    html = _page(client, reverse("securities:bidder-section", args=[bidding.section.code]))
    assert NUMBER_A in html
    assert "按时" in html  # the credit, on time
    assert "平台不指定" in html  # any issuer


def test_a_bidder_sees_only_its_own(bidding: Trade) -> None:
    other = _client(bidding.stage.bidders[1].user)
    html = _page(other, reverse("securities:bidder-section", args=[bidding.section.code]))
    assert NUMBER_A not in html
    assert PAYER_NAME not in html
    assert 'data-status="none"' in html
    guarantee = Guarantee.objects.create(
        section=bidding.section, organisation=bidding.stage.bidders[0].organisation, issuer_code="X",
        issuer_kind="bank", issuer_name="示例银行", application="app-1", state="under_review",
        amount_fen=SECURITY_FEN, cover_from=dt.date(2026, 3, 3), cover_until=dt.date(2026, 7, 1),
        applied_by=bidding.stage.bidders[0].user, applied_at=clock.now(), updated_at=clock.now(),
    )  # fmt: skip
    for name, method in (("guarantee-refresh", "post"), ("guarantee-document", "get")):
        assert getattr(other, method)(reverse(f"securities:{name}", args=[guarantee.uid])).status_code == 404
    # the other section of the documents it obtained is its own; a section of no documents of its own is not
    assert (
        other.get(reverse("securities:bidder-section", args=[bidding.stage.other_section.code])).status_code
        == 200
    )
    assert other.get(reverse("securities:bidder-section", args=["A2101002026999999001"])).status_code == 404


def test_opening_a_sub_account_through_the_page_shows_its_number(
    bidding: Trade, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_open(*, actor: Any, section: Any, organisation: Any) -> SubAccount:  # the bank's side faked
        calls.append({"actor": actor, "section": section, "organisation": organisation})
        return _sub_account(bidding, 1, "6217000000000000020")

    monkeypatch.setattr(views.deposits, "sub_account_open", fake_open)
    client = _client(bidding.stage.bidders[1].user)
    url = reverse("securities:bidder-section", args=[bidding.section.code])
    response = client.post(reverse("securities:sub-account-open", args=[bidding.section.code]), follow=True)
    assert response.redirect_chain[-1][0] == url
    html = response.content.decode()
    assert "6217000000000000020" in html
    assert "基本账户" in html
    assert calls[0]["organisation"] == bidding.stage.bidders[1].organisation


def test_bad_input_from_the_bidder_is_an_error_on_the_page_and_changes_nothing(bidding: Trade) -> None:
    client = _client(bidding.stage.bidders[0].user)
    url = reverse("securities:bidder-section", args=[bidding.section.code])
    events, guarantees = Event.objects.count(), Guarantee.objects.count()
    upload = SimpleUploadedFile("保函.json", b'{"guarantee": 1.5}', content_type="application/json")
    response = client.post(
        reverse("securities:guarantee-upload", args=[bidding.section.code]), {"file": upload}, follow=True
    )
    assert response.redirect_chain[-1][0] == url
    assert "该文件不是 JSON 格式的保函" in response.content.decode()
    response = client.post(
        reverse("securities:guarantee-apply", args=[bidding.section.code]), {"issuer": "nobody"}, follow=True
    )
    assert "请从列表中选择出函机构" in response.content.decode()
    assert (Event.objects.count(), Guarantee.objects.count()) == (events, guarantees)


# --- the centre's finance staff, before and after the opening --------------------------------------------


@pytest.mark.clause("11.2.8")
def test_before_the_opening_the_centre_sees_counts_and_no_names(bidding: Trade) -> None:
    Statement.objects.create(
        bank="demo-bank", date=dt.date(2026, 3, 4), document={}, sm3="0" * 64, reconciled_at=clock.now(),
        mismatches=[{"kind": "credit_missing", "transaction": "20260304000000000001", "amount_fen": 1}],
    )  # fmt: skip
    staff = _client(bidding.world.staff[0])
    html = _page(staff, reverse("securities:centre"))
    assert "投标保证金对账" in html
    assert "平台已记录但对账单中没有的入账" in html  # the mismatch, by kind
    for secret in (PAYER_NAME, bidding.stage.bidders[1].organisation.name, NUMBER_A, PAYER_ACCOUNT[-4:]):
        assert secret not in html
    assert staff.get(reverse("securities:section", args=[bidding.section.code])).status_code == 404
    html = _page(staff, reverse("securities:sections"))
    assert bidding.section.code not in html


def test_after_the_opening_staff_see_each_bidder_with_the_payer_masked(bidding: Trade) -> None:
    bidding.clock.at(t("2026-03-25 10:00"))
    staff = _client(bidding.world.staff[0])
    assert bidding.section.code in _page(staff, reverse("securities:sections"))
    html = _page(staff, reverse("securities:section", args=[bidding.section.code]))
    assert bidding.stage.bidders[0].organisation.name in html
    assert 'data-status="paid"' in html
    # the payer as the encrypted fields show it to people: masked (ggzy.core.fields; revealed only through
    # ggzy.ops, recorded)
    assert "****3445" in html
    assert "沈阳恒***有限公司" in html
    assert PAYER_NAME not in html
    assert PAYER_ACCOUNT not in html
    assert "生成应退还记录" in html  # staff trigger refunds


def test_a_bad_refund_trigger_is_an_error_and_changes_nothing(bidding: Trade) -> None:
    bidding.clock.at(t("2026-03-25 10:00"))
    staff = _client(bidding.world.staff[0])
    url = reverse("securities:section", args=[bidding.section.code])
    events = Event.objects.count()
    response = staff.post(
        reverse("securities:refund-trigger", args=[bidding.section.code]), {"trigger": "bogus"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url
    assert 'role="status"' in response.content.decode()
    assert not Refund.objects.exists()
    assert Event.objects.count() == events


def test_flags_for_supervisors_and_staff_never_for_bidders(
    bidding: Trade, make_user: Callable[..., Any]
) -> None:
    run = FlagRun.objects.create(section=bidding.section, computed_at=DEADLINE, deposits=1)
    flag = Flag.objects.create(
        run=run,
        section=bidding.section,
        kind=FlagKind.PAYER_NOT_BIDDER,
        basis="招标投标法实施条例 §40",
        evidence={},
    )
    flag.organisations.add(bidding.stage.bidders[0].organisation)
    bidding.clock.at(t("2026-03-25 10:00"))
    supervisor = _client(make_user(Role.SUPERVISOR))
    html = _page(supervisor, reverse("securities:section", args=[bidding.section.code]))
    assert "非投标人本单位缴纳" in html
    assert "生成应退还记录" not in html  # read-only
    for bidder in bidding.stage.bidders:
        client = _client(bidder.user)
        for url in (
            reverse("securities:mine"),
            reverse("securities:bidder-section", args=[bidding.section.code]),
        ):
            assert "非投标人本单位缴纳" not in _page(client, url)


def test_the_initiators_agent_sees_statuses_and_a_bad_forfeiture_changes_nothing(bidding: Trade) -> None:
    bidding.clock.at(t("2026-03-25 10:00"))
    agent = _client(bidding.world.agent_user)
    url = reverse("securities:section", args=[bidding.section.code])
    html = _page(agent, url)
    assert 'data-status="paid"' in html
    assert "沈阳恒***有限公司" not in html  # payers are for staff and supervisors
    assert "****3445" not in html
    organisation = bidding.stage.bidders[0].organisation
    response = agent.post(
        reverse("securities:forfeit", args=[bidding.section.code]),
        {"organisation": str(organisation.uid), "reason": "withdrawn_after_deadline", "documents_clause": ""},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url
    assert "这个字段是必填项" in response.content.decode()
    assert not Forfeiture.objects.exists()


def test_every_role_finds_its_page_from_its_workspace(bidding: Trade, make_user: Callable[..., Any]) -> None:
    expected = (
        (bidding.stage.bidders[0].user, Role.RESPONDER, "securities:mine"),
        (bidding.world.staff[0], Role.CENTRE_STAFF, "securities:centre"),
        (bidding.world.staff[0], Role.CENTRE_STAFF, "securities:sections"),
        (bidding.world.agent_user, Role.AGENT, "securities:sections"),
        (bidding.world.initiator_user, Role.INITIATOR, "securities:sections"),
        (make_user(Role.SUPERVISOR), Role.SUPERVISOR, "securities:sections"),
    )
    for user, role, name in expected:
        html = _page(_client(user), reverse(f"core:workspace-{role.value}"))
        assert f'href="{reverse(name)}"' in html, name


def test_staff_make_refunds_due_and_order_one_through_the_page(
    bidding: Trade, monkeypatch: pytest.MonkeyPatch
) -> None:
    bidding.clock.at(t("2026-04-20 10:00"))
    staff = _client(bidding.world.staff[0])
    url = reverse("securities:section", args=[bidding.section.code])
    response = staff.post(
        reverse("securities:refund-trigger", args=[bidding.section.code]),
        {"trigger": "contract_signed", "organisation": ""},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url
    refund = Refund.objects.get()
    assert refund.principal_fen == SECURITY_FEN
    html = response.content.decode()
    assert "招标投标法实施条例 §57" in html
    assert "向银行发出退还指令" in html
    ordered: list[Refund] = []

    def fake_order(*, refund: Refund, actor: Any = None) -> Refund:  # the bank's side faked
        ordered.append(refund)
        return refund

    monkeypatch.setattr(views.refunds, "refund_order", fake_order)
    response = staff.post(
        reverse("securities:refund-order", args=[bidding.section.code]),
        {"refund": str(refund.uid)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url
    assert ordered == [refund]
    assert "已向银行发出退还指令" in response.content.decode()
    # a refund of another section (or none) is not found
    missing = staff.post(
        reverse("securities:refund-order", args=[bidding.section.code]),
        {"refund": "00000000-0000-4000-8000-000000000000"},
    )
    assert missing.status_code == 404


def test_the_agent_records_a_forfeiture_with_its_basis(bidding: Trade) -> None:
    bidding.clock.at(t("2026-03-25 10:00"))
    agent = _client(bidding.world.agent_user)
    organisation = bidding.stage.bidders[0].organisation
    response = agent.post(
        reverse("securities:forfeit", args=[bidding.section.code]),
        {
            "organisation": str(organisation.uid),
            "reason": "withdrawn_after_deadline",
            "documents_clause": "投标人须知第 3.4.4 项",
        },
        follow=True,
    )
    assert "已记录不予退还及其法律依据" in response.content.decode()
    forfeited = Forfeiture.objects.get()
    assert forfeited.documents_clause == "投标人须知第 3.4.4 项"
    assert "§35" in forfeited.basis
    # a bidder who gave no deposit (its guarantee was rejected): said in words, nothing recorded
    other = bidding.stage.bidders[1].organisation
    Guarantee.objects.create(
        section=bidding.section, organisation=other, issuer_code="X", issuer_kind="insurer",
        issuer_name="示例保险", application="app-2", state="rejected", amount_fen=SECURITY_FEN,
        cover_from=dt.date(2026, 3, 3), cover_until=dt.date(2026, 7, 1),
        applied_by=bidding.stage.bidders[1].user, applied_at=clock.now(), updated_at=clock.now(),
    )  # fmt: skip
    response = agent.post(
        reverse("securities:forfeit", args=[bidding.section.code]),
        {
            "organisation": str(other.uid),
            "reason": "withdrawn_after_deadline",
            "documents_clause": "第 3.4.4 项",
        },
        follow=True,
    )
    assert "该投标人未向子账户缴纳保证金" in response.content.decode()
    assert Forfeiture.objects.count() == 1


def test_reconciling_with_no_such_bank_is_an_error_and_changes_nothing(bidding: Trade) -> None:
    staff = _client(bidding.world.staff[0])
    response = staff.post(
        reverse("securities:reconcile"), {"bank": "nobank", "date": "2026-03-04"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("securities:centre")
    assert "选择一个有效的选项" in response.content.decode()
    assert not Statement.objects.exists()


def _issued_guarantee(trade: Trade, bidder: int, application: str, section: Any = None) -> Guarantee:
    return Guarantee.objects.create(
        section=section or trade.section, organisation=trade.stage.bidders[bidder].organisation,
        issuer_code="X", issuer_kind="insurer", issuer_name="示例保险", application=application,
        state="issued", amount_fen=SECURITY_FEN, cover_from=dt.date(2026, 3, 3),
        cover_until=dt.date(2026, 12, 31), number=f"BH-{application}", issued_at=clock.now(),
        applied_by=trade.stage.bidders[bidder].user, applied_at=clock.now(), updated_at=clock.now(),
    )  # fmt: skip


def test_the_agent_claims_on_a_guarantee_named_by_uid_through_the_one_lookup(
    bidding: Trade, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = _issued_guarantee(bidding, 1, "app-claim")
    elsewhere = _issued_guarantee(bidding, 1, "app-other", section=bidding.stage.other_section)
    claimed: list[Guarantee] = []

    def fake_claim(*, actor: Any, guarantee: Guarantee, **_: Any) -> Guarantee:  # the issuer's side faked
        claimed.append(guarantee)
        return guarantee

    monkeypatch.setattr(views.guarantees, "guarantee_claim", fake_claim)
    agent = _client(bidding.world.agent_user)
    url = reverse("securities:guarantee-claim", args=[bidding.section.code])
    form = {"reason": "withdrawn_after_deadline", "documents_clause": "第 3.4.4 项", "evidence": "撤回记录"}
    assert agent.post(url, {**form, "guarantee": str(given.uid)}).status_code == 404  # before the opening
    bidding.clock.at(t("2026-03-25 10:00"))
    html = _page(agent, reverse("securities:section", args=[bidding.section.code]))
    assert str(given.uid) in html  # the claim form names it
    response = agent.post(url, {**form, "guarantee": str(given.uid)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("securities:section", args=[bidding.section.code])
    assert claimed == [given]
    for uid in (elsewhere.uid, "00000000-0000-4000-8000-000000000000"):  # another section's, or none
        assert agent.post(url, {**form, "guarantee": str(uid)}).status_code == 404
    assert claimed == [given]


def test_a_refunded_deposit_is_said_refunded_on_the_bidders_and_the_sections_page(bidding: Trade) -> None:
    account = SubAccount.objects.get(number=NUMBER_A)
    Refund.objects.create(
        refund_id="R-PAGE", sub_account=account, trigger="contract_signed", basis="招标投标法实施条例 §57",
        triggered_at=t("2026-04-20 09:00"), due_by=t("2026-04-25 09:00"), principal_fen=SECURITY_FEN,
        to_name=bidding.stage.bidders[0].organisation.name, to_account=PAYER_ACCOUNT, state="paid",
        paid_at=t("2026-04-21 09:00"),
    )  # fmt: skip
    bidding.clock.at(t("2026-04-22 10:00"))
    pages = (
        (bidding.stage.bidders[0].user, reverse("securities:bidder-section", args=[bidding.section.code])),
        (bidding.world.staff[0], reverse("securities:section", args=[bidding.section.code])),
    )
    for user, url in pages:
        html = _page(_client(user), url)
        assert 'data-status="paid"' in html  # the kind as of the deadline
        assert 'data-refunded="paid"' in html
        assert "已退还（100,000.00 元）" in html
    html = _page(_client(bidding.stage.bidders[1].user), pages[0][1])
    assert "data-refunded" not in html  # another bidder's refund is not its own
