"""Who may take part: an invitation tender's invited list (at least three before the documents are
issued; only the invited obtain them) and consortia (shares adding up, the lead a member, one consortium
per section and then no bid alone) — 招标投标法 §17, §31."""

from __future__ import annotations

from typing import Any

import pytest

from ggzy.core.errors import CoreError, DomainError
from ggzy.events.models import Event
from ggzy.registry.models import Section
from ggzy.sealing import admission
from ggzy.tendering import parties, selectors, services
from ggzy.tendering.errors import TenderingError
from ggzy.tendering.models import ConsortiumMember, Invitation, TenderDocuments
from tests.notices.test_objections import Trade, t
from tests.tendering.test_documents import bidder, records, refused


def organisation_of(user: Any) -> int:
    return int(user.memberships.get().organisation_id)


def test_an_invitation_tender_invites_three_before_issuing_and_only_they_obtain(trade: Trade) -> None:
    Section.objects.filter(tender_project=trade.tender_project).update(method_id="invited_tender")
    agent = trade.world.agent_user
    documents = services.documents_draft(
        actor=agent, tender_project=trade.tender_project, title="邀请招标文件", criteria=records(trade)
    )
    trade.clock.at(t("2026-03-02 10:05"))
    invited = [bidder(f"invited-{n}", f"受邀{n}建设有限公司") for n in range(3)]

    def services_call() -> TenderDocuments:
        return services.documents_issue(actor=agent, documents=documents)

    parties.invitation_send(
        actor=agent, tender_project=trade.tender_project, organisation_ids=[organisation_of(invited[0])]
    )
    error = refused(services_call)
    assert error.code is TenderingError.TOO_FEW_INVITED
    assert error.detail == {"min": 3}
    parties.invitation_send(
        actor=agent,
        tender_project=trade.tender_project,
        organisation_ids=[organisation_of(u) for u in invited],  # again for the first: no change
    )
    assert Invitation.objects.count() == 3
    services_call()
    outsider = bidder("outsider", "未受邀建设有限公司")
    assert refused(lambda: services.documents_obtain(actor=outsider, documents=documents)).code is (
        TenderingError.NOT_INVITED
    )
    services.documents_obtain(actor=invited[1], documents=documents)
    # the bidder's list: the invited see the invitation tender's documents, an outsider does not
    assert documents in selectors.obtainable_for(viewer=invited[0])
    assert documents not in selectors.obtainable_for(viewer=outsider)
    assert selectors.obtainable_for(viewer=trade.world.agent_user) == []  # no bidder organisation
    # who is invited is secret before the opening: for the supervisors, embargoed on each section
    sent = Event.objects.filter(type="tendering.invitation.sent")
    assert sent.count() == 3 * 2
    assert {e.embargo_kind for e in sent} == {"section.opening"}


def test_only_an_organisation_that_obtained_the_documents_may_bid(trade: Trade) -> None:
    """Sealing asks tendering at every upload and bid (`sealing.admission`, registered at start-up)."""
    section = Section.objects.filter(tender_project=trade.tender_project).order_by("pk").first()
    holder, stranger = bidder("holder", "领取建设有限公司"), bidder("stranger", "未领取建设有限公司")
    assert admission.refusal(section, organisation_of(stranger)) is None  # no documents issued yet
    documents = consortium_documents(trade, allowed=False)
    services.documents_obtain(actor=holder, documents=documents)
    assert admission.refusal(section, organisation_of(holder)) is None
    assert admission.refusal(section, organisation_of(stranger)) == "documents_not_obtained"


def test_an_open_tender_has_no_invited_list_and_a_stranger_cannot_invite(trade: Trade) -> None:
    invitee = bidder("invitee", "受邀建设有限公司")
    error = refused(
        lambda: parties.invitation_send(
            actor=trade.world.agent_user,
            tender_project=trade.tender_project,
            organisation_ids=[organisation_of(invitee)],
        )
    )
    assert error.code is TenderingError.NOT_INVITATION
    error = refused(
        lambda: parties.invitation_send(
            actor=invitee, tender_project=trade.tender_project, organisation_ids=[organisation_of(invitee)]
        )
    )
    assert error.code is CoreError.NOT_FOUND


def consortium_documents(trade: Trade, *, allowed: bool) -> TenderDocuments:
    agent = trade.world.agent_user
    documents = services.documents_draft(
        actor=agent,
        tender_project=trade.tender_project,
        title="招标文件",
        criteria=records(trade, consortium_allowed=allowed),
    )
    trade.clock.at(t("2026-03-02 10:05"))
    return services.documents_issue(actor=agent, documents=documents)


@pytest.mark.parametrize(
    ("shares", "lead_in"),
    [((600, 300), True), ((600, 400), False), ((1000,), True), ((0, 1000), True)],
)
def test_a_consortium_needs_shares_adding_up_with_its_lead_among_the_members(
    trade: Trade, shares: tuple[int, ...], lead_in: bool
) -> None:
    consortium_documents(trade, allowed=True)
    lead, partner, third = (
        bidder("lead", "牵头建设有限公司"),
        bidder("partner", "成员甲有限公司"),
        bidder("third", "成员乙有限公司"),
    )
    section = trade.section
    ids = [organisation_of(u) for u in ([lead, partner] if lead_in else [partner, third])][: len(shares)]
    members = [(org, share, "施工") for org, share in zip(ids, shares, strict=False)]
    error = refused(
        lambda: parties.consortium_form(
            actor=lead, section=section, name="牵头联合体", lead_id=organisation_of(lead), members=members
        )
    )
    assert error.code is TenderingError.CONSORTIUM_SHARES
    assert not ConsortiumMember.objects.exists()


def test_one_consortium_per_section_and_no_bid_alone_by_a_member(trade: Trade) -> None:
    consortium_documents(trade, allowed=False)
    lead, partner, other = (
        bidder("lead", "牵头建设有限公司"),
        bidder("partner", "成员甲有限公司"),
        bidder("other", "另一牵头有限公司"),
    )
    section = trade.section
    members = [(organisation_of(lead), 600, "土建"), (organisation_of(partner), 400, "安装")]

    def form(actor: Any, lead_id: int, rows: list[tuple[int, int, str]]) -> Any:
        return parties.consortium_form(
            actor=actor, section=section, name="联合体", lead_id=lead_id, members=rows
        )

    error = refused(lambda: form(lead, organisation_of(lead), members))
    assert error.code is TenderingError.CONSORTIUM_NOT_ALLOWED
    consortium = _allowed(trade, lambda: form(lead, organisation_of(lead), members))
    assert sorted(consortium.members.values_list("share_permille", flat=True)) == [400, 600]
    # the partner in a second consortium for the same section: refused, nothing written
    again = [(organisation_of(other), 500, "土建"), (organisation_of(partner), 500, "安装")]
    error = refused(lambda: form(other, organisation_of(other), again))
    assert error.code is TenderingError.CONSORTIUM_TWICE
    assert ConsortiumMember.objects.count() == 2
    # at submission: a member alone is refused, an outsider alone is not, the consortium itself is not
    with pytest.raises(DomainError):
        parties.consortium_conflict(section=section, organisation_id=organisation_of(partner))
    parties.consortium_conflict(section=section, organisation_id=organisation_of(other))
    parties.consortium_conflict(section=section, organisation_id=organisation_of(lead), consortium=consortium)
    # the other section is another matter
    parties.consortium_conflict(section=trade.stage.other_section, organisation_id=organisation_of(partner))
    formed = Event.objects.filter(type="tendering.consortium.formed")
    assert [e.embargo_kind for e in formed] == ["section.opening"]


def _allowed(trade: Trade, form: Any) -> Any:
    """Issue documents that accept consortia (a new draft: the first one refused them), then form."""
    consortium_documents(trade, allowed=True)
    return form()
