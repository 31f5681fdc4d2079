"""Demo objections (异议), challenges (质疑) and inquiries (询问), and the one pause service (standard 6.4.3,
6.5.8, 6.5.9), through the services users call, on the sandbox clock, after the notices and sealed bids:

* **provincial centre** (the Guanyinge reservoir's first section, still taking bids): the centre's staff
  record a platform fault and postpone the bid deadline, then resume; four objections to the documents
  (招标投标法实施条例 §22) — one withdrawn, one answered without changing the documents, one answered
  changing them (the deadline moves with the custodians' notice, a correction notice is drafted), and
  one still awaiting its answer: its pause is in force and refuses the opening;
* **Shenyang centre**: the school building's section, opened, paused by the supervisor's order (政府采购法
  §57, 30 days at most); the land offer's procedure terminated, its termination notice drafted; a
  procurement of the education bureau's with two suppliers' sealed bids and its result announcement: a
  challenge awaiting its answer (contract signing suspended), one answered and carried on as a complaint
  routed to the supervising department (政府采购法 §55), and an inquiry answered.

Every action happens in the last hours of the history, with its window counted from real dates (the
postponement gives the objections to the documents their 10 days). What needs sealed bids (the bid
windows, a supplier who took part) is shown only with the demo CAs, as the sealed bids are. Idempotent:
a second run finds objections or pauses and does nothing."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model

from ggzy.core import clock
from ggzy.core.types import Actor
from ggzy.demo import notices as demo_notices
from ggzy.demo import sealing as demo_sealing
from ggzy.demo.history import Days, Later
from ggzy.demo.registrations import pdf
from ggzy.demo.registrations_data import FILINGS
from ggzy.notices import services
from ggzy.notices.models import Notice, NoticeType, Objection
from ggzy.notices.services.deadlines import later_deadline
from ggzy.registry import services as registry
from ggzy.registry.models import (
    Pause,
    PauseBasis,
    PauseStep,
    Registration,
    RegistrationChannel,
    Section,
    TenderProject,
    TradingCategory,
)
from ggzy.registry.services import SectionIn, TenderProjectIn
from ggzy.sealing import selectors as sealing_selectors
from ggzy.sealing import services as sealing
from ggzy.sealing.services import current_cset

USERNAMES = (
    "staff", "sy-staff", "sy-staff2", "agent", "initiator", "initiator2", "supervisor2",
    "bidder", "bidder-hylq", "bidder-hjjs", "bidder-xsjz", "bidder-bfjs",
)  # fmt: skip
#: the procurement made for the challenges (the demo's own procurement is still being corrected)
PROCUREMENT = "浑南区教育局{year}年学生课桌椅采购"
PROCUREMENT_PLAN = "浑南财采计〔{year}〕0456号"
#: how long the history is left for this module's steps (they run in its last hours)
SPAN = dt.timedelta(hours=3)
STEP = 0.2


def _tender_project(key: str) -> TenderProject | None:
    return demo_notices._tender_project(key)  # noqa: SLF001  (the notices' demo names them the same way)


def _published(tender_project: TenderProject, notice_type: NoticeType) -> Notice | None:
    return (
        Notice.objects.filter(tender_project=tender_project, type=notice_type, state="scheduled")
        .filter(publish_at__lte=clock.now())
        .order_by("-publish_at")
        .first()
    )


class Loader:
    def __init__(self, later: Later) -> None:
        self.later = later
        self.days = Days(later)
        users = get_user_model().objects.filter(username__in=USERNAMES)
        self.user: dict[str, Actor] = {u.username: u for u in users}
        self.year = clock.local_now().year

    def step(self) -> None:
        self.later(STEP)

    def run(self) -> None:
        # the last hours of the history: each step minutes after the one before
        self.days.to(self.days.end - SPAN)
        guanyinge, walk_in, land = (
            _tender_project("guanyinge"), _tender_project("walk_in"), _tender_project("land")
        )  # fmt: skip
        if guanyinge is None or walk_in is None or land is None:
            return  # the registrations are not in (--parties-only)
        self.documents(guanyinge)
        self.supervisor_order(walk_in)
        self.procurement()
        self.terminate(land)

    # -- the provincial centre: a platform fault, then objections to the documents -----------------

    def documents(self, guanyinge: TenderProject) -> None:
        section = guanyinge.sections.order_by("code").first()
        tender = _published(guanyinge, NoticeType.TENDER)
        window = sealing_selectors.window_of(section) if section is not None else None
        if section is None or tender is None or window is None or clock.now() >= window.deadline:
            return  # no bid window: no sealed bids in this demo (no demo CAs)
        centre = guanyinge.project.centre.code
        # 6.5.9: the platform fails; the staff record it and postpone the deadline (at least 2 days, and to
        # 12 days ahead: the objections to the documents have their 10 days, and an answer changing them
        # must move it again to leave 15)
        postpone_to = later_deadline(
            window.deadline, max(window.deadline + dt.timedelta(days=2), clock.now() + dt.timedelta(days=12)),
            centre,
        )  # fmt: skip
        fault = services.procedure_pause(
            actor=self.user["staff"],
            tender_project=guanyinge,
            basis=PauseBasis.PLATFORM_FAULT,
            reason="电子交易系统投标文件上传服务故障，潜在投标人无法下载招标文件澄清。",
            sections=[section.code],
            postpone_to=postpone_to,
        )
        self.step()
        services.procedure_resume(
            actor=self.user["staff"],
            pause=fault,
            reason="故障已排除，系统恢复运行，投标截止时间按延期后执行。",
        )
        self.step()

        def file(username: str, text: str) -> Objection:
            objection = services.objection_file(
                actor=self.user[username], notice=tender, kind="objection", stage="documents",
                text=text, section=section,
            )  # fmt: skip
            self.step()
            return objection

        withdrawn = file("bidder-hjjs", "招标文件第 2.3 条业绩要求的时间范围不明确，请予澄清。")
        services.objection_withdraw(actor=self.user["bidder-hjjs"], objection=withdrawn)
        self.step()
        kept = file("bidder-hylq", "招标文件要求“近五年类似工程业绩 3 项”，限制了潜在投标人，请予修改。")
        services.objection_answer(
            actor=self.user["agent"],
            objection=kept,
            answer="业绩要求与本工程规模相当，符合《招标投标法实施条例》第三十二条规定，不予修改。",
        )
        self.step()
        changed = file("bidder-xsjz", "工程量清单中溢洪道混凝土工程量与设计图纸不一致，请予核实。")
        services.objection_answer(
            actor=self.user["agent"],
            objection=changed,
            answer="经核实，工程量清单第 3.2 节混凝土工程量更正为 12,860 立方米，招标文件相应修改。",
            changes_documents=True,
        )
        self.step()
        file("bidder-bfjs", "评标办法中技术标评分因素“企业荣誉”与本工程无关，请予删除。")

    # -- the Shenyang centre ----------------------------------------------------------------------

    def supervisor_order(self, walk_in: TenderProject) -> None:
        """政府采购法 §57: the supervising department orders the school building's evaluation paused."""
        services.procedure_pause(
            actor=self.user["supervisor2"],
            tender_project=walk_in,
            basis=PauseBasis.SUPERVISOR_ORDER,
            reason="责令暂停：收到有关本项目开标情况的投诉，处理期间暂停评标、定标及签订合同。",
            steps=[PauseStep.EVALUATION, PauseStep.AWARD, PauseStep.CONTRACT],
            until=clock.now() + dt.timedelta(days=20),
        )
        self.step()

    def terminate(self, land: TenderProject) -> None:
        services.procedure_terminate(
            actor=self.user["initiator"],
            tender_project=land,
            reason="因城市规划调整，该地块出让方案须重新报批，出让人决定终止本次挂牌出让，竞买保证金原路退还。",
        )
        self.step()

    def procurement(self) -> None:
        """A procurement of the education bureau's, two suppliers' sealed bids, its result announced;
        two challenges to the result and an inquiry."""
        sy = Section.objects.filter(tender_project__project__centre__code="sy").first()
        cset = current_cset(sy.centre) if sy is not None else None
        if sy is None or cset is None:
            return  # no custodians: no sealed bids in this demo
        bureau = _tender_project("walk_in")
        assert bureau is not None  # noqa: S101  (run() found it)
        registration = registry.registration_file(
            actor=self.user["initiator2"],
            channel=RegistrationChannel.ONLINE,
            centre=sy.centre,
            category=TradingCategory.objects.get(code="procurement"),
            name=PROCUREMENT.format(year=self.year),
            initiator=bureau.project.initiator,
            region=FILINGS["school_it"].region,
            external={"procurement_plan": PROCUREMENT_PLAN.format(year=self.year)},
            files={
                "application_form": pdf(PROCUREMENT, "公共资源进场交易申请表"),
                "procurement_filing": pdf(PROCUREMENT, "政府采购项目备案表"),
            },
            not_applicable={"agency_contract"},
            tender_projects=[
                TenderProjectIn("课桌椅", [SectionIn("包1", "1280000.00", "amount", "gp_open_tender")])
            ],
        )
        self.step()
        registry.registration_accept(
            actor=self.user["sy-staff"],
            registration=registration,
            responsible=self.user["sy-staff2"],
            deputy=self.user["sy-staff"],
        )
        registration = Registration.objects.select_related("project").get(pk=registration.pk)
        tender_project = TenderProject.objects.select_related("project__centre").get(
            project=registration.project
        )
        section = tender_project.sections.get()
        deadline = clock.now() + dt.timedelta(hours=1)
        sealing.window_set(actor=self.user["initiator2"], section=section, deadline=deadline)
        with tempfile.TemporaryDirectory() as work:
            bidders = demo_sealing._Bidders(Path(work), {section.centre_id: cset})  # noqa: SLF001
            for n, (username, share) in enumerate((("bidder", 9380), ("bidder-hylq", 9560))):
                bidders.receive(username, section, share, n + 7)
        self.later(1.5)  # the deadline passes; evaluated (the award is announced)
        notices = demo_notices.Loader(self.later)
        contacts = demo_notices._contacts("hnjy")  # noqa: SLF001
        name = PROCUREMENT.format(year=self.year)
        award = notices.draft(
            "initiator2",
            tender_project,
            NoticeType.AWARD,
            f"{name}中标结果公告",
            {
                "result": "包1：中标供应商 辽宁天成建设集团有限公司，中标金额 1,200,640.00 元",
                "amount_fen": 120064000,
                "contacts": contacts,
            },
        )
        award = notices.publish("initiator2", award)
        self.step()

        def challenge(username: str, text: str) -> Objection:
            filed = services.objection_file(
                actor=self.user[username], notice=award, kind="challenge", stage="result", text=text
            )
            self.step()
            return filed

        asked = services.objection_file(
            actor=self.user["bidder-hjjs"], notice=award, kind="inquiry", stage="any",
            text="中标金额是否包含运输、安装及三年质保费用？",
        )  # fmt: skip
        self.step()
        services.objection_answer(
            actor=self.user["initiator2"], objection=asked, answer="中标金额包含运输、安装及三年质保费用。"
        )
        self.step()
        answered = challenge("bidder", "我公司投标报价得分计算有误，请复核评审结果。")
        services.objection_answer(
            actor=self.user["initiator2"],
            objection=answered,
            answer="经组织原评审委员会复核，价格分计算无误，维持评审结果。",
        )
        self.step()
        services.objection_complain(
            actor=self.user["bidder"],
            objection=answered,
            text="对质疑答复不满意：价格分计算未按招标文件规定的基准价计算，请求监督部门处理。",
        )
        self.step()
        challenge("bidder-hylq", "中标供应商所投产品的环保认证证书已过期，不满足招标文件实质性要求。")


def load(*, later: Later) -> None:
    """The demo's objections and pauses, once (`later` moves the history clock)."""
    if Objection.objects.exists() or Pause.objects.exists():
        return  # loaded before
    Loader(later).run()


def summary() -> str:
    """One line for the demo's report: objections by kind and state, pauses by state."""
    counts: dict[str, int] = {}
    for kind, state in Objection.objects.values_list("kind", "state"):
        counts[f"{kind} {state}"] = counts.get(f"{kind} {state}", 0) + 1
    for state in Pause.objects.values_list("state", flat=True):
        counts[f"pause {state}"] = counts.get(f"pause {state}", 0) + 1
    return ", ".join(f"{key} {n}" for key, n in sorted(counts.items())) or "none"
