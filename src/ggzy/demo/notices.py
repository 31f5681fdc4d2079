"""Demo notices (公告和公示, standard 6.4.1, 6.4.2), through the notices services, on the sandbox clock.

At both centres, on the tender projects of the demo's accepted registrations (and, for the drafts only,
of the procurement still being corrected), drafted by the initiators and agents who act for them:
notices of every type (`NoticeType`), and at each centre one in every state —

* **published** (its instant on the history clock, in the past when the demo starts): a tender notice at
  each centre with its legal medium recorded, a correction linked to each, and at the provincial centre a
  termination of one section linked to it too; the land offer in Shenyang;
* **scheduled for later** (a special-matters notice at each centre, its instant days after the real
  today: not on the public list yet);
* **withdrawn** before its instant (an invitation to bid; the first version of the land offer);
* **drafts**, one at each centre with the centre staff's remark on its form (a prequalification notice
  waiting for the promised agency contract; the asset transfer waiting for the valuation report, both
  `step_check` would refuse to schedule), and drafts of the result types for later.

The tick job `notices.record_published` runs once at the end, so the published ones are recorded.
With the history clock a published notice is scheduled minutes ahead and the clock moves past it
(scheduling in the past is refused); without it, it is published now. Idempotent: a second run finds
notices and does nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.contrib.auth import get_user_model

from ggzy.calendar.calc import SHANGHAI
from ggzy.core import clock
from ggzy.core.formatting import yuan
from ggzy.core.types import Actor
from ggzy.demo.history import History, Later, real_day
from ggzy.demo.registrations_data import FILINGS
from ggzy.notices import selectors, services
from ggzy.notices.models import Notice, NoticeType
from ggzy.notices.tasks import published_catch_up
from ggzy.registry.models import TenderProject

#: How far ahead a notice published "now" is scheduled on the history clock, and how long the clock then
#: moves (scheduling in the past is refused: the clock has to pass the instant).
AHEAD = dt.timedelta(minutes=10)
PASS_HOURS = 0.25

#: name, address, contact person and telephone of the organisations the notices name (demo data)
CONTACTS = {
    "lnsl": ("辽宁省水利水电投资有限公司", "沈阳市和平区十一纬路 29 号", "蒋华", "024-23456701"),
    "lnzz": ("辽宁中咨工程项目管理有限公司", "沈阳市沈河区青年大街 219 号", "赵丽华", "024-22345602"),
    "sydt": ("沈阳地铁集团有限公司", "沈阳市和平区青年大街 398 号", "李建国", "024-31234503"),
    "hnjy": ("沈阳市浑南区教育局", "沈阳市浑南区沈中大街 201 号", "卫东", "024-24356704"),
    "sycx": ("沈阳诚信招标代理有限公司", "沈阳市皇姑区黄河南大街 70 号", "沈佳", "024-86123405"),
}
PLATFORM = (
    "本项目实行全流程电子化交易。投标人登录辽宁省公共资源交易平台（{centre}电子交易系统），"
    "使用 CA 数字证书完成主体注册后，在项目页面下载招标文件、提出疑问并递交电子投标文件。"
)
SUBMISSION = (
    "投标人使用投标客户端对电子投标文件签名并加密后，于投标截止时间前通过电子交易系统在线递交；"
    "系统即时出具回执。逾期递交、未加密或签名无效的投标文件，系统拒收。"
)
BID_BOND = (
    "投标保证金以银行保函、保证保险或从投标人基本账户转账方式提交，"
    "金额为各标段招标控制价的 1%（上限 80 万元）。"
)
QUALIFICATION_WORKS = (
    "投标人须具备独立法人资格，具有{grade}，安全生产许可证有效；拟派项目经理具有{manager}，"
    "且未担任其他在建工程项目的项目经理；近三年无行贿犯罪记录，未被列入失信被执行人名单。"
)
MEDIA = {
    "engineering": ("中国招标投标公共服务平台", "https://bulletin.cebpubservice.com/"),
    "land": ("中国土地市场网", "https://www.landchina.com/"),
}


def _tender_project(key: str) -> TenderProject | None:
    """The (first) tender project of the demo registration FILINGS[key], if the demo filed it."""
    filing = FILINGS[key]
    name = filing.name.format(year=clock.local_now().year)
    return (
        TenderProject.objects.filter(project__name=name)
        .select_related("project__centre", "project__initiator", "project__agent")
        .order_by("code")
        .first()
    )


def _contacts(*keys: str) -> str:
    roles = ("招标人", "招标代理机构")
    lines = []
    for role, key in zip(roles, keys, strict=False):
        name, address, person, phone = CONTACTS[key]
        lines.append(f"{role}：{name}；地址：{address}；联系人：{person}；电话：{phone}")
    return "\n".join(lines)


def _at(day: dt.date, hour: int, minute: int = 0) -> str:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI).isoformat()


def _budget(tender_project: TenderProject) -> int:
    return sum(s.budget_fen for s in tender_project.sections.all())


def _sections_text(tender_project: TenderProject) -> str:
    return "；".join(
        f"{s.name}，招标控制价 {yuan(s.budget_fen)} 元" for s in tender_project.sections.order_by("code")
    )


class Loader:
    """One pass: `later(hours)` moves the history clock (or does nothing)."""

    USERNAMES = ("agent", "agent2", "initiator", "initiator2", "initiator3", "staff", "sy-staff")

    def __init__(self, later: Later) -> None:
        self.later = later
        self.history = History.running
        users = get_user_model().objects.filter(username__in=self.USERNAMES)
        self.user: dict[str, Actor] = {u.username: u for u in users}

    # -- the steps -------------------------------------------------------------------------------

    def draft(
        self,
        by: str,
        tender_project: TenderProject,
        notice_type: NoticeType,
        title: str,
        content: Mapping[str, object],
        *,
        sections: tuple[str, ...] = (),
        corrects: Notice | None = None,
    ) -> Notice:
        return services.notice_draft(
            actor=self.user[by],
            tender_project=tender_project,
            notice_type=notice_type,
            title=title,
            content=content,
            sections=sections,
            corrects=corrects,
        )

    def publish(self, by: str, notice: Notice) -> Notice:
        """Scheduled minutes ahead, then the history clock passes the instant (without a history, or
        too near its end, published now)."""
        now = clock.now()
        ahead = self.history is not None and self.history.until - now > 4 * AHEAD
        notice = services.notice_schedule(
            actor=self.user[by], notice=notice, publish_at=now + AHEAD if ahead else now
        )
        if ahead:
            self.later(PASS_HOURS)
        return notice

    def schedule_later(self, by: str, notice: Notice, days: int) -> Notice:
        """Scheduled for `days` after the real today at 09:00: still ahead when the demo starts."""
        return services.notice_schedule(actor=self.user[by], notice=notice, publish_at=real_day(days, 9))

    def medium(self, by: str, notice: Notice, category: str) -> None:
        name, url = MEDIA[category]
        assert notice.publish_at is not None  # noqa: S101  (scheduled)
        services.medium_add(
            actor=self.user[by],
            notice=notice,
            name=name,
            url=f"{url}?notice={notice.uid}",
            published_on=notice.publish_at.astimezone(SHANGHAI).date(),
        )

    def tender_content(
        self, tender_project: TenderProject, *, funds: str, scope: str, grade: str, manager: str,
        parties: tuple[str, ...],
    ) -> dict[str, object]:  # fmt: skip
        today = clock.local_now().date()
        opening = today + dt.timedelta(days=32)
        centre = tender_project.project.centre
        return {
            "funds_source": funds,
            "content_scope_scale": (
                f"{scope}共 {tender_project.sections.count()} 个标段：{_sections_text(tender_project)}。"
            ),
            "qualification": QUALIFICATION_WORKS.format(grade=grade, manager=manager),
            "consortium_accepted": False,
            "documents_obtain": (
                f"{today:%Y年%m月%d日}至{today + dt.timedelta(days=5):%Y年%m月%d日}（法定节假日除外），"
                "登录电子交易系统免费下载电子招标文件。"
            ),
            "platform_access": PLATFORM.format(centre=centre.name),
            "submission_method": SUBMISSION,
            "bid_deadline": _at(opening, 9, 30),
            "opening_at": _at(opening, 9, 30),
            "opening_place": f"{centre.name}开标室（网上开标，投标人在线解密，可不到现场）",
            "bid_security": BID_BOND,
            "contacts": _contacts(*parties),
        }

    # -- the two centres -------------------------------------------------------------------------

    def run(self) -> None:
        guanyinge, dahuofang = _tender_project("guanyinge"), _tender_project("dahuofang")
        walk_in, land = _tender_project("walk_in"), _tender_project("land")
        assets, school_it = _tender_project("assets"), _tender_project("school_it")
        if guanyinge is None or dahuofang is None or walk_in is None or land is None:
            return  # the registrations are not in (--parties-only)
        self.provincial(guanyinge, dahuofang)
        self.shenyang(walk_in, land, assets, school_it)

    def provincial(self, guanyinge: TenderProject, dahuofang: TenderProject) -> None:
        """辽宁省公共资源交易中心: the Guanyinge reservoir's tender notice published with its medium,
        corrected, and its second section terminated; a special-matters notice scheduled for later; an
        invitation withdrawn; a candidates' publicity drafted; the Dahuofang prequalification notice
        drafted, with the staff's remark on its form."""
        name = guanyinge.project.name
        parties = ("lnsl", "lnzz")
        content = self.tender_content(
            guanyinge,
            funds="中央水利发展资金及省级财政配套资金，资金已落实。",
            scope=f"{name}：大坝坝体加固、溢洪道改造及闸门更换，计划工期 540 日历天。",
            grade="水利水电工程施工总承包一级及以上资质",
            manager="水利水电工程专业一级注册建造师执业资格",
            parties=parties,
        )
        tender = self.draft("agent", guanyinge, NoticeType.TENDER, f"{name}{guanyinge.name}招标公告", content)
        tender = self.publish("agent", tender)
        self.medium("agent", tender, "engineering")
        self.later(1.5)
        correction = self.draft(
            "agent",
            guanyinge,
            NoticeType.CORRECTION,
            f"{name}{guanyinge.name}招标公告更正公告（第 1 号）",
            {
                "changes": (
                    "一、原公告“投标人资格要求”中“近三年无行贿犯罪记录”更正为“近三年内无行贿犯罪记录"
                    "（以中国裁判文书网查询结果为准）”。\n"
                    "二、原公告“开标地点”补充：开标室位于交易中心三楼 302 室。\n"
                    "其余内容不变。"
                ),
                "contacts": _contacts(*parties),
            },
            corrects=tender,
        )
        self.publish("agent", correction)
        self.later(1)
        second = guanyinge.sections.order_by("code")[1:2].first()
        termination = self.draft(
            "initiator3",
            guanyinge,
            NoticeType.TERMINATION,
            f"{name}{second.name if second else ''}终止公告",
            {
                "reason": (
                    "因溢洪道闸门设计方案经省水利厅审查须调整，招标人决定终止本标段招标。已下载招标文件的"
                    "潜在投标人，已提交的投标保证金将在 5 日内原路退还；方案调整后另行招标。"
                ),
                "contacts": _contacts(*parties),
            },
            sections=(second.code,) if second else (),
            corrects=tender,
        )
        self.publish("initiator3", termination)
        self.later(0.5)
        special = self.draft(
            "agent",
            guanyinge,
            NoticeType.SPECIAL,
            f"关于{name}开标当日入场安排的特殊事项公告",
            {
                "matter": (
                    "开标当日交易中心一楼大厅改造施工，投标人代表请由北门进入，"
                    "凭身份证件登记后到三楼 302 室；网上开标不受影响，投标人可在线解密。"
                ),
                "contacts": _contacts(*parties),
            },
        )
        self.schedule_later("agent", special, 2)
        invitation = self.draft(
            "agent",
            guanyinge,
            NoticeType.INVITATION,
            f"{name}大坝安全监测设施投标邀请书",
            {**content, "qualification": f"{content['qualification']}（仅限受邀的三家单位）"},
        )
        invitation = self.schedule_later("agent", invitation, 5)
        self.later(0.5)
        services.notice_withdraw(actor=self.user["agent"], notice=invitation)  # to be tendered openly instead
        self.draft(
            "agent",
            guanyinge,
            NoticeType.CANDIDATES,
            f"{name}一标段（大坝加固）中标候选人公示",
            {
                "candidates": (
                    "第一名：辽宁天成建设集团有限公司，投标报价 37,181,300.00 元；\n"
                    "第二名：沈阳华宇路桥工程有限公司，投标报价 36,273,025.00 元；\n"
                    "第三名：浙江宏信建设有限公司，投标报价 37,529,150.00 元。"
                ),
                "period": "公示期为 3 日，自本公示发布之日起计算。",
                "objection_channel": (
                    "投标人或其他利害关系人对评标结果有异议的，应在公示期内通过电子交易系统向招标人提出，"
                    "招标人自收到异议之日起 3 日内答复。"
                ),
                "contacts": _contacts(*parties),
            },
            sections=tuple(guanyinge.sections.order_by("code").values_list("code", flat=True)[:1]),
        )
        self.later(0.5)
        today = clock.local_now().date()
        name = dahuofang.project.name
        prequalification = self.draft(
            "agent",
            dahuofang,
            NoticeType.PREQUALIFICATION,
            f"{name}资格预审公告",
            {
                "funds_source": "省级水利建设资金及企业自筹，资金已落实。",
                "content_scope_scale": (
                    f"{name}：抚顺段输水管线改造约 12.6 公里，含阀井及附属设施；共 1 个标段："
                    f"{_sections_text(dahuofang)}。"
                ),
                "qualification": QUALIFICATION_WORKS.format(
                    grade="水利水电工程施工总承包二级及以上资质",
                    manager="水利水电工程专业一级注册建造师执业资格",
                ),
                "consortium_accepted": True,
                "documents_obtain": (
                    f"{today + dt.timedelta(days=3):%Y年%m月%d日}起 5 日内，"
                    "登录电子交易系统下载资格预审文件。"
                ),
                "platform_access": PLATFORM.format(centre=dahuofang.project.centre.name),
                "submission_method": SUBMISSION.replace("投标文件", "资格预审申请文件"),
                "application_deadline": _at(today + dt.timedelta(days=12), 9, 30),
                "contacts": _contacts(*parties),
            },
        )
        services.notice_form_remark(
            actor=self.user["staff"],
            notice=prequalification,
            remark=(
                "格式提示：标题请注明标段名称；联系方式请写明招标代理机构项目负责人。"
                "本项目承诺补交的招标代理委托合同尚未收到，补交前本公告不能安排发布。"
            ),
        )

    def shenyang(
        self,
        walk_in: TenderProject,
        land: TenderProject,
        assets: TenderProject | None,
        school_it: TenderProject | None,
    ) -> None:
        """沈阳市公共资源交易中心: the school building's tender notice published with its medium and
        corrected; a special-matters notice scheduled for later; the land offer withdrawn once and then
        published with its medium, its deal publicity drafted; the asset transfer drafted with the staff's
        remark on its form; the school procurement's notices drafted (its registration is not accepted)."""
        name = walk_in.project.name
        content = self.tender_content(
            walk_in,
            funds="区级财政预算资金，资金已落实。",
            scope=(
                f"{name}：新建教学楼 1 栋（地上 5 层，建筑面积约 8,600 平方米）及原楼加固改造，"
                "计划工期 365 日历天。"
            ),
            grade="建筑工程施工总承包二级及以上资质",
            manager="建筑工程专业二级及以上注册建造师执业资格",
            parties=("hnjy",),
        )
        tender = self.draft("initiator2", walk_in, NoticeType.TENDER, f"{name}招标公告", content)
        tender = self.publish("initiator2", tender)
        self.medium("initiator2", tender, "engineering")
        self.later(1)
        correction = self.draft(
            "initiator2",
            walk_in,
            NoticeType.CORRECTION,
            f"{name}招标公告更正公告",
            {
                "changes": (
                    "原公告“招标文件的获取时间和方式”中获取截止日更正为延长 2 日，"
                    "投标截止时间和开标时间不变。其余内容不变。"
                ),
                "contacts": _contacts("hnjy"),
            },
            corrects=tender,
        )
        self.publish("initiator2", correction)
        self.later(0.5)
        special = self.draft(
            "initiator2",
            walk_in,
            NoticeType.SPECIAL,
            f"关于{name}现场踏勘安排的特殊事项公告",
            {
                "matter": (
                    "招标人不组织集体现场踏勘。潜在投标人可自行前往项目现场（浑南区第二十中学）踏勘，"
                    "费用自理。"
                ),
                "contacts": _contacts("hnjy"),
            },
        )
        self.schedule_later("initiator2", special, 3)
        self.land(land)
        if assets is not None:
            self.asset_transfer(assets)
        if school_it is not None:
            self.procurement(school_it)

    def land(self, land: TenderProject) -> None:
        name = land.project.name
        today = clock.local_now().date()

        def offer(area: str) -> dict[str, object]:
            return {
                "subject": (
                    f"{name}：宗地编号 DD2026-07，出让面积 {area} 平方米，用途为商业、住宅，"
                    "出让年限商业 40 年、住宅 70 年，容积率不大于 3.2。"
                ),
                "reserve_price_fen": _budget(land),
                "qualification": (
                    "中华人民共和国境内外的法人和其他组织均可申请参加，申请人可单独申请，也可联合申请；"
                    "失信被执行人不得参加。"
                ),
                "documents_obtain": f"{today:%Y年%m月%d日}起，登录电子交易系统下载出让文件。",
                "application_deadline": _at(today + dt.timedelta(days=30), 16),
                "deposit": "竞买保证金为起始价的 20%，须在申请截止前到账。",
                "contacts": _contacts("sydt"),
            }

        first = self.draft("initiator", land, NoticeType.LAND_OFFER, f"{name}挂牌出让公告", offer("24,816"))
        first = self.schedule_later("initiator", first, 4)
        self.later(0.5)
        services.notice_withdraw(actor=self.user["initiator"], notice=first)  # the plot's area was wrong
        self.later(0.5)
        notice = self.draft(
            "initiator", land, NoticeType.LAND_OFFER, f"{name}挂牌出让公告", offer("24,618.5")
        )
        notice = self.publish("initiator", notice)
        self.medium("initiator", notice, "land")
        self.draft(
            "initiator",
            land,
            NoticeType.DEAL_PUBLICITY,
            f"{name}成交结果公示",
            {
                "result": "竞得人：（挂牌期满后填写），成交价：（挂牌期满后填写）",
                "period": "公示期为 10 个工作日。",
                "objection_channel": "对成交结果有异议的，请在公示期内以书面形式向出让人提出。",
                "contacts": _contacts("sydt"),
            },
        )

    def asset_transfer(self, assets: TenderProject) -> None:
        name = assets.project.name
        notice = self.draft(
            "initiator",
            assets,
            NoticeType.ASSET_TRANSFER,
            f"{name}转让公告",
            {
                "subject": f"{name}：{_sections_text(assets).replace('招标控制价', '转让底价')}。",
                "reserve_price_fen": _budget(assets),
                "qualification": "依法设立并有效存续的企业法人，具有再生资源回收经营资质；不接受联合体。",
                "period": "公告期为 20 个工作日。",
                "deposit": "交易保证金为转让底价的 10%。",
                "contacts": _contacts("sydt"),
            },
        )
        services.notice_form_remark(
            actor=self.user["sy-staff"],
            notice=notice,
            remark="格式提示：各标的请分项列明数量和存放地点。承诺补交的资产评估报告尚未收到，补交前本公告不能安排发布。",
        )

    def procurement(self, school_it: TenderProject) -> None:
        name = school_it.project.name
        budget = _budget(school_it)
        contacts = _contacts("hnjy", "sycx")
        self.draft(
            "agent2",
            school_it,
            NoticeType.PROCUREMENT,
            f"{name}公开招标公告",
            {
                "funds_source": "区级财政预算资金。",
                "procurement_needs": (
                    f"{name}：{_sections_text(school_it).replace('招标控制价', '最高限价')}。"
                ),
                "budget_fen": budget,
                "ceiling_price_fen": budget,
                "qualification": (
                    "满足《中华人民共和国政府采购法》第二十二条规定；本项目专门面向中小企业采购。"
                ),
                "consortium_accepted": False,
                "documents_obtain": "公告发布之日起 5 个工作日内，登录电子交易系统免费下载。",
                "platform_access": PLATFORM.format(centre=school_it.project.centre.name),
                "submission_method": SUBMISSION,
                "bid_deadline": _at(clock.local_now().date() + dt.timedelta(days=35), 9, 30),
                "opening_at": _at(clock.local_now().date() + dt.timedelta(days=35), 9, 30),
                "opening_place": f"{school_it.project.centre.name}开标室（网上开标）",
                "bid_security": "本项目不收取投标保证金。",
                "contacts": contacts,
            },
        )
        result = "包1：（评审后填写中标供应商及中标金额）"
        self.draft(
            "agent2",
            school_it,
            NoticeType.AWARD,
            f"{name}中标结果公告",
            {"result": result, "amount_fen": budget, "contacts": contacts},
        )
        self.draft(
            "agent2",
            school_it,
            NoticeType.DEAL,
            f"{name}成交公告",
            {"result": result.replace("中标", "成交"), "amount_fen": budget, "contacts": contacts},
        )
        self.draft(
            "agent2",
            school_it,
            NoticeType.SINGLE_SOURCE,
            f"{name}包2（学生平板及充电柜）单一来源采购公示",
            {
                "supplier": "沈阳远大智能科技有限公司",
                "reason": (
                    "新购平板须与学校已部署的教学管理系统兼容，仅原供应商能够提供，"
                    "符合政府采购法第三十一条第（二）项规定。"
                ),
                "budget_fen": _budget(school_it) - school_it.sections.order_by("code")[0].budget_fen,
                "period": "公示期为 5 个工作日。",
                "contacts": contacts,
            },
        )


def load(*, later: Later) -> None:
    """The demo's notices, once (`later` moves the history clock). Their publication is recorded by
    `record`, which the loader calls after the sealed bids: a published tender notice sets its sections'
    bid windows, and the sealed bids' demo sets the windows of its three stages first."""
    if Notice.objects.filter(type=NoticeType.TENDER).exists():
        return  # loaded before (the securities' procurement trade publishes its own notice earlier)
    Loader(later).run()


def record() -> None:
    """The tick job `notices.record_published` once: the published notices are recorded (and set the bid
    windows of their sections that have none)."""
    published_catch_up()


def summary() -> str:
    """One line for the demo's report: how many notices in each state, "published" as people read it."""
    counts: dict[str, int] = {}
    now = clock.now()
    for notice in Notice.objects.only("state", "publish_at"):
        state = "published" if selectors.is_published(notice, now) else notice.state
        counts[state] = counts.get(state, 0) + 1
    return ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "none"
