"""The demo's tender documents (issue 26, standard 6.5.1, 11.2.6, 11.2.7): an engineering open tender whose
documents three bidders obtained, a question answered and the record amended to version 2; an invitation
tender with three invited and one holder; a consortium of two for a section accepting consortia; a
competitive consultation (竞争性磋商) just issued — and no demo page names or counts the holders."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from ggzy.calendar import calc
from ggzy.demo import sealing as demo_sealing
from ggzy.demo.tendering import CONSORTIUM, INVITED, SME_DEDUCTION
from ggzy.events.models import Event
from ggzy.notices import selectors as notices_selectors
from ggzy.notices.models import Notice, NoticeType
from ggzy.notices.services.deadlines import ANNOUNCING, CLARIFICATION
from ggzy.registry import methods
from ggzy.sealing.models import BidWindow
from ggzy.tendering.models import (
    Clarification,
    Consortium,
    DocumentsHolder,
    DocumentsState,
    Invitation,
    Question,
    QuestionState,
    TenderDocuments,
)
from ggzy_sm import criteria
from tests.demo.conftest import Demo, load_once
from tests.factories import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

#: `make demo`: the sandbox clock with a month of history, the demo CAs, in-process custodians
demo = load_once(sandbox=True, ca=True, GGZY_CUSTODIAN_TRANSPORT="ggzy.demo.custodians.IN_PROCESS")


def documents_of(method: str) -> TenderDocuments:
    return TenderDocuments.objects.select_related("tender_project__project").get(sections__method=method)


def test_the_four_trades_are_each_at_their_stage(demo: Demo) -> None:
    # the sealed bids' demo issues its own on the two sections it opens (tests/demo/test_demo_sealing)
    opened, today, _bidding = demo_sealing.stages()
    documents = list(TenderDocuments.objects.exclude(sections__in=[opened, today]))
    assert len(documents) == 4
    assert all(d.state == DocumentsState.ISSUED for d in documents)
    for d in documents:  # issued on a published notice announcing their sections, each record valid
        for code, record in d.criteria.items():
            criteria.check(record)
            assert record["section"] == code
        assert any(
            notices_selectors.is_published(n)
            for n in Notice.objects.filter(tender_project=d.tender_project, type__in=ANNOUNCING)
        )

    # each at its own stage
    stages = {
        (
            d.version,
            DocumentsHolder.objects.filter(documents=d).count(),
            Invitation.objects.filter(tender_project=d.tender_project).exists(),
            Consortium.objects.filter(section__in=d.sections.all()).exists(),
        )
        for d in documents
    }
    assert len(stages) == 4


def test_the_open_tender_was_obtained_asked_about_and_amended_to_version_2(demo: Demo) -> None:
    opened = TenderDocuments.objects.get(tender_project__project__name="观音阁水库除险加固工程")
    (section,) = opened.sections.all()
    assert section.method_id == "open_tender"
    assert opened.version == 2
    versions = {v.number: v for v in opened.versions.all()}
    assert set(versions) == {1, 2}
    assert versions[1].criteria[section.code]["bid_validity_days"] == 90
    assert versions[2].criteria[section.code]["bid_validity_days"] == 120
    assert versions[2].criteria_sm3 != versions[1].criteria_sm3
    record = opened.criteria[section.code]
    assert record["price_formula"]["name"] == "benchmark_mean"
    assert record["consortium_allowed"] is False
    assert 0 < record["bid_security"]["amount_fen"] <= section.budget_fen * 2 // 100
    assert DocumentsHolder.objects.filter(documents=opened).count() == 3
    question = Question.objects.get(documents=opened)
    assert question.state == QuestionState.ANSWERED
    answer, amendment = Clarification.objects.filter(documents=opened).order_by("issued_at")
    assert question.clarification == answer
    assert (answer.affects_bids, answer.version) == (False, None)
    assert amendment.affects_bids
    assert amendment.version is not None
    assert amendment.version.number == 2
    # the deadline in force leaves the amendment its 15 days (moved if it did not)
    window = BidWindow.objects.get(section=section)
    calc.rule_check(
        CLARIFICATION["engineering"], act_at=amendment.issued_at, anchor_at=window.deadline, centre="ln",
        moving="anchor",
    )  # fmt: skip


def test_the_invitation_tender_has_three_invited_and_one_holder(demo: Demo) -> None:
    invited = documents_of("invited_tender")
    invitations = Invitation.objects.filter(tender_project=invited.tender_project)
    assert invitations.count() == len(INVITED) >= 3
    (holder,) = DocumentsHolder.objects.filter(documents=invited)
    assert invitations.filter(organisation=holder.organisation).exists()
    assert Notice.objects.filter(tender_project=invited.tender_project, type=NoticeType.INVITATION).exists()


def test_two_bidders_formed_a_consortium_where_the_documents_accept_one(demo: Demo) -> None:
    (consortium,) = Consortium.objects.all()
    members = {m.organisation_id: m.share_permille for m in consortium.members.all()}
    assert sorted(members.values()) == sorted(share for _key, share, _work in CONSORTIUM) == [400, 600]
    assert consortium.lead_id in members
    accepting = TenderDocuments.objects.get(sections=consortium.section)
    assert accepting.criteria[consortium.section.code]["consortium_allowed"] is True
    assert accepting.state == DocumentsState.ISSUED


def test_the_competitive_consultation_is_just_issued(demo: Demo) -> None:
    """Obtained by no one; its price weight within the method table's bounds, the SME deduction 10 %."""
    consultation = documents_of("competitive_consultation")
    assert consultation.version == 1
    assert not DocumentsHolder.objects.filter(documents=consultation).exists()
    (record,) = consultation.criteria.values()
    assert record["price_formula"]["name"] == "lowest_price"
    assert record["sme_deduction_pct"] == str(SME_DEDUCTION) == "10"
    rules = methods.rules_of("competitive_consultation")
    weight = criteria.price_weight_permille(record)
    assert weight is not None
    methods.price_weight_check(rules, weight_pct=weight // 10, kind="goods")
    assert Notice.objects.filter(
        tender_project=consultation.tender_project, type=NoticeType.PROCUREMENT
    ).exists()


def pages_of(client: Client) -> list[str]:
    """Every tendering page the client may open (the others answer 302, 403 or 404: nothing shown)."""
    urls = [
        reverse("tendering:documents"),
        reverse("tendering:obtainable"),
        reverse("tendering:preparation") + "?days=60",
        "/notices/",
    ]
    for d in TenderDocuments.objects.select_related("tender_project"):
        urls += [
            reverse("tendering:documents") + f"?tender_project={d.tender_project.code}",
            reverse("tendering:documents-detail", args=[d.uid]),
            reverse("tendering:obtainable-detail", args=[d.uid]),
        ]
    for notice in Notice.objects.filter(
        tender_project__in=[d.tender_project for d in TenderDocuments.objects.all()]
    ):
        urls.append(f"/notices/{notice.uid}/")
    shown = []
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), url
        if response.status_code == 200:
            shown.append(response.content.decode())
    return shown


def test_no_demo_page_names_the_holders(demo: Demo) -> None:
    users = get_user_model().objects
    holders = DocumentsHolder.objects.select_related("organisation")
    opened = TenderDocuments.objects.get(tender_project__project__name="观音阁水库除险加固工程")
    everyone = [
        None, "agent", "agent2", "initiator3", "initiator2", "staff", "sy-staff", "supervisor", "supervisor2",
        "bidder-ghjs", "bidder-hylq", "bidder-dfjd",
    ]  # fmt: skip
    for username in everyone:
        client = Client()
        own: set[int] = set()
        if username is not None:
            user = users.get(username=username)
            signed_in(client, user)
            own = set(user.memberships.values_list("organisation_id", flat=True))
        others = [h.organisation for h in holders if h.organisation_id not in own]
        assert others
        pages = pages_of(client)
        assert pages, username
        if username in ("agent", "bidder-hylq"):  # the crawl reaches the documents (a party's, a holder's)
            assert any(opened.title in page for page in pages), username
        for page in pages:
            for organisation in others:
                assert organisation.name not in page, (username, organisation.name)
                assert organisation.uscc not in page, (username, organisation.uscc)


def test_a_second_load_adds_nothing(demo: Demo) -> None:
    counts = (TenderDocuments.objects.count(), Clarification.objects.count(), Event.objects.count())
    call_command("demo_load", verbosity=0)
    assert (TenderDocuments.objects.count(), Clarification.objects.count(), Event.objects.count()) == counts
