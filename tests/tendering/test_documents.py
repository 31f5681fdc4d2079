"""The tender documents (standard 6.5.1, 11.2.6, 11.2.7): drafted with a criteria record per section,
checked as a format and against the method table; issued once the tender notice is published (version
1 frozen with its SM3); obtained online by a verified bidder, free, with nothing else asked; questions
from holders only; a clarification to every holder naming no asker, moving the deadline by the
15-day rule across a holiday, with the custodians' signed postponement; each bad input refused with
nothing changed."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from ggzy.accounts import parties
from ggzy.accounts.models import RoleGrant
from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.roles import Role
from ggzy.events.models import Event, Message
from ggzy.sealing import services as sealing
from ggzy.sealing.models import BidWindow
from ggzy.tendering import services
from ggzy.tendering.errors import TenderingError
from ggzy.tendering.models import (
    DocumentsHolder,
    DocumentsState,
    DocumentsVersion,
    Question,
    QuestionState,
    TenderDocuments,
)
from tests.factories import make_uscc
from tests.notices.test_objections import Trade, t

RECORD: dict[str, Any] = {
    "profile": "ggzy-criteria-v1",
    "section": "",
    "method": "open_tender",
    "price_kind": "amount",
    "qualification": [
        {"id": "Q1", "text": "具有建筑装修装饰工程专业承包一级资质", "evidence": ["资质证书"]},
    ],
    "scoring": [
        {
            "id": "T",
            "name": "技术标",
            "items": [
                {"id": "T1", "name": "施工组织设计", "kind": "subjective", "weight_permille": 500,
                 "standard": "优 50 分，良 40 分，中 30 分，差 20 分"},
                {"id": "C1", "name": "投标报价", "kind": "price", "weight_permille": 500},
            ],
        },
    ],
    "price_formula": {
        "name": "benchmark_mean",
        "parameters": {
            "k_choices": ["0.01", "0.02", "0.03"],
            "trim_min_bids": 5,
            "points_per_percent_above": "1",
            "points_per_percent_below": "0.5",
        },
    },
    "opening_sheet": {
        "price": {"kind": "amount", "ceiling_fen": 800_000_000}, "duration_days": {"required": True},
    },
    "bid_validity_days": 90,
    "decryption_window_minutes": 60,
    "release_remedy": "custodians",
    "bid_security": {"kind": "amount", "amount_fen": 10_000_000, "forms": ["guarantee", "insurance"]},
    "consortium_allowed": False,
    "library_items": [],
}  # fmt: skip


def records(trade: Trade, **changes: Any) -> dict[str, Any]:
    return records_for(trade.tender_project, **changes)


def records_for(tender_project: Any, **changes: Any) -> dict[str, Any]:
    """A valid criteria record for each section of `tender_project` (its code and method)."""
    out = {}
    for section in tender_project.sections.order_by("code"):
        record = copy.deepcopy(RECORD) | {"section": section.code, "method": section.method_id}
        record.update(changes)
        out[section.code] = record
    return out


def bidder(username: str, name: str) -> Any:
    user = get_user_model().objects.create_user(username=username)
    organisation = parties.organisation_register(
        actor=None, uscc=make_uscc(), name=name, legal_representative="陈", contact_name="陈",
        contact_phone="13900000009",
    )  # fmt: skip
    parties.membership_add(actor=None, user=user, organisation=organisation)
    RoleGrant.objects.create(
        user=user, role=Role.RESPONDER, organisation=organisation, granted_at=clock.now()
    )
    return user


def refused(call: Any) -> DomainError:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value


def issued(trade: Trade) -> TenderDocuments:
    agent = trade.world.agent_user
    documents = services.documents_draft(
        actor=agent,
        tender_project=trade.tender_project,
        title="车站装修施工招标文件",
        criteria=records(trade),
    )
    trade.clock.at(t("2026-03-02 10:05"))
    return services.documents_issue(actor=agent, documents=documents)


@pytest.mark.clause("11.2.6")
@pytest.mark.clause("8.1.1")
@pytest.mark.clause("11.2.7")
def test_documents_are_issued_frozen_and_obtained_online_free_once(trade: Trade) -> None:
    trade.clock.at(t("2026-03-02 09:00"))  # the notice is published at 10:00
    agent = trade.world.agent_user
    documents = services.documents_draft(
        actor=agent,
        tender_project=trade.tender_project,
        title="车站装修施工招标文件",
        criteria=records(trade),
    )
    assert refused(lambda: services.documents_issue(actor=agent, documents=documents)).code is (
        TenderingError.NO_NOTICE
    )
    documents = issued(trade)
    assert documents.state == DocumentsState.ISSUED
    assert documents.issued_at == t("2026-03-02 10:05")
    version = DocumentsVersion.objects.get(documents=documents)
    assert (version.number, len(version.criteria_sm3)) == (1, 64)
    assert Event.objects.filter(type="tendering.documents.issued").count() == 1
    # a verified bidder obtains them online with nothing else to show; again: the same holding
    user = bidder("bidder-x", "辽宁远航建设有限公司")
    trade.clock.at(t("2026-03-03 09:00"))
    held = services.documents_obtain(actor=user, documents=documents)
    assert services.documents_obtain(actor=user, documents=documents) == held
    assert held.version == 1
    assert documents.fee_fen == 0
    # one event per section, for the supervisors, embargoed on each section's opening
    obtained = Event.objects.filter(type="tendering.documents.obtained")
    assert obtained.count() == 2
    assert {e.embargo_kind for e in obtained} == {"section.opening"}
    # no one else: the initiator, anonymous-like users without a bidder organisation
    error = refused(lambda: services.documents_obtain(actor=trade.world.initiator_user, documents=documents))
    assert error.code is TenderingError.NOT_A_BIDDER
    assert DocumentsHolder.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"bid_security": {"kind": "amount", "amount_fen": 24_691_358, "forms": ["guarantee"]}}, "cap"),
        ({"price_kind": "rate"}, "format"),
        ({"scoring": [{"id": "T", "name": "技术标", "items": [
            {"id": "T1", "name": "施工组织设计", "kind": "subjective", "weight_permille": 500,
             "standard": "x"},
            {"id": "C1", "name": "投标报价", "kind": "price", "weight_permille": 490}]}]}, "format"),
        ({"price_formula": {"name": "benchmark_mean", "parameters": {
            "k_choices": ["0.01"], "trim_min_bids": 5, "points_per_percent_above": "1",
            "points_per_percent_below": "0.5", "alpha": "1"}}}, "format"),
        ({"method": "inquiry"}, "format"),
    ],
)  # fmt: skip
def test_bad_criteria_are_refused_and_nothing_is_drafted(
    trade: Trade, change: dict[str, Any], code: str
) -> None:
    bad = records(trade)
    first = next(iter(bad))
    bad[first].update(change)
    error = refused(
        lambda: services.documents_draft(
            actor=trade.world.agent_user, tender_project=trade.tender_project, title="招标文件", criteria=bad
        )
    )
    expected = TenderingError.SECURITY_CAP if code == "cap" else TenderingError.CRITERIA_INVALID
    assert error.code is expected
    assert not TenderDocuments.objects.exists()


def test_the_security_cap_is_two_percent_of_the_section_budget_to_the_fen(trade: Trade) -> None:
    # 一标段 12,345,678.90 yuan: 2 % is 246,913.578 → 246,913.57 yuan; 二标段 8,000,000: 160,000
    sections = list(trade.tender_project.sections.order_by("code"))
    at_cap = records(trade)
    at_cap[sections[0].code]["bid_security"]["amount_fen"] = 24_691_357
    at_cap[sections[1].code]["bid_security"]["amount_fen"] = 16_000_000
    services.documents_draft(
        actor=trade.world.agent_user, tender_project=trade.tender_project, title="招标文件", criteria=at_cap
    )
    over = copy.deepcopy(at_cap)
    over[sections[1].code]["bid_security"]["amount_fen"] = 16_000_001
    error = refused(
        lambda: services.documents_draft(
            actor=trade.world.agent_user, tender_project=trade.tender_project, title="招标文件", criteria=over
        )
    )
    assert error.code is TenderingError.SECURITY_CAP
    assert error.detail["cap"] == "160,000.00"


def test_questions_come_from_holders_and_the_clarification_names_no_asker(
    trade: Trade, django_capture_on_commit_callbacks: Any
) -> None:
    documents = issued(trade)
    asker, other, outsider = (
        bidder("asker", "甲建设有限公司"),
        bidder("other", "乙建设有限公司"),
        bidder("outsider", "丙建设有限公司"),
    )
    trade.clock.at(t("2026-03-04 09:00"))
    services.documents_obtain(actor=asker, documents=documents)
    services.documents_obtain(actor=other, documents=documents)
    error = refused(lambda: services.question_ask(actor=outsider, documents=documents, text="工期可否延长？"))
    assert error.code is TenderingError.NOT_HOLDER
    question = services.question_ask(actor=asker, documents=documents, text="工期可否延长至 200 天？")
    with django_capture_on_commit_callbacks(execute=True):
        clarification = services.clarification_issue(
            actor=trade.world.agent_user,
            documents=documents,
            text="工期不变，仍为 180 日历天。",
            answers=[question],
        )
    question.refresh_from_db()
    assert question.state == QuestionState.ANSWERED
    assert question.clarification == clarification
    told = Message.objects.filter(template="tendering.clarification")
    assert {m.recipient_id for m in told} == {asker.pk, other.pk}  # every holder, no one else
    for message in told:
        assert "甲建设" not in message.body
        assert "asker" not in message.body
    assert not clarification.moved  # a clarification that does not affect bids moves nothing


@pytest.mark.clause("6.5.1")
def test_a_clarification_14_days_before_the_deadline_moves_it_across_qingming(
    trade: Trade, django_capture_on_commit_callbacks: Any
) -> None:
    documents = issued(trade)
    with django_capture_on_commit_callbacks(execute=True):
        for section in documents.sections.all():
            sealing.window_set(actor=trade.world.agent_user, section=section, deadline=t("2026-04-03 09:30"))
    holder = bidder("holder", "甲建设有限公司")
    trade.clock.at(t("2026-03-20 10:00"))  # 14 days before Friday 3 April
    services.documents_obtain(actor=holder, documents=documents)
    changed = records(trade)
    for record in changed.values():
        record["bid_validity_days"] = 120
    with django_capture_on_commit_callbacks(execute=True):
        clarification = services.clarification_issue(
            actor=trade.world.agent_user,
            documents=documents,
            text="投标有效期改为 120 日。",
            criteria=changed,
        )
    # the 15 days from 20 March end on 4 April 24:00, a 清明 holiday (4–6 April): the period runs on to
    # the end of the next working day, 7 April 24:00 (民法典 §203, the calendar's one convention), so the
    # first deadline after it at the same 09:30 is Wednesday 8 April
    for section in documents.sections.all():
        assert BidWindow.objects.get(section=section).deadline == t("2026-04-08 09:30")
    for index in (1, 2, 3):
        assert any("2026-04-08T01:30:00" in str(n) for n in trade.stage.held.held_notices(index))
    documents.refresh_from_db()
    assert documents.version == 2
    version = DocumentsVersion.objects.get(documents=documents, number=2)
    assert clarification.version == version
    assert any(entry["path"].endswith("/bid_validity_days") for entry in version.diff)
    assert version.criteria_sm3 != DocumentsVersion.objects.get(documents=documents, number=1).criteria_sm3


def test_after_the_deadline_nothing_is_obtained_asked_or_amended(trade: Trade) -> None:
    documents = issued(trade)
    holder = bidder("holder", "甲建设有限公司")
    services.documents_obtain(actor=holder, documents=documents)
    trade.clock.at(t("2026-03-25 09:30"))  # the deadline
    late = bidder("late", "乙建设有限公司")
    assert refused(lambda: services.documents_obtain(actor=late, documents=documents)).code is (
        TenderingError.CLOSED
    )
    assert refused(lambda: services.question_ask(actor=holder, documents=documents, text="？")).code is (
        TenderingError.CLOSED
    )
    error = refused(
        lambda: services.clarification_issue(actor=trade.world.agent_user, documents=documents, text="补充")
    )
    assert error.code is TenderingError.CLOSED
    assert not Question.objects.exists()


def test_another_partys_documents_are_not_found(trade: Trade) -> None:
    documents = issued(trade)
    stranger = bidder("stranger", "丁建设有限公司")
    error = refused(lambda: services.clarification_issue(actor=stranger, documents=documents, text="x"))
    assert error.code is CoreError.NOT_FOUND
