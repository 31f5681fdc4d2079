"""The notice services: required content item by item, corrections, the registration gate (容缺 step
check), publication derived from the clock, immutability after publication, withdrawal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.notices import selectors, services
from ggzy.notices.content import SCHEMAS, Kind
from ggzy.notices.models import Notice, NoticeState, NoticeType
from ggzy.registry.models import TenderProject
from ggzy.registry.services import Promise
from tests.notices.conftest import Place, accepted, pdf, tender_content
from tests.registry.conftest import make_world

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize("key", [item.key for item in SCHEMAS[NoticeType.TENDER].items])
def test_each_required_item_of_a_tender_notice_is_refused_when_missing(place: Place, key: str) -> None:
    content = tender_content()
    del content[key]
    label = str(next(i.label for i in SCHEMAS[NoticeType.TENDER].items if i.key == key))
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        place.draft(content=content)
    assert refused.value.code.value == "notice_content_missing"
    assert refused.value.detail == {"item": key, "label": label}
    message = str(refused.value.message)
    assert "缺少必填项" in message, message
    assert label in message, label
    assert any("\u4e00" <= ch <= "\u9fff" for ch in label), label  # the Chinese label
    assert not Notice.objects.exists()
    assert not Event.objects.filter(type__startswith="notices.").exists()


def test_a_procurement_notice_carries_budget_and_ceiling_in_fen(place: Place) -> None:
    items = {i.key: i.kind for i in SCHEMAS[NoticeType.PROCUREMENT].items}
    assert items["budget_fen"] == Kind.MONEY
    assert items["ceiling_price_fen"] == Kind.MONEY
    content = {k: v for k, v in tender_content().items() if k != "content_scope_scale"}
    content |= {"procurement_needs": "车站保洁服务一年", "budget_fen": 123456789, "ceiling_price_fen": 1.5}
    with pytest.raises(DomainError) as refused:
        place.draft(notice_type="procurement", content=content)
    assert refused.value.code.value == "notice_content_invalid"
    assert refused.value.detail["item"] == "ceiling_price_fen"  # a float is never money
    content["ceiling_price_fen"] = 120000000
    notice = place.draft(notice_type="procurement", content=content)
    assert notice.content["budget_fen"] == 123456789


def test_an_item_the_type_does_not_carry_and_a_bad_instant_are_refused(place: Place) -> None:
    with pytest.raises(DomainError) as refused:
        place.draft(content=tender_content(extra="x"))
    assert refused.value.detail["item"] == "extra"
    with pytest.raises(DomainError) as refused:
        place.draft(content=tender_content(bid_deadline="2026-03-25 09:30"))  # no offset
    assert refused.value.detail["item"] == "bid_deadline"
    assert not Notice.objects.exists()


def test_every_type_has_a_schema_and_label() -> None:
    assert set(SCHEMAS) == set(NoticeType)
    for schema in SCHEMAS.values():
        assert schema.items
        assert schema.source
        assert any(item.key == "contacts" for item in schema.items)


def test_a_notice_for_another_agents_project_is_not_found(place: Place) -> None:
    other = make_world_elsewhere()
    with pytest.raises(DomainError) as refused:
        place.draft(tender_project=other)
    assert refused.value.code.status == 404
    notice = place.draft()
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user(username="stranger")
    with pytest.raises(DomainError) as refused:
        selectors.access_notice(viewer=stranger, uid=notice.uid)
    assert refused.value.code.status == 404
    with pytest.raises(DomainError) as refused:
        services.notice_schedule(actor=stranger, notice=notice, publish_at=clock.now())
    assert refused.value.code.status == 404


def make_world_elsewhere() -> TenderProject:
    """Another initiator's project at another centre, with its own agent."""
    from ggzy.accounts import parties
    from ggzy.accounts.models import RoleGrant
    from ggzy.core.roles import Role
    from tests.factories import make_uscc

    centre = parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200")
    org = parties.organisation_register(
        actor=None, uscc=make_uscc(region="210200"), name="大连港湾建设有限公司", legal_representative="周",
        contact_name="吴", contact_phone="13900000088",
    )  # fmt: skip
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="dl-initiator")
    parties.membership_add(actor=None, user=user, organisation=org)
    RoleGrant.objects.create(user=user, role=Role.INITIATOR, organisation=org, granted_at=clock.now())
    from ggzy.registry import services as registry
    from ggzy.registry.models import TradingCategory

    registry.category_serve(actor=None, centre=centre, category=TradingCategory.objects.get(code="land"))
    registration = registry.registration_file(
        actor=user, centre=centre, category=TradingCategory.objects.get(code="land"), name="大连湾地块出让",
        initiator=org, agent=None, region="210200", external={},
        tender_projects=[registry.TenderProjectIn(name="地块出让", sections=[registry.SectionIn(
            name="一宗地", budget_yuan="1000000", price_form="amount", method="land_listing")])],
        files={"application_form": pdf("申请表"), "transfer_entrustment": pdf("委托书"),
               "attachments": pdf("附件")},
        promises={},
    )  # fmt: skip
    return TenderProject.objects.get(project=registration.project)


def test_published_is_derived_from_publish_at_on_the_clock(place: Place, freeze: Any) -> None:
    now = clock.now()
    freeze(now)
    notice = place.scheduled(after=2 * HOUR)
    assert notice.state == NoticeState.SCHEDULED
    assert len(notice.text_sm3) == 64
    assert not selectors.is_published(notice)
    assert list(selectors.published()) == []
    freeze(now + 2 * HOUR)
    assert selectors.is_published(notice)
    assert list(selectors.published()) == [notice]
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.SCHEDULED  # nothing stored changed


def test_a_published_notice_is_immutable(place: Place, freeze: Any) -> None:
    notice = place.scheduled()
    freeze(clock.now() + dt.timedelta(seconds=1))
    before = Notice.objects.values().get(pk=notice.pk)
    for act in (
        lambda: services.notice_edit(
            actor=place.world.agent_user, notice=notice, title="改了", content=tender_content()
        ),
        lambda: services.notice_withdraw(actor=place.world.agent_user, notice=notice),
        lambda: services.notice_schedule(actor=place.world.agent_user, notice=notice, publish_at=clock.now()),
    ):
        with pytest.raises(DomainError) as refused:
            act()
        assert refused.value.code.value in {"notice_published", "notice_state"}
    assert Notice.objects.values().get(pk=notice.pk) == before


def test_a_scheduled_notice_is_withdrawn_before_its_instant_only(place: Place, freeze: Any) -> None:
    now = clock.now()
    freeze(now)
    notice = place.scheduled(after=HOUR)
    withdrawn = services.notice_withdraw(actor=place.world.agent_user, notice=notice)
    assert withdrawn.state == NoticeState.WITHDRAWN
    freeze(now + 2 * HOUR)
    assert not selectors.is_published(Notice.objects.get(pk=notice.pk))
    assert list(selectors.published()) == []


def test_a_publish_instant_in_the_past_is_refused(place: Place) -> None:
    notice = place.draft()
    with pytest.raises(DomainError) as refused:
        services.notice_schedule(actor=place.world.agent_user, notice=notice, publish_at=clock.now() - HOUR)
    assert refused.value.code.value == "notice_publish_at_past"
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.DRAFT


def test_a_correction_without_its_original_is_refused(place: Place, freeze: Any) -> None:
    correction = {"changes": "投标截止时间延至 2026 年 3 月 30 日 9:30", "contacts": "李，13900000001"}
    for corrects in (None,):
        with pytest.raises(DomainError) as refused:
            place.draft(notice_type="correction", title="更正公告", content=correction, corrects=corrects)
        assert refused.value.code.value == "notice_corrects_required"
    original = place.draft()
    with pytest.raises(DomainError) as refused:  # not published: nothing to correct yet
        place.draft(notice_type="correction", title="更正公告", content=correction, corrects=original)
    assert refused.value.code.value == "notice_corrects_invalid"
    with pytest.raises(DomainError) as refused:  # a tender notice names no other notice
        place.draft(corrects=original)
    assert refused.value.code.value == "notice_corrects_refused"
    assert Notice.objects.count() == 1
    services.notice_schedule(actor=place.world.agent_user, notice=original, publish_at=clock.now())
    freeze(clock.now() + dt.timedelta(seconds=1))
    fix = place.draft(notice_type="correction", title="更正公告", content=correction, corrects=original)
    assert fix.corrects == original


def test_the_first_notice_waits_for_the_registration_and_its_promises(db: Any, freeze: Any) -> None:
    world = make_world()
    due = clock.local_now().date() + dt.timedelta(days=3)
    registration = world.file(
        files={"application_form": pdf("申请表"), "filing_form": pdf("备案表")},
        promises={"agency_contract": Promise("合同盖章中，三日内补交", due)},
    )
    tender_project = TenderProject.objects.get(project=registration.project)
    place = Place(world, registration, tender_project)
    notice = place.draft()
    with pytest.raises(DomainError) as refused:  # not accepted yet
        services.notice_schedule(actor=world.agent_user, notice=notice, publish_at=clock.now())
    assert refused.value.code.value == "notice_registration_not_accepted"
    a, b, c = world.staff
    from ggzy.registry import services as registry

    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    with pytest.raises(DomainError) as refused:  # the promised contract is needed before the notice
        services.notice_schedule(actor=world.agent_user, notice=notice, publish_at=clock.now())
    assert refused.value.code.value == "step_blocked"
    assert refused.value.detail == {"items": ["agency_contract"], "step": "notice"}
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.DRAFT
    registry.item_supply(actor=world.agent_user, registration=registration, key="agency_contract",
                         upload=pdf("合同"))  # fmt: skip
    registry.promised_item_confirm(actor=b, registration=registration, key="agency_contract")
    scheduled = services.notice_schedule(actor=world.agent_user, notice=notice, publish_at=clock.now())
    assert scheduled.state == NoticeState.SCHEDULED


def test_scheduled_events_are_embargoed_until_the_instant(place: Place, freeze: Any) -> None:
    from ggzy.events.selectors import events_visible_to

    now = clock.now()
    freeze(now)
    notice = place.scheduled(after=HOUR)
    staff = place.world.staff[0]
    assert not events_visible_to(staff).filter(type="notices.notice.scheduled").exists()
    assert events_visible_to(place.world.agent_user).filter(type="notices.notice.scheduled").exists()
    freeze(now + HOUR)
    assert events_visible_to(staff).filter(type="notices.notice.scheduled").exists()
    assert notice.uid


def test_staff_record_a_remark_on_the_form_and_approve_nothing(place: Place) -> None:
    notice = place.draft()
    staff = place.world.staff[0]
    remarked = services.notice_form_remark(actor=staff, notice=notice, remark="标题应写明标段")
    assert remarked.form_remark == "标题应写明标段"
    assert remarked.state == NoticeState.DRAFT
    with pytest.raises(DomainError) as refused:  # staff draft nothing, schedule nothing
        services.notice_schedule(actor=staff, notice=notice, publish_at=clock.now())
    assert refused.value.code.status == 404


def test_the_sm3_is_of_the_canonical_text(place: Place) -> None:
    notice = place.scheduled()
    assert notice.publish_at is not None
    assert notice.text_sm3 == services.text_sm3(notice, notice.publish_at)


@pytest.mark.clause("6.4.2")
def test_a_medium_is_recorded_on_a_scheduled_notice(place: Place) -> None:
    notice = place.scheduled()
    medium = services.medium_add(
        actor=place.world.agent_user, notice=notice, name="中国招标投标公共服务平台",
        url="https://www.cebpubservice.com/x", published_on=clock.local_now().date(),
    )  # fmt: skip
    assert medium.notice == notice
    with pytest.raises(DomainError):
        services.medium_add(
            actor=place.world.agent_user, notice=notice, name="x", url="javascript:alert(1)",
            published_on=clock.local_now().date(),
        )  # fmt: skip


def test_accepted_helper_is_used(place: Place) -> None:
    place.registration.refresh_from_db()
    assert place.registration.state == "accepted"
    assert accepted  # the helper other tests use


#: The notice types standard 6.4.1 names, with those the law adds (资格预审公告 — 实施条例 §15;
#: 投标邀请书 — 招标投标法 §17; 终止公告 — 实施条例 §31; 单一来源公示 — 政府采购法实施条例 §38), as
#: the platform prints them.
STANDARD_TYPES = {
    "招标公告",
    "采购公告",
    "出让公告",
    "转让公告",
    "更正公告",
    "特殊事项公告",
    "中标候选人公示",
    "成交结果公示",
    "中标结果公告",
    "成交公告",
    "资格预审公告",
    "投标邀请书",
    "终止公告",
    "单一来源公示",
}


@pytest.mark.clause("6.4.1")
def test_every_notice_type_the_standard_names_can_be_drafted_with_its_required_content() -> None:
    with translation.override("zh-hans"):
        labels = {str(label) for label in NoticeType.labels}
    assert labels >= STANDARD_TYPES
    for schema in SCHEMAS.values():  # every item of a type's table is required (refused when missing)
        assert schema.items
