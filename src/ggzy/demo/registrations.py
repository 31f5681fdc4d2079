"""Demo project registrations (standard 6.2 and 12.1), through the registry services, on the sandbox
clock: both centres serve every category (what to watch out for next, 6.2.4; the projects that must
enter, 12.1.5), each has a head of the service desk, the agents hold entrustments for the investment
codes and the procurement plan, and there is a registration in every state — accepted (one with a
promised item still pending, one whose promised item the deputy confirmed while the responsible person
was on leave), waiting and due soon, overdue and escalated, returned with a one-time notice (and one
returned twice, the second notice naming only the changed item), a walk-in entered by staff, a
procurement, a land, an assets and a routed medicine registration.

Steps fall on working days of the official calendar, inside office hours; the whole month of history
ends before the present. Without the sandbox clock everything happens now (and nothing is overdue)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model

from ggzy.accounts import parties
from ggzy.accounts.models import Centre, Organisation
from ggzy.calendar.calc import SHANGHAI, Calendar
from ggzy.core import clock
from ggzy.registry import services, tasks
from ggzy.registry.models import Channel, DeskHead, Registration, TradingCategory
from ggzy.registry.services import Promise, SectionIn, TenderProjectIn, Upload

#: (category, what to watch out for after acceptance (6.2.4), projects that must enter (12.1.5))
SERVED = (
    (
        "engineering",
        (
            "登记办结后：招标公告在指定媒介发布；自招标文件开始发出之日起至投标人提交投标文件"
            "截止之日止，最短不得少于 20 日（《招标投标法》第二十四条）；澄清或修改可能影"
            "响投标文件编制的，应在投标截止时间至少 15 日前发出（第二十三条）；中标候选人"
            "公示期不得少于 3 日（《招标投标法实施条例》第五十四条）。容缺受理时承诺补交的"
            "材料，须在发布招标公告前补齐。"
        ),
        (
            "【法规】依法必须招标的工程建设项目（《必须招标的工程项目规定》，国家发展改革委令"
            "第16号）：施工单项合同估算价在 400 万元人民币以上；重要设备、材料等货物的"
            "采购，单项合同估算价在 200 万元人民币以上；勘察、设计、监理等服务的采购，单"
            "项合同估算价在 100 万元人民币以上。"
        ),
    ),
    (
        "procurement",
        (
            "登记办结后：公开招标的，自招标文件开始发出之日起至投标截止之日止不得少于 20 "
            "日；采购人应自收到评审报告之日起 5 个工作日内确定中标（成交）供应商，并在 2"
            " 个工作日内公告结果（《政府采购法实施条例》第四十三条）。容缺受理时承诺补交的材"
            "料，须在发布采购公告前补齐。"
        ),
        (
            "【法规】集中采购目录以内或者采购限额标准以上的政府采购项目（《政府采购法》第二条"
            "）；目录和限额标准以辽宁省人民政府公布的政府集中采购目录及标准为准。"
        ),
    ),
    (
        "land",
        (
            "登记办结后：出让公告应在挂牌开始日前至少 20 日发布，挂牌时间不得少于 10 "
            "日（国土资源部令第39号）；竞买保证金的截止时间应在挂牌截止之前。容缺受理时承诺"
            "补交的出让附件，须在发布出让公告前补齐。"
        ),
        (
            "【法规】工业、商业、旅游、娱乐和商品住宅等经营性用地，以及同一宗地有两个以上意向"
            "用地者的国有建设用地使用权出让，应以招标、拍卖或者挂牌方式进行（国土资源部令第3"
            "9号 第四条）。"
        ),
    ),
    (
        "assets",
        (
            "登记办结后：企业国有产权转让信息披露期不少于 20 个工作日，企业资产转让信息公"
            "开期不少于 10 个工作日（国务院国资委、财政部令第32号）；资产评估报告须在有"
            "效期内。容缺受理时承诺补交的评估报告，须在发布转让公告前补齐。"
        ),
        (
            "【法规】企业国有产权转让、企业增资和企业资产转让，在依法设立的交易机构中公开进行"
            "（国务院国资委、财政部令第32号）；行政事业单位国有资产处置按财政部门的规定进场"
            "。"
        ),
    ),
    (
        "medical",
        (
            "本类项目在本中心登记后，转至辽宁省药品和医用耗材集中采购平台交易，请按该平台的采"
            "购周期和规则报量。"
        ),
        "国家和省组织的药品、医用耗材集中带量采购。",
    ),
)
DESK_HEADS = {"ln": "staff", "sy": "sy-staff"}
HOSPITAL = ("沈阳市浑南区中心医院", "210112", "12", 12000003, "刘仁", "韩冰")


def pdf(project: str, title: str) -> Upload:
    """A small PDF, distinct per project and document (the same bytes would be one stored file)."""
    body = f"% {project} {title}\n".encode()
    return Upload(f"{title}.pdf", b"%PDF-1.7\n" + body + b"1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")


def section(name: str, yuan: str, method: str, price_form: str = "amount") -> SectionIn:
    return SectionIn(name=name, budget_yuan=yuan, price_form=price_form, method=method)


class Loader:
    """One pass over the demo's registrations; `later(hours)` moves the sandbox clock (or does nothing)."""

    def __init__(
        self,
        later: Callable[[float], None],
        centres: dict[str, Centre],
        organisations: dict[str, Organisation],
    ) -> None:
        self.later = later
        self.centres = centres
        self.organisations = organisations
        self.calendar = Calendar("ln")
        self.year = clock.local_now().year
        #: the history ends a little before the present (the demo then brings the clock to now)
        self.limit = clock.authority_now() - dt.timedelta(hours=1)
        users = get_user_model().objects
        self.user = {u.username: u for u in users.filter(username__in=self.USERNAMES)}

    USERNAMES = ("staff", "staff2", "sy-staff", "sy-staff2", "initiator", "initiator2", "agent", "agent2")

    # -- the clock -------------------------------------------------------------------------------

    def to(self, instant: dt.datetime) -> None:
        """Move the sandbox clock forward to `instant` (never past the present, never back)."""
        instant = min(instant, self.limit)
        hours = (instant - clock.now()).total_seconds() / 3600
        if hours > 0:
            self.later(hours)

    def work(self, days: int, hour: int, minute: int = 0) -> None:
        """To the `days`-th working day after today (0: today) at hour:minute — or the next working day
        after it, if that time has passed."""
        now = clock.local_now()
        day, counted = now.date(), 0
        while counted < days:
            day += dt.timedelta(days=1)
            counted += self.calendar.is_working_day(day)
        while True:
            at = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)
            if self.calendar.is_working_day(day) and at > now:
                break
            day += dt.timedelta(days=1)
        self.to(at)

    def due(self, days: int) -> dt.date:
        return clock.local_now().date() + dt.timedelta(days=days)

    # -- the data --------------------------------------------------------------------------------

    def run(self) -> None:
        if DeskHead.objects.exists():
            return  # loaded before
        self.setup()
        self.first_week()
        self.second_week()
        self.last_day()

    def setup(self) -> None:
        self.work(1, 8, 30)
        categories = {c.code: c for c in TradingCategory.objects.all()}
        for centre_code, head in DESK_HEADS.items():
            centre = self.centres[centre_code]
            for code, next_steps, must_enter in SERVED:
                services.category_serve(
                    actor=self.user[head],
                    centre=centre,
                    category=categories[code],
                    next_steps=next_steps,
                    must_enter=must_enter,
                )
            # no service sets the head of the desk yet: the model, as the registry's tests do
            DeskHead.objects.create(centre=centre, user=self.user[head])
        self.categories = categories
        name, region, kind, serial, legal, contact = HOSPITAL
        from ggzy.demo.accounts import uscc

        self.hospital = parties.organisation_register(
            actor=None,
            uscc=uscc(serial, region, kind),
            name=name,
            legal_representative=legal,
            contact_name=contact,
            contact_phone=f"138{serial % 100000000:08d}",
        )
        y = self.year
        self.codes = {
            "hunhe": f"{y}-210100-76-01-000208",
            "guanyinge": f"{y}-210521-76-01-000316",
            "dahuofang": f"{y}-210400-76-01-000127",
            "liaoxibei": f"{y}-210000-76-01-000045",
            "line6": f"{y}-210100-54-01-000612",
            "school": f"{y}-210112-83-01-000057",
            "plan": f"浑南财采计〔{y}〕0123号",
        }
        now = clock.now()
        entrusted = (
            ("lnsl", "initiator", "lnzz", "hunhe", "施工监理招标代理"),
            ("lnsl", "initiator", "lnzz", "guanyinge", "施工招标代理"),
            ("lnsl", "initiator", "lnzz", "dahuofang", "施工招标代理"),
            ("lnsl", "initiator", "lnzz", "liaoxibei", "施工招标代理"),
            ("sydt", "initiator", "lnzz", "line6", "施工招标代理"),
            ("hnjy", "initiator2", "sycx", "plan", "政府采购代理"),
        )
        for initiator, _user, agent, key, scope in entrusted:
            parties.entrustment_create(
                actor=None,
                initiator=self.organisations[initiator],
                agent=self.organisations[agent],
                project=self.codes[key],
                scope=scope,
                valid_from=now,
                valid_until=now + dt.timedelta(days=365),
            )
        self.later(0.5)

    def engineering(self, key: str, name: str, region: str, approval: str, **kwargs: Any) -> Registration:
        """An engineering registration by the agent lnzz for 辽宁省水利水电投资有限公司 (lnsl)."""
        files = kwargs.pop("files", None) or {
            "application_form": pdf(name, "公共资源进场交易申请表"),
            "filing_form": pdf(name, "省招标投标监管网项目备案表"),
            "approval_document": pdf(name, "初步设计批复"),
            "agency_contract": pdf(name, "招标代理委托合同"),
        }
        arguments: dict[str, Any] = {
            "actor": self.user["agent"],
            "centre": self.centres["ln"],
            "category": self.categories["engineering"],
            "name": name,
            "initiator": self.organisations["lnsl"],
            "agent": self.organisations["lnzz"],
            "region": region,
            "external": {"investment_code": self.codes[key], "approval_number": approval},
            "files": files,
            **kwargs,
        }
        return services.registration_file(**arguments)

    def first_week(self) -> None:
        y, sy = self.year, self.centres["sy"]
        staff, staff2 = self.user["staff"], self.user["staff2"]
        # day 1: the agent files three water projects at the provincial centre, and a metro one in Shenyang
        self.work(0, 9, 40)
        name = "浑河干流（沈阳段）堤防加固工程施工监理"
        self.hunhe = self.engineering(
            "hunhe",
            name,
            "210100",
            f"辽水审批〔{y}〕27号",
            tender_projects=[TenderProjectIn("施工监理", [section("监理", "2865000.00", "open_tender")])],
        )
        self.later(0.7)
        name = "观音阁水库除险加固工程"
        self.guanyinge = self.engineering(
            "guanyinge",
            name,
            "210521",
            f"辽发改审批〔{y}〕15号",
            files={
                "application_form": pdf(name, "公共资源进场交易申请表"),
                "filing_form": pdf(name, "省招标投标监管网项目备案表"),
            },
            promises={"agency_contract": Promise("招标代理委托合同正在双方用印，5 日内补交", self.due(10))},
            tender_projects=[
                TenderProjectIn(
                    "除险加固施工",
                    [
                        section("一标段（大坝加固）", "38650000.00", "open_tender"),
                        section("二标段（溢洪道及闸门）", "21480000.00", "open_tender"),
                    ],
                )
            ],
        )
        self.later(0.8)
        name = "大伙房水库输水（二期）配套工程抚顺段管线改造"
        self.dahuofang = self.engineering(
            "dahuofang",
            name,
            "210400",
            f"辽发改审批〔{y}〕22号",
            files={
                "application_form": pdf(name, "公共资源进场交易申请表"),
                "filing_form": pdf(name, "省招标投标监管网项目备案表"),
            },
            promises={
                "agency_contract": Promise(
                    "招标代理委托合同待发起方董事会审议后签署，审议后即补交",
                    clock.authority_now().astimezone(SHANGHAI).date() + dt.timedelta(days=7),
                )
            },
            tender_projects=[
                TenderProjectIn("管线改造施工", [section("施工", "56320000.00", "open_tender")])
            ],
        )
        self.later(2.5)
        name = "沈阳地铁 6 号线一期工程车站装修施工"
        self.line6 = services.registration_file(
            actor=self.user["agent"],
            centre=sy,
            category=self.categories["engineering"],
            name=name,
            initiator=self.organisations["sydt"],
            agent=self.organisations["lnzz"],
            region="210100",
            external={"investment_code": self.codes["line6"], "approval_number": f"沈发改审批〔{y}〕15号"},
            files={
                "application_form": pdf(name, "公共资源进场交易申请表"),
                "filing_form": pdf(name, "省招标投标监管网项目备案表"),
                "agency_contract": pdf(name, "招标代理委托合同"),
            },
            tender_projects=[
                TenderProjectIn(
                    "车站装修施工",
                    [
                        section("一标段（1—9 号车站）", "45600000.00", "open_tender"),
                        section("二标段（10—18 号车站）", "39850000.50", "open_tender"),
                    ],
                )
            ],
        )
        # day 2: the provincial desk accepts the two water projects with their promised contracts
        self.work(1, 9, 15)
        services.registration_accept(
            actor=staff, registration=self.guanyinge, responsible=staff2, deputy=staff
        )
        self.later(0.75)
        services.registration_accept(
            actor=staff2, registration=self.dahuofang, responsible=staff, deputy=staff2
        )
        self.later(0.5)
        # the Shenyang desk returns the metro project once, naming everything at once (6.2.3)
        services.notice_issue(
            actor=self.user["sy-staff"],
            registration=self.line6,
            lines=[
                ("filing_form", "备案表未附省招标投标监管网备案编号页，且缺少招标人盖章"),
                (
                    "application_form",
                    "申请表中的标段划分（2 个标段）与备案表（3 个标段）不一致，请核对后重新提交",
                ),
            ],
        )
        self.later(3.5)
        # the education bureau's agent files a procurement (the plan number from the finance system)
        name = "浑南区中小学智慧教室设备采购"
        self.school_it = services.registration_file(
            actor=self.user["agent2"],
            centre=sy,
            category=self.categories["procurement"],
            name=name,
            initiator=self.organisations["hnjy"],
            agent=self.organisations["sycx"],
            region="210112",
            external={"procurement_plan": self.codes["plan"]},
            files={
                "application_form": pdf(name, "公共资源进场交易申请表"),
                "procurement_filing": pdf(name, "政府采购项目备案表"),
                "agency_contract": pdf(name, "采购代理委托协议"),
            },
            tender_projects=[
                TenderProjectIn(
                    "智慧教室设备",
                    [
                        section("包1（交互式智慧黑板）", "3865000.00", "gp_open_tender"),
                        section("包2（学生平板及充电柜）", "2140000.00", "gp_open_tender"),
                    ],
                )
            ],
        )
        # day 3: the first one-time notice on the procurement; the agent corrects both and resubmits
        self.work(1, 9, 30)
        services.notice_issue(
            actor=self.user["sy-staff"],
            registration=self.school_it,
            lines=[
                ("procurement_filing", "备案表未加盖采购人公章"),
                ("agency_contract", "委托协议缺少代理期限和双方签章页"),
            ],
        )
        self.later(5.5)
        services.item_supply(
            actor=self.user["agent2"],
            registration=self.school_it,
            key="procurement_filing",
            upload=pdf(name, "政府采购项目备案表（盖章）"),
        )
        services.item_supply(
            actor=self.user["agent2"],
            registration=self.school_it,
            key="agency_contract",
            upload=pdf(name, "采购代理委托协议（完整）"),
        )
        services.registration_resubmit(actor=self.user["agent2"], registration=self.school_it)
        # day 4: the supervision project waited past its 2 working days: the tick escalates it
        self.hunhe.refresh_from_db()
        self.work(1, 8, 30)
        if self.hunhe.deadline is not None:  # complete when filed: its 2 working days have run out
            self.to(self.hunhe.deadline.due_at + dt.timedelta(minutes=1))
        tasks.escalate_overdue()
        self.later(0.7)
        # a second notice may name only what changed since the first: the new filing form
        services.notice_issue(
            actor=self.user["sy-staff2"],
            registration=self.school_it,
            lines=[("procurement_filing", "新备案表的预算金额（600.5 万元）与申请表（500.5 万元）不一致")],
        )
        self.later(0.8)
        # a walk-in: the education bureau brings a school project to the Shenyang desk
        name = "浑南区第二十中学教学楼改扩建工程施工"
        self.walk_in = services.registration_file(
            actor=self.user["sy-staff"],
            channel=Channel.ON_SITE,
            centre=sy,
            category=self.categories["engineering"],
            name=name,
            initiator=self.organisations["hnjy"],
            region="210112",
            external={"investment_code": self.codes["school"], "approval_number": f"沈浑发改审批〔{y}〕9号"},
            files={
                "application_form": pdf(name, "公共资源进场交易申请表"),
                "filing_form": pdf(name, "省招标投标监管网项目备案表"),
                "approval_document": pdf(name, "可行性研究报告批复"),
            },
            not_applicable={"agency_contract"},  # the bureau tenders itself
            tender_projects=[TenderProjectIn("教学楼施工", [section("施工", "18760000.00", "open_tender")])],
        )
        self.later(1.5)
        services.registration_accept(
            actor=self.user["sy-staff2"],
            registration=self.walk_in,
            responsible=self.user["sy-staff"],
            deputy=self.user["sy-staff2"],
        )

    def second_week(self) -> None:
        sy = self.centres["sy"]
        staff, staff2 = self.user["staff"], self.user["staff2"]
        # day 5: the responsible person of the Guanyinge project is on leave; the deputy confirms
        self.work(1, 8, 40)
        starts = clock.local_now().replace(hour=0, minute=0, second=0, microsecond=0)
        services.leave_record(
            actor=staff, user=staff2, starts_at=starts, ends_at=starts + dt.timedelta(days=3)
        )
        self.later(1.3)
        services.item_supply(
            actor=self.user["agent"],
            registration=self.guanyinge,
            key="agency_contract",
            upload=pdf(self.guanyinge.project.name, "招标代理委托合同（已用印）"),
        )
        self.later(4)
        services.promised_item_confirm(actor=staff, registration=self.guanyinge, key="agency_contract")
        # day 6: the metro company files an asset disposal and a land plot itself; a hospital walks in
        self.work(1, 9, 30)
        initiator, sydt = self.user["initiator"], self.organisations["sydt"]
        name = "沈阳地铁集团有限公司报废电客车及废旧物资处置"
        self.assets = services.registration_file(
            actor=initiator,
            centre=sy,
            category=self.categories["assets"],
            name=name,
            initiator=sydt,
            region="210100",
            files={
                "application_form": pdf(name, "公共资源进场交易申请表"),
                "disposal_approval": pdf(name, "沈阳市国资委资产处置批复"),
                "auction_contract": pdf(name, "委托拍卖合同"),
            },
            promises={
                "valuation_report": Promise(
                    "资产评估报告正在评估机构出具，出具后即补交",
                    clock.authority_now().astimezone(SHANGHAI).date() + dt.timedelta(days=10),
                )
            },
            tender_projects=[
                TenderProjectIn(
                    "报废电客车及物资拍卖",
                    [
                        section("1 号标的（报废电客车 6 列）", "1250000.00", "asset_auction"),
                        section("2 号标的（废旧钢轨及配件）", "386000.00", "asset_auction"),
                    ],
                )
            ],
        )
        self.later(1)
        name = "沈阳地铁 1 号线黎明广场站上盖综合开发地块国有建设用地使用权出让"
        self.land = services.registration_file(
            actor=initiator,
            centre=sy,
            category=self.categories["land"],
            name=name,
            initiator=sydt,
            region="210104",
            files={
                "application_form": pdf(name, "公共资源进场交易申请表"),
                "transfer_entrustment": pdf(name, "出让委托书"),
                "attachments": pdf(name, "宗地图及出让方案"),
            },
            tender_projects=[
                TenderProjectIn("地块出让", [section("大东区 DD2026-07 地块", "86400000.00", "land_listing")])
            ],
        )
        self.later(0.5)
        name = f"{self.year} 年度常用药品集中带量采购接续报量"
        self.medicine = services.registration_file(
            actor=self.user["sy-staff"],
            channel=Channel.ON_SITE,
            centre=sy,
            category=self.categories["medical"],
            name=name,
            initiator=self.hospital,
            region="210112",
            files={"application_form": pdf(name, "公共资源进场交易申请表")},
            tender_projects=[
                TenderProjectIn("常用药品", [section("药品包", "4300000.00", "medical_central")])
            ],
        )
        # day 7: the Shenyang desk accepts the asset disposal (evaluation report promised) and the land
        self.work(1, 9, 20)
        services.registration_accept(
            actor=self.user["sy-staff"],
            registration=self.assets,
            responsible=self.user["sy-staff2"],
            deputy=self.user["sy-staff"],
        )
        self.later(1.2)
        services.registration_accept(
            actor=self.user["sy-staff2"],
            registration=self.land,
            responsible=self.user["sy-staff"],
            deputy=self.user["sy-staff2"],
        )

    def last_day(self) -> None:
        """The last working day before today, mid-afternoon: a complete file, due within 2 working days."""
        today = clock.authority_now().astimezone(SHANGHAI).date()
        day = today - dt.timedelta(days=1)
        while not self.calendar.is_working_day(day):
            day -= dt.timedelta(days=1)
        self.to(dt.datetime.combine(day, dt.time(15, 10), tzinfo=SHANGHAI))
        name = "辽西北供水工程沿线泵站自动化改造"
        self.waiting = self.engineering(
            "liaoxibei",
            name,
            "210000",
            f"辽发改审批〔{self.year}〕31号",
            tender_projects=[
                TenderProjectIn("泵站自动化改造施工", [section("施工", "12800000.00", "open_tender")])
            ],
        )


def load(
    *, later: Callable[[float], None], centres: dict[str, Centre], organisations: dict[str, Organisation]
) -> None:
    Loader(later, centres, organisations).run()


def summary() -> str:
    """One line for the demo's report: how many registrations in each state."""
    counts: dict[str, int] = {}
    for state in Registration.objects.values_list("state", flat=True):
        counts[state] = counts.get(state, 0) + 1
    return ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "none"
