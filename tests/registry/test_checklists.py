"""The seeded checklists (standard 6.2.2.1–6.2.2.4), checklist versions, conditional items, the must-enter
list per centre and category (12.1.5), one form for every category with 容缺 (12.1.3), and the deputy
(AB角) taking over while the responsible person is on leave (12.1.2)."""

from __future__ import annotations

import datetime as dt

import pytest

from ggzy.accounts import parties
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.registry import selectors, services
from ggzy.registry.models import (
    CentreCategory,
    Checklist,
    ChecklistItem,
    Need,
    State,
    TradingCategory,
)
from ggzy.registry.services import Promise, SectionIn, TenderProjectIn
from tests.registry.conftest import World, pdf, staff_user

pytestmark = pytest.mark.django_db
APPLICATION = "公共资源进场交易申请表"


def items_of(category: str) -> dict[str, ChecklistItem]:
    checklist = selectors.current_checklist(TradingCategory.objects.get(code=category))
    return {item.name: item for item in checklist.items.all()}


def required(category: str, *names: str) -> None:
    """Each document the standard names is on the category's checklist, and required."""
    items = items_of(category)
    for name in names:
        found = [item for item_name, item in items.items() if item_name.startswith(name)]
        assert found, f"{category}: {name} is not on the checklist"
        assert found[0].need == Need.MANDATORY, f"{category}: {name} is not required"


@pytest.mark.clause("6.2.2.2")
def test_the_procurement_checklist_holds_what_the_standard_names() -> None:
    required("procurement", APPLICATION, "政府采购系统项目备案或审批表")


@pytest.mark.clause("6.2.2.3")
def test_the_land_checklist_holds_what_the_standard_names() -> None:
    required("land", APPLICATION, "出让委托书", "出让相关附件")


@pytest.mark.clause("6.2.2.4")
def test_the_assets_checklist_holds_what_the_standard_names_and_the_auction_contract_if_any(
    world: World,
) -> None:
    required("assets", APPLICATION, "资产处置批准文件", "资产评估报告")
    auction = items_of("assets")["委托拍卖合同（如有）"]
    assert auction.need == Need.CONDITIONAL
    assert auction.condition  # says when it applies
    # an asset sale without an auction house declares the contract inapplicable; a mandatory item cannot be
    assets = TradingCategory.objects.get(code="assets")
    services.category_serve(actor=None, centre=world.centre, category=assets)
    sale = {
        "actor": world.initiator_user,
        "agent": None,
        "category": assets,
        "external": {},
        "name": "沈阳地铁集团有限公司废旧物资转让",
        "tender_projects": [
            TenderProjectIn("废旧物资", [SectionIn("1 号标的", "386000", "amount", "asset_listing")])
        ],
        "files": {
            "application_form": pdf("申请表"),
            "disposal_approval": pdf("处置批复"),
            "valuation_report": pdf("评估报告"),
        },
    }
    registration = world.file(**sale, not_applicable={"auction_contract"})
    assert selectors.missing_items(registration) == []
    with pytest.raises(DomainError) as caught:
        world.file(**sale, not_applicable={"valuation_report"})
    assert caught.value.code.value == "incomplete"


def test_conditional_items_exist_where_a_document_applies_only_sometimes() -> None:
    conditional = ChecklistItem.objects.filter(checklist__version=1, need=Need.CONDITIONAL)
    names = set(conditional.values_list("name", flat=True))
    assert "委托拍卖合同（如有）" in names
    assert {"招标代理委托合同（委托代理时）", "采购代理委托协议（委托代理时）"} <= names
    assert all(item.condition for item in conditional)


def test_a_registration_keeps_the_checklist_version_it_was_filed_under(world: World) -> None:
    first = world.file()
    v1 = first.checklist
    v2 = Checklist.objects.create(
        category=world.engineering, version=2, published_at=clock.now(), basis="标准 6.2.2；省级新规"
    )
    for n, (key, name, need) in enumerate(
        (
            ("application_form", APPLICATION, Need.MANDATORY),
            ("filing_form", "省招标投标监管网项目备案表", Need.MANDATORY),
            ("safety_plan", "安全文明施工措施费用说明", Need.MANDATORY),
            ("agency_contract", "招标代理委托合同（委托代理时）", Need.CONDITIONAL),
        )
    ):
        ChecklistItem.objects.create(
            checklist=v2, key=key, name=name, need=need, media_types=["application/pdf"], order=n
        )
    incomplete = world.file()  # a new registration follows version 2: its new item is missing
    assert incomplete.checklist == v2
    assert selectors.missing_items(incomplete) == ["safety_plan"]
    assert incomplete.deadline is None
    second = world.file(
        files={
            "application_form": pdf("申请表2"),
            "filing_form": pdf("备案表2"),
            "safety_plan": pdf("安全文明施工"),
            "agency_contract": pdf("合同2"),
        }
    )
    assert second.checklist == v2
    first.refresh_from_db()
    assert first.checklist == v1  # the earlier one keeps version 1 and its items
    assert {i.checklist_item.checklist_id for i in first.items.select_related("checklist_item")} == {v1.pk}
    assert selectors.missing_items(first) == []
    services.registration_accept(
        actor=world.staff[0], registration=first, responsible=world.staff[1], deputy=world.staff[2]
    )
    first.refresh_from_db()
    assert first.state == State.ACCEPTED


@pytest.mark.clause("12.1.5")
def test_the_must_enter_list_is_kept_per_centre_and_category(world: World) -> None:
    engineering = world.engineering
    city_list = "依法必须招标的工程建设项目：施工单项合同估算价 400 万元以上（国家发展改革委令第16号）"
    services.category_serve(actor=world.head, centre=world.centre, category=engineering, must_enter=city_list)
    province = parties.centre_create(actor=None, code="ln", name="辽宁省公共资源交易中心", region="210000")
    province_list = "省级审批的依法必须招标项目；目录清单外的项目也可进场"
    services.category_serve(actor=None, centre=province, category=engineering, must_enter=province_list)
    rows = CentreCategory.objects.filter(category=engineering)
    assert {row.centre.code: row.must_enter for row in rows} == {"sy": city_list, "ln": province_list}
    # changing the next steps later keeps one row per centre and category; the list is what was given
    services.category_serve(
        actor=world.head,
        centre=world.centre,
        category=engineering,
        next_steps="新注意事项",
        must_enter=city_list,
    )
    assert CentreCategory.objects.filter(centre=world.centre, category=engineering).count() == 1
    shown = Event.objects.filter(type="registry.category.configured", centre="sy").latest("pk")
    assert shown.data["must_enter"] == city_list  # public: the list is published with each change
    assert shown.visibility == "public"


@pytest.mark.clause("12.1.3")
def test_one_form_files_every_category_and_a_promise_is_accepted(world: World) -> None:
    procurement = TradingCategory.objects.get(code="procurement")
    land = TradingCategory.objects.get(code="land")
    services.category_serve(actor=None, centre=world.centre, category=land)
    bought = services.registration_file(
        actor=world.initiator_user,
        centre=world.centre,
        category=procurement,
        name="沈阳地铁运营调度系统软件采购",
        initiator=world.initiator,
        region="210100",
        external={"procurement_plan": "辽财采计〔2026〕0123号"},
        files={"application_form": pdf("申请表"), "procurement_filing": pdf("采购备案表")},
        not_applicable={"agency_contract"},
        tender_projects=[
            TenderProjectIn("调度软件", [SectionIn("包1", "2600000", "amount", "gp_open_tender")])
        ],
    )
    due = clock.local_now().date() + dt.timedelta(days=5)
    sold = services.registration_file(  # the same function, the same fields, for a land plot
        actor=world.initiator_user,
        centre=world.centre,
        category=land,
        name="沈阳地铁车辆段上盖地块国有建设用地使用权出让",
        initiator=world.initiator,
        region="210104",
        files={"application_form": pdf("申请表-土地"), "transfer_entrustment": pdf("出让委托书")},
        promises={"attachments": Promise("宗地图正在测绘，测绘后即补交", due)},
        tender_projects=[
            TenderProjectIn("地块出让", [SectionIn("地块", "86400000", "amount", "land_listing")])
        ],
    )
    assert bought.project.code[0] == "B"
    assert bought.project.procurement_plan == "辽财采计〔2026〕0123号"
    assert sold.project.code[0] == "C"
    assert sold.project.investment_code == ""
    assert bought.deadline is not None
    assert sold.deadline is not None
    a, b, c = world.staff
    services.registration_accept(actor=a, registration=sold, responsible=b, deputy=c)  # 容缺受理
    sold.refresh_from_db()
    assert sold.state == State.ACCEPTED
    promised = sold.items.get(checklist_item__key="attachments")
    assert promised.promise
    assert promised.promised_by == due
    assert promised.blob_id is None
    with pytest.raises(DomainError):
        services.step_check(sold, "notice")  # the notice waits for the promised attachments


@pytest.mark.clause("12.1.2")
def test_the_deputy_takes_over_while_the_responsible_person_is_on_leave(world: World) -> None:
    registration = world.file()
    a, b, c = world.staff
    services.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    registration.refresh_from_db()
    now = clock.now()
    assert selectors.handler_now(registration) == b
    services.leave_record(
        actor=world.head, user=b, starts_at=now + dt.timedelta(days=1), ends_at=now + dt.timedelta(days=4)
    )
    assert selectors.handler_now(registration) == b  # leave ahead: still b today
    assert selectors.handler_now(registration, now + dt.timedelta(days=2)) == c  # AB角: c while b is away
    assert selectors.handler_now(registration, now + dt.timedelta(days=5)) == b  # back
    with pytest.raises(DomainError) as caught:
        services.leave_record(
            actor=world.head, user=world.agent_user, starts_at=now, ends_at=now + dt.timedelta(days=1)
        )
    assert caught.value.code.value == "staff_invalid"  # only staff take leave here
    with pytest.raises(DomainError) as caught:
        services.leave_record(actor=world.head, user=c, starts_at=now, ends_at=now)
    assert caught.value.code.value == "leave_invalid"
    outsider = staff_user(
        parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200"),
        "dl-staff",
    )
    with pytest.raises(DomainError) as caught:  # the deputy is staff of this centre
        services.registration_accept(actor=a, registration=world.file(), responsible=b, deputy=outsider)
    assert caught.value.code.value == "staff_invalid"
