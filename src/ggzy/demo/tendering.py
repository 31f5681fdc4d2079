"""The demo's tender documents (招标文件 / 采购文件, standard 6.5.1, 11.2.6, 11.2.7), through the services the
agents' and the bidders' pages call, on the sandbox clock, once the notices announcing their sections are
published — four trades, each at its own stage:

* **an engineering open tender** (the Guanyinge reservoir's first section, provincial centre): the
  documents issued with their criteria record (benchmark price from the mean, a bid security of 1 % of
  the section's budget, no consortia) and obtained by three bidders; one asked a question, the agent
  answered it by a clarification to every holder (naming no one, not affecting bids), then amended the
  record (bid validity 90 → 120 days): version 2, which may affect bids — a deadline less than 15 days
  ahead moves (招标投标法实施条例 §21);
* **an invitation tender** (邀请招标, the Qinghe reservoir's gates and hoists): its 投标邀请书 published,
  three bidders invited, the documents issued, one invited bidder obtained them;
* **a consortium** (the Qinghe reservoir's management facilities, an open tender accepting consortia):
  the documents issued and obtained by a bidder that formed a consortium with another (600 ‰ / 400 ‰),
  leading it;
* **a competitive consultation** (竞争性磋商, Shenyang): its announcement published, the documents issued
  with the lowest-price formula (the price weight the method table's floor for goods) and the SME price
  deduction of 10 %, obtained by no one yet.

The Qinghe project and the consultation are registrations of their own (`registrations_data.FILINGS`,
"qinghe" and "consultation"), filed and accepted here as the demo's others are; their notices are
published as the demo's notices are (scheduled minutes ahead, the history clock passing the instant) and
recorded by the tick job, which sets their bid windows. The clock moves a few minutes a step, and never
into the history's last hours, which the objections' demo takes (`objections.SPAN`). Who holds the
documents, who asked and who is invited are secret until each opening (docs/secrecy.md): no page shows
them. Idempotent: a second run finds documents and does nothing."""

from __future__ import annotations

import datetime as dt
from typing import Final

from django.contrib.auth import get_user_model
from django.db import transaction

from ggzy.accounts.models import Centre, Organisation
from ggzy.core import clock
from ggzy.core.types import Actor, JSONDict
from ggzy.demo import notices as demo_notices
from ggzy.demo import objections as demo_objections
from ggzy.demo import registrations as demo_registrations
from ggzy.demo.history import Days, History, Later
from ggzy.demo.management.commands.demo_load import ORGANISATIONS
from ggzy.demo.registrations_data import FILINGS
from ggzy.notices import services as notices
from ggzy.notices.models import Notice, NoticeType
from ggzy.registry import methods
from ggzy.registry.models import Section, TenderProject
from ggzy.tendering import files, parties, services
from ggzy.tendering.models import Consortium, DocumentsState, TenderDocuments
from ggzy_sm.criteria import FORMAT

#: Hours between two steps (three minutes), and how far ahead a notice is scheduled.
STEP = 0.05
AHEAD = dt.timedelta(minutes=2)
#: The demo users acting here: the agents, the staff who accept the registrations, the bidders.
USERNAMES = (
    "agent", "agent2", "bidder", "bidder-hylq", "bidder-xsjz", "bidder-dfjd", "bidder-bfjs",
)  # fmt: skip
#: The open tender: who obtains its documents (username), and who asks.
HOLDERS = ("bidder", "bidder-hylq", "bidder-xsjz")
ASKER = "bidder-hylq"
QUESTION = "招标文件商务标评分中“类似工程业绩”，是否包括已完工但尚未通过竣工验收的项目？"
ANSWER = (
    "澄清（第 1 号）：类似工程业绩以竣工验收证书（或竣工验收备案表）为准，已完工但尚未通过竣工验收的"
    "项目不予认可。本澄清不影响投标文件的编制。"
)
AMENDMENT = (
    "修改（第 2 号）：投标有效期由 90 日历天延长至 120 日历天，投标保证金的有效期与投标有效期一致，"
    "相应延长。评审标准记录随之更新为第 2 版；投标截止时间距本修改发出不足 15 日的，相应顺延。"
)
#: The invitation tender: the organisations invited, and the username of the one that obtains them.
INVITED = ("dfjd", "ydzn", "hjjs")
INVITED_HOLDER = "bidder-dfjd"
#: The consortium: (organisation, share in ‰, part of the work), the lead first; the lead's user.
CONSORTIUM = (("bfjs", 600, "管理用房土建及安装施工"), ("xxsz", 400, "防汛道路及室外管网施工"))
CONSORTIUM_USER = "bidder-bfjs"
CONSORTIUM_NAME = "辽宁北方建设工程有限公司、锦州新兴市政工程有限公司联合体"
#: The consultation's price weight is the floor of this kind of procurement (goods), its SME deduction:
KIND: Final = "goods"
SME_DEDUCTION = 10
#: The consultation's bid security (磋商保证金), fen: ¥30,000, within 2 % of its budget.
CONSULTATION_SECURITY_FEN = 3_000_000


def _record(section: Section, **fields: object) -> JSONDict:
    """A criteria record of `section` (docs/criteria-format.md): the common fields, then `fields`."""
    return {
        "profile": FORMAT,
        "section": section.code,
        "method": section.method_id,
        "price_kind": "amount",
        "decryption_window_minutes": 60,
        "release_remedy": "custodians",
        "library_items": [],
        **fields,
    }


def _sheet(section: Section, max_days: int, *, manager: bool = False, quality: bool = False) -> JSONDict:
    sheet: JSONDict = {
        "price": {"kind": "amount", "ceiling_fen": section.budget_fen},
        "duration_days": {"required": True, "max_days": max_days},
    }
    if quality:
        sheet["quality"] = {"required": True}
    if manager:
        sheet["project_manager"] = {"required": True}
    return sheet


def _security(amount_fen: int, *forms: str) -> JSONDict:
    return {"kind": "amount", "amount_fen": amount_fen, "forms": list(forms)}


def open_tender_record(section: Section) -> JSONDict:
    """The Guanyinge reservoir's first section: comprehensive scoring, the benchmark from the mean."""
    return _record(
        section,
        qualification=[
            {"id": "Q1", "text": "具有水利水电工程施工总承包一级及以上资质，安全生产许可证有效",
             "evidence": ["资质证书", "安全生产许可证"]},
            {"id": "Q2", "text": "拟派项目经理具有水利水电工程专业一级注册建造师执业资格，"
                                 "且未担任其他在建工程项目的项目经理",
             "evidence": ["注册建造师证书", "无在建项目承诺书"]},
            {"id": "Q3", "text": "近三年内无行贿犯罪记录，未被列入失信被执行人名单",
             "evidence": ["中国裁判文书网查询结果", "信用中国查询结果"]},
        ],
        scoring=[
            {"id": "T", "name": "技术标", "items": [
                {"id": "T1", "name": "施工组织设计", "kind": "subjective", "weight_permille": 250,
                 "standard": "大坝加固施工方案、度汛措施、质量安全保证措施，"
                             "优 25 分，良 18 分，中 12 分，差 6 分"},
                {"id": "T2", "name": "项目管理机构", "kind": "objective", "weight_permille": 100,
                 "standard": "项目经理、技术负责人及主要管理人员的资格和经验"},
            ]},
            {"id": "B", "name": "商务标", "items": [
                {"id": "B1", "name": "类似工程业绩", "kind": "objective", "weight_permille": 100,
                 "standard": "近五年完成的大中型水库除险加固工程，每项 2.5 分，最多 10 分"},
                {"id": "C1", "name": "投标报价", "kind": "price", "weight_permille": 550},
            ]},
        ],
        price_formula={"name": "benchmark_mean", "parameters": {
            "k_choices": ["0.01", "0.02", "0.03"], "trim_min_bids": 5,
            "points_per_percent_above": "1", "points_per_percent_below": "0.5",
        }},
        opening_sheet=_sheet(section, 540, manager=True, quality=True),
        bid_validity_days=90,
        # 1 % of the section's budget, as its tender notice says (the cap is 2 %: 实施条例 §26)
        bid_security=_security(section.budget_fen // 100, "cash", "guarantee", "insurance"),
        consortium_allowed=False,
    )  # fmt: skip


def invitation_record(section: Section) -> JSONDict:
    """The gates and hoists: the lowest evaluated price among the bids that pass, no scoring tree."""
    return _record(
        section,
        qualification=[
            {"id": "Q1", "text": "具有水利水电机电安装工程专业承包二级及以上资质，安全生产许可证有效",
             "evidence": ["资质证书", "安全生产许可证"]},
            {"id": "Q2", "text": "近五年完成过同类弧形闸门及液压启闭机的制造或安装项目",
             "evidence": ["合同", "验收证明"]},
        ],
        price_formula={"name": "lowest_evaluated", "parameters": {}},
        opening_sheet=_sheet(section, 180, quality=True),
        bid_validity_days=90,
        bid_security=_security(section.budget_fen // 100, "guarantee", "insurance"),
        consortium_allowed=False,
    )  # fmt: skip


def consortium_record(section: Section) -> JSONDict:
    """The management facilities: consortia accepted, full points at the lowest price."""
    return _record(
        section,
        qualification=[
            {"id": "Q1", "text": "具有水利水电工程施工总承包二级及以上资质；联合体投标的，牵头人须具备该资质",
             "evidence": ["资质证书"]},
            {"id": "Q2", "text": "联合体投标的，提交联合体各方签署的共同投标协议，明确牵头人及各方分工和份额",
             "evidence": ["联合体协议书"]},
        ],
        scoring=[
            {"id": "T", "name": "评分", "items": [
                {"id": "T1", "name": "施工组织设计", "kind": "subjective", "weight_permille": 400},
                {"id": "C1", "name": "投标报价", "kind": "price", "weight_permille": 600},
            ]},
        ],
        price_formula={"name": "fixed_lowest", "parameters": {"points_per_percent_above": "0.8"}},
        opening_sheet=_sheet(section, 365, manager=True),
        bid_validity_days=90,
        bid_security=_security(section.budget_fen // 100, "cash", "guarantee"),
        consortium_allowed=True,
    )  # fmt: skip


def consultation_record(section: Section) -> JSONDict:
    """The consultation: the lowest-price formula, its price weight the method table's floor for goods
    (checked against the table with the SME deduction), the SME deduction of 10 %."""
    rules = methods.rules_of(section.method_id)
    floor, _ceiling = methods.price_weight_bounds(rules, KIND)
    weight = floor or 30
    methods.price_weight_check(rules, weight_pct=weight, kind=KIND)
    methods.sme_deduction_check(rules, pct=SME_DEDUCTION)
    price = weight * 10  # per mille
    return _record(
        section,
        qualification=[
            {"id": "Q1", "text": "满足《中华人民共和国政府采购法》第二十二条规定",
             "evidence": ["营业执照", "书面声明"]},
            {"id": "Q2", "text": "参加政府采购活动前三年内，在经营活动中没有重大违法记录",
             "evidence": ["书面声明"]},
        ],
        scoring=[
            {"id": "G", "name": "综合评分", "items": [
                {"id": "P", "name": "磋商报价", "kind": "price", "weight_permille": price},
                {"id": "S", "name": "技术方案", "kind": "subjective", "weight_permille": 650 - price},
                {"id": "A", "name": "售后服务及培训", "kind": "objective", "weight_permille": 200},
                {"id": "E", "name": "类似项目业绩", "kind": "objective", "weight_permille": 150},
            ]},
        ],
        price_formula={"name": "lowest_price", "parameters": {}},
        opening_sheet=_sheet(section, 60),
        bid_validity_days=60,
        decryption_window_minutes=30,
        bid_security=_security(CONSULTATION_SECURITY_FEN, "transfer", "guarantee", "insurance"),
        consortium_allowed=False,
        sme_deduction_pct=str(SME_DEDUCTION),
    )  # fmt: skip


def _tender_projects(key: str) -> list[TenderProject]:
    """The tender projects of the demo registration FILINGS[key], by code (none: not filed)."""
    name = FILINGS[key].name.format(year=clock.local_now().year)
    return list(
        TenderProject.objects.filter(project__name=name)
        .select_related("project__centre", "project__initiator")
        .order_by("code")
    )


class Loader:
    """One pass: `later(hours)` moves the history clock (or does nothing)."""

    def __init__(self, later: Later) -> None:
        self.later = later
        # the objections' demo takes the history's last hours: this one's steps stay before them
        self.room = Days(later).end - demo_objections.SPAN
        users = get_user_model().objects.filter(username__in=USERNAMES)
        self.user: dict[str, Actor] = {u.username: u for u in users}
        names = {key: name for key, name, *_rest in ORGANISATIONS}  # the demo's organisations by key
        by_name = {o.name: o for o in Organisation.objects.filter(name__in=names.values())}
        self.organisation = {key: by_name[name] for key, name in names.items()}
        self.notices = demo_notices.Loader(later)

    def _moves(self) -> bool:
        """Whether the history clock may move a step (a history is written and there is room)."""
        return History.running is not None and clock.now() + dt.timedelta(hours=STEP) < self.room

    def step(self) -> None:
        if self._moves():
            self.later(STEP)

    # -- registrations and notices ---------------------------------------------------------------

    def register(self) -> None:
        """File and accept the two registrations as the demo's others are filed and accepted."""
        centres = {c.code: c for c in Centre.objects.all()}
        filer = demo_registrations.Loader(self.later, centres, self.organisation)
        filer.file("qinghe")
        self.step()
        filer.accept("qinghe", by="staff", responsible="staff2", deputy="staff")
        self.step()
        filer.file("consultation")
        self.step()
        filer.accept("consultation", by="sy-staff", responsible="sy-staff2", deputy="sy-staff")
        self.step()

    def publish(self, by: str, notice: Notice) -> None:
        """Scheduled minutes ahead and the history clock passes the instant; without a history (or no
        room left in it) published now."""
        ahead = self._moves()
        now = clock.now()
        notices.notice_schedule(actor=self.user[by], notice=notice, publish_at=now + AHEAD if ahead else now)
        if ahead:
            self.later(STEP)

    def announce(
        self, invited: TenderProject, facilities: TenderProject, consultation: TenderProject
    ) -> None:
        """The 投标邀请书, the tender notice accepting consortia and the consultation's announcement."""
        name = invited.project.name
        today = clock.local_now().date()
        content = self.notices.tender_content(
            invited,
            funds="省级水利建设资金，资金已落实。",
            scope=(
                f"{name}：溢洪道弧形闸门 3 扇及液压启闭机更换，含制造、运输、安装和调试，"
                "计划工期 180 日历天。"
            ),
            grade="水利水电机电安装工程专业承包二级及以上资质",
            manager="机电工程专业二级及以上注册建造师执业资格",
            parties=("lnsl", "lnzz"),
        )
        content["qualification"] = (
            f"{content['qualification']}本项目技术复杂、可供选择的潜在投标人较少，经批准采用邀请招标，"
            "仅限受邀的三家单位投标。"
        )
        notice = self.notices.draft(
            "agent", invited, NoticeType.INVITATION, f"{name}{invited.name}投标邀请书", content
        )
        self.publish("agent", notice)
        content = self.notices.tender_content(
            facilities,
            funds="省级水利建设资金及企业自筹，资金已落实。",
            scope=f"{name}：管理用房改造约 1,800 平方米、防汛道路 3.2 公里及室外管网，计划工期 365 日历天。",
            grade="水利水电工程施工总承包二级及以上资质",
            manager="水利水电工程专业二级及以上注册建造师执业资格",
            parties=("lnsl", "lnzz"),
        )
        content["consortium_accepted"] = True
        content["qualification"] = f"{content['qualification']}接受联合体投标，联合体牵头人须具备上述资质。"
        notice = self.notices.draft(
            "agent", facilities, NoticeType.TENDER, f"{name}{facilities.name}招标公告", content
        )
        self.publish("agent", notice)
        name = consultation.project.name
        budget = sum(s.budget_fen for s in consultation.sections.all())
        deadline = demo_notices._at(today + dt.timedelta(days=30), 9, 30)  # noqa: SLF001
        centre = consultation.project.centre.name
        notice = self.notices.draft(
            "agent2",
            consultation,
            NoticeType.PROCUREMENT,
            f"{name}竞争性磋商公告",
            {
                "funds_source": "区级财政预算资金。",
                "procurement_needs": (
                    f"{name}：全区 12 所中小学校园视频监控前端、存储及管理平台升级改造，含安装调试、培训及"
                    "三年质保；采用竞争性磋商方式（技术复杂、需与供应商磋商确定方案）。"
                ),
                "budget_fen": budget,
                "ceiling_price_fen": budget,
                "qualification": (
                    "满足《中华人民共和国政府采购法》第二十二条规定；本项目未专门面向中小企业预留份额，"
                    f"对小型和微型企业的报价给予 {SME_DEDUCTION}% 的扣除，用扣除后的价格参加评审。"
                ),
                "consortium_accepted": False,
                "documents_obtain": (
                    f"{today:%Y年%m月%d日}起 5 个工作日内，登录电子交易系统免费下载竞争性磋商文件。"
                ),
                "platform_access": demo_notices.PLATFORM.format(centre=centre),
                "submission_method": demo_notices.SUBMISSION.replace("投标", "响应"),
                "bid_deadline": deadline,
                "opening_at": deadline,
                "opening_place": f"{centre}开标室（网上开启响应文件）",
                "bid_security": "磋商保证金 3 万元，以银行保函或保证保险方式提交，不接受现金。",
                "contacts": demo_notices._contacts("hnjy", "sycx"),  # noqa: SLF001
            },
        )
        self.publish("agent2", notice)
        demo_notices.record()  # the tick job: recorded, and their sections' bid windows set

    # -- the documents ---------------------------------------------------------------------------

    def documents(
        self, by: str, tender_project: TenderProject, title: str, criteria: JSONDict, sections: list[Section]
    ) -> TenderDocuments:
        """Drafted with their text as a file, then issued."""
        actor = self.user[by]
        documents = services.documents_draft(
            actor=actor,
            tender_project=tender_project,
            title=title,
            criteria=criteria,
            sections=[s.code for s in sections],
        )
        upload = demo_registrations.pdf(tender_project.project.name, title)
        files.documents_file_add(actor=actor, documents=documents, name=upload.name, source=upload.data)
        self.step()
        documents = services.documents_issue(actor=actor, documents=documents)
        self.step()
        return documents

    def open_tender(self, guanyinge: TenderProject) -> None:
        """Issued, obtained by three, a question answered, the record amended: version 2."""
        section = guanyinge.sections.order_by("code").first()
        if section is None:
            return
        title = f"{guanyinge.project.name}{guanyinge.name}{section.name}招标文件"
        documents = self.documents(
            "agent", guanyinge, title, {section.code: open_tender_record(section)}, [section]
        )
        for username in HOLDERS:
            services.documents_obtain(actor=self.user[username], documents=documents)
            self.step()
        question = services.question_ask(actor=self.user[ASKER], documents=documents, text=QUESTION)
        self.step()
        services.clarification_issue(
            actor=self.user["agent"], documents=documents, text=ANSWER, answers=[question]
        )
        self.step()
        documents.refresh_from_db()
        amended = {code: dict(record) for code, record in documents.criteria.items()}
        amended[section.code]["bid_validity_days"] = 120
        services.clarification_issue(
            actor=self.user["agent"], documents=documents, text=AMENDMENT, criteria=amended
        )
        self.step()

    def invitation(self, invited: TenderProject) -> None:
        """Three invited, the documents issued, one invited bidder obtains them."""
        parties.invitation_send(
            actor=self.user["agent"],
            tender_project=invited,
            organisation_ids=[self.organisation[key].pk for key in INVITED],
        )
        self.step()
        sections = list(invited.sections.order_by("code"))
        title = f"{invited.project.name}{invited.name}招标文件（邀请招标）"
        criteria = {s.code: invitation_record(s) for s in sections}
        documents = self.documents("agent", invited, title, criteria, sections)
        services.documents_obtain(actor=self.user[INVITED_HOLDER], documents=documents)
        self.step()

    def consortium(self, facilities: TenderProject) -> None:
        """Issued accepting consortia; the lead obtains them and forms the consortium."""
        sections = list(facilities.sections.order_by("code"))
        title = f"{facilities.project.name}{facilities.name}招标文件"
        criteria = {s.code: consortium_record(s) for s in sections}
        documents = self.documents("agent", facilities, title, criteria, sections)
        lead = self.user[CONSORTIUM_USER]
        services.documents_obtain(actor=lead, documents=documents)
        self.step()
        parties.consortium_form(
            actor=lead,
            section=sections[0],
            name=CONSORTIUM_NAME,
            lead_id=self.organisation[CONSORTIUM[0][0]].pk,
            members=[(self.organisation[key].pk, share, work) for key, share, work in CONSORTIUM],
        )
        self.step()

    def consultation(self, consultation: TenderProject) -> None:
        """Issued, and that is all: the trade's first day."""
        sections = list(consultation.sections.order_by("code"))
        title = f"{consultation.project.name}竞争性磋商文件"
        criteria = {s.code: consultation_record(s) for s in sections}
        self.documents("agent2", consultation, title, criteria, sections)

    def run(self) -> None:
        guanyinge = demo_notices._tender_project("guanyinge")  # noqa: SLF001  (named the same way)
        if guanyinge is None:
            return  # the registrations are not in (--parties-only)
        self.register()
        invited, facilities = _tender_projects("qinghe")
        (consultation,) = _tender_projects("consultation")
        self.announce(invited, facilities, consultation)
        self.open_tender(guanyinge)
        self.invitation(invited)
        self.consortium(facilities)
        self.consultation(consultation)


def load(*, later: Later) -> None:
    """The demo's tender documents, once (`later` moves the history clock)."""
    if TenderDocuments.objects.filter(tender_project__project__centre__code="ln").exists():
        return  # loaded before (the securities' procurement trade, in Shenyang, issues its own earlier)
    with transaction.atomic():
        Loader(later).run()


def summary() -> str:
    """One line for the demo's report: documents by state and version, holders, invitations, consortia."""
    documents = TenderDocuments.objects.all()
    issued = documents.filter(state=DocumentsState.ISSUED)
    amended = issued.filter(version__gt=1).count()
    parts = [f"issued {issued.count()} (amended {amended})", f"drafts {documents.count() - issued.count()}"]
    parts.append(f"consortia {Consortium.objects.count()}")
    return ", ".join(parts)
