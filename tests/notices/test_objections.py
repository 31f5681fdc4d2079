"""Objections, challenges and inquiries (6.4.3, 6.5.8) and the one pause service (6.5.8, 6.5.9), on a real
stage: an accepted engineering registration, a published tender notice, bid windows the custodians hold,
two bidders' sealed bids. Expected instants are literals, written from the law and the official 2026
calendar (国务院办公厅: 劳动节 5 月 1 日至 5 日放假，5 月 9 日（星期六）上班), not computed by the code."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest

from ggzy.certs import services as certs_services
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.events.models import Event, Message
from ggzy.events.selectors import events_visible_to
from ggzy.notices import services
from ggzy.notices.errors import NoticesError
from ggzy.notices.models import Notice, NoticeType, Objection
from ggzy.registry import services as registry
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Pause, PauseState, PauseStep, Section, TenderProject, TradingCategory
from ggzy.registry.selectors import pause_check
from ggzy.registry.services import SectionIn, TenderProjectIn
from ggzy.sealing import services as sealing
from ggzy.sealing.models import BidState, BidWindow
from tests.notices.conftest import accepted, tender_content
from tests.registry.conftest import World, make_world, pdf
from tests.sealing import conftest as sealing_conftest
from tests.sealing.conftest import Stage, held_custodians, make_bidder, root

SH = dt.timezone(dt.timedelta(hours=8))


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


#: The tender notice is published on Monday 2 March 2026 at 10:00; bids close on 25 March at 09:30.
T0 = t("2026-03-02 10:00")
DEADLINE = t("2026-03-25 09:30")


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.at(T0)

    def at(self, instant: dt.datetime) -> None:
        self.monkeypatch.setattr(clock, "authority_now", lambda: instant)


class Trade:
    def __init__(
        self, world: World, stage: Stage, tender_project: TenderProject, notice: Notice, clock_: Clock
    ):
        self.world, self.stage, self.tender_project, self.notice, self.clock = (
            world, stage, tender_project, notice, clock_,
        )  # fmt: skip
        self.section = stage.section

    def file(self, bidder: int = 0, **kwargs: Any) -> Objection:
        arguments: dict[str, Any] = {
            "actor": self.stage.bidders[bidder].user,
            "notice": self.notice,
            "kind": "objection",
            "stage": "documents",
            "text": "第 3.2 条资格条件排斥潜在投标人，请予修改。",
            "section": self.section,
        }
        arguments.update(kwargs)
        return services.objection_file(**arguments)


@pytest.fixture
def trade(
    db: Any,
    tmp_path: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> Trade:
    at = Clock(monkeypatch)
    world = make_world()
    registration = accepted(world)
    tender_project = TenderProject.objects.get(project=registration.project)
    sections = list(Section.objects.filter(tender_project=tender_project).order_by("code"))
    certs_services.ca_add(actor=None, name="测试 CA", root=root(), intermediates=[], is_test=True)
    bidders = [make_bidder("bidder-a", "天成建设有限公司"), make_bidder("bidder-b", "北方路桥有限公司")]
    held = held_custodians(world.centre.code, tmp_path / "custodians")
    monkeypatch.setattr(sealing_conftest, "TRANSPORT", held)
    settings.GGZY_CUSTODIAN_TRANSPORT = "tests.sealing.conftest.TRANSPORT"
    sealing.custodian_set_publish(actor=None, centre=world.centre, signed=held.signed)
    with django_capture_on_commit_callbacks(execute=True):
        for section in sections:
            sealing.window_set(actor=world.agent_user, section=section, deadline=DEADLINE)
    folder = tmp_path / "bidder"
    folder.mkdir()
    stage = Stage(world, sections[0], sections[1], DEADLINE, bidders, folder, held)
    draft = services.notice_draft(
        actor=world.agent_user,
        tender_project=tender_project,
        notice_type="tender",
        title="沈阳地铁 8 号线车站装修工程施工招标公告",
        content=tender_content(bid_deadline=DEADLINE.isoformat(), opening_at=DEADLINE.isoformat()),
    )
    notice = services.notice_schedule(actor=world.agent_user, notice=draft, publish_at=T0)
    assert sys.modules  # (the stage's transport is the test's custodians)
    return Trade(world, stage, tender_project, notice, at)


def refused(call: Any) -> DomainError:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value


# --- §22: an objection to the documents ----------------------------------------------------------------


@pytest.mark.clause("6.4.3")
def test_an_objection_to_the_documents_counts_back_ten_days_from_the_deadline(trade: Trade) -> None:
    # 10 whole days must lie between the objection's day and the deadline's (25 March): 14 March is the
    # last day (a Saturday: no rollover backwards), 15 March is too late
    trade.clock.at(t("2026-03-15 08:00"))
    late = refused(trade.file)
    assert late.code is NoticesError.OBJECTION_WINDOW
    assert late.detail["latest"] == t("2026-03-15 00:00").isoformat()
    assert "招标投标法实施条例 §22" in str(late.message)
    assert not Objection.objects.exists()
    assert not Pause.objects.exists()
    trade.clock.at(t("2026-03-14 23:59"))
    objection = trade.file()
    # answered within 3 days of its receipt: by 17 March 24:00
    assert objection.answer_due_at == t("2026-03-18 00:00")


@pytest.mark.clause("6.5.8")
def test_an_unanswered_objection_pauses_opening_evaluation_award_and_contract(
    trade: Trade, django_capture_on_commit_callbacks: Any
) -> None:
    bid = trade.stage.receive()
    trade.clock.at(t("2026-03-10 10:00"))
    objection = trade.file(bidder=1)
    pause = objection.pause
    assert pause is not None
    assert pause.state == PauseState.ACTIVE
    # the opening time comes, the objection still unanswered: no one opens, by either path
    trade.clock.at(t("2026-03-25 09:31"))
    release = trade.stage.release(bid)
    assert refused(
        lambda: sealing.bid_open(actor=trade.stage.bidders[0].user, bid=bid, release=release)
    ).code is (RegistryError.PAUSED)
    assert refused(lambda: sealing.bid_open_by_custodians(actor=None, bid=bid)).code is RegistryError.PAUSED
    for step in PauseStep.values:  # evaluation, award and contract ask the same check
        error = refused(
            lambda step=step: pause_check(
                tender_project=trade.tender_project, section=trade.section, step=step
            )
        )
        assert error.code is RegistryError.PAUSED
    # the other bidder learns nothing of who objected: the pause names no one
    paused = Event.objects.get(type="registry.procedure.paused")
    assert paused.actor is None
    assert paused.visibility == "public"
    filer = trade.stage.bidders[1].organisation
    assert filer.name not in str(paused.data)
    assert filer.uscc not in str(paused.data)
    assert not paused.organisation
    services.objection_answer(
        actor=trade.world.agent_user, objection=objection, answer="资格条件符合法律规定，不予修改。"
    )
    assert Pause.objects.get(pk=pause.pk).state == PauseState.RESUMED
    opened = sealing.bid_open(actor=trade.stage.bidders[0].user, bid=bid, release=release)
    assert opened.state == BidState.OPENED


@pytest.mark.clause("6.4.3")
def test_an_answer_changing_the_documents_moves_the_deadline_fifteen_days_with_the_custodians_notice(
    trade: Trade, django_capture_on_commit_callbacks: Any
) -> None:
    trade.clock.at(t("2026-03-10 10:00"))
    objection = trade.file()
    trade.clock.at(t("2026-03-12 10:00"))
    with django_capture_on_commit_callbacks(execute=True):
        services.objection_answer(
            actor=trade.world.agent_user, objection=objection,
            answer="采纳：资格条件改为二级及以上。", changes_documents=True,
        )  # fmt: skip
    # a clarification on 12 March leaves 15 whole days before the deadline only from 28 March (a
    # Saturday): the deadline keeps its 09:30 on the next working day, Monday 30 March
    window = BidWindow.objects.get(section=trade.section)
    assert window.deadline == t("2026-03-30 09:30")
    assert window.opening_at == t("2026-03-30 09:30")
    assert BidWindow.objects.get(section=trade.stage.other_section).deadline == DEADLINE  # not objected to
    # every custodian holds the signed postponement, so it honours the new deadline
    for index in (1, 2, 3):
        held = trade.stage.held.held_notices(index)
        assert any("2026-03-30T01:30:00" in str(n) for n in held), held[-1]
    correction = Notice.objects.get(type=NoticeType.CORRECTION)
    assert correction.corrects == trade.notice
    assert correction.state == "draft"
    assert "2026-03-30 09:30" in correction.content["changes"]
    assert not Pause.objects.filter(state=PauseState.ACTIVE).exists()


def test_an_objection_is_refused_to_a_non_bidder_and_out_of_stage(trade: Trade) -> None:
    trade.clock.at(t("2026-03-10 10:00"))
    error = refused(lambda: trade.file(actor=trade.world.initiator_user))
    assert error.code is NoticesError.OBJECTION_NOT_ALLOWED
    error = refused(lambda: trade.file(kind="challenge"))  # a procurement challenge on a works notice
    assert error.code is NoticesError.OBJECTION_STAGE
    error = refused(lambda: trade.file(text="   "))
    assert error.code is NoticesError.OBJECTION_TEXT
    assert not Objection.objects.exists()
    assert not Pause.objects.exists()


def test_who_objected_is_known_to_the_initiator_and_agent_only_until_the_opening(trade: Trade) -> None:
    trade.clock.at(t("2026-03-10 10:00"))
    objection = trade.file()
    filed = Event.objects.get(type="notices.objection.filed")
    assert filed.embargo_kind == "section.opening"
    assert filed.embargo_ref == trade.section.code
    for viewer in (trade.stage.bidders[1].user, trade.world.staff[0], trade.world.initiator_user):
        assert not events_visible_to(viewer).filter(pk=filed.pk).exists()
    assert events_visible_to(trade.stage.bidders[0].user).filter(pk=filed.pk).exists()  # its own
    told = Message.objects.filter(event=filed)
    assert {m.recipient for m in told} == {trade.world.initiator_user, trade.world.agent_user}
    assert objection.organisation == trade.stage.bidders[0].organisation


# --- procurement: a challenge to the result suspends contract signing only ----------------------------


@pytest.fixture
def bought(trade: Trade) -> tuple[Trade, Notice, Section]:
    world = trade.world
    registration = registry.registration_file(
        actor=world.initiator_user,
        centre=world.centre,
        category=TradingCategory.objects.get(code="procurement"),
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
    a, b, c = world.staff
    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    tender_project = TenderProject.objects.get(project=registration.project)
    section = tender_project.sections.get()
    # the bidder took part: its bid for the package (sealed against the package's deadline)
    trade.clock.at(t("2026-04-01 10:00"))
    sealing.window_set(actor=world.initiator_user, section=section, deadline=t("2026-04-24 09:30"))
    trade.stage.deadline = t("2026-04-24 09:30")
    bidder = trade.stage.bidders[0]
    path = trade.stage.seal(bidder, "gp", section=section)
    sealing.bid_receive(
        actor=bidder.user, section=section, path=path, acknowledgements=trade.stage.register(path)
    )
    # the result announcement is published on Thursday 30 April 2026, 10:00
    trade.clock.at(t("2026-04-30 10:00"))
    draft = services.notice_draft(
        actor=world.initiator_user, tender_project=tender_project, notice_type="award",
        title="调度软件采购中标结果公告",
        content={"result": "中标供应商：天成建设有限公司，中标金额 2,480,000.00 元", "amount_fen": 248000000,
                 "contacts": "采购代理机构：辽宁中咨，赵，13900000002"},
    )  # fmt: skip
    award = services.notice_schedule(actor=world.initiator_user, notice=draft, publish_at=clock.now())
    return trade, award, section


@pytest.mark.clause("6.5.8")
def test_a_challenge_counts_from_the_end_of_the_result_announcement_and_suspends_the_contract_only(
    bought: tuple[Trade, Notice, Section],
) -> None:
    trade, award, section = bought
    bidder = trade.stage.bidders[0]

    def challenge(**kwargs: Any) -> Objection:
        return services.objection_file(
            actor=bidder.user,
            notice=award,
            kind="challenge",
            stage="result",
            text="评分有误，请复核。",
            **kwargs,
        )

    # the announcement lasts one working day: 1–5 May are the Labour Day holiday, so it ends with
    # Wednesday 6 May; 7 working days from then: 7, 8, 9 (the adjusted Saturday), 11, 12, 13, 14 May
    trade.clock.at(t("2026-05-15 00:30"))
    late = refused(challenge)
    assert late.code is NoticesError.OBJECTION_WINDOW
    assert late.detail["latest"] == t("2026-05-15 00:00").isoformat()
    assert not Objection.objects.exists()
    trade.clock.at(t("2026-05-14 23:00"))
    filed = challenge()
    assert filed.anchor_at == t("2026-05-07 00:00")  # the end of the announcement (6 May 24:00)
    # answered within 7 working days: 15, 18, 19, 20, 21, 22, 25 May
    assert filed.answer_due_at == t("2026-05-26 00:00")
    tender_project = section.tender_project
    error = refused(
        lambda: pause_check(tender_project=tender_project, section=section, step=PauseStep.CONTRACT)
    )
    assert error.code is RegistryError.PAUSED
    for step in (PauseStep.OPENING, PauseStep.EVALUATION, PauseStep.AWARD):
        pause_check(tender_project=tender_project, section=section, step=step)  # not paused
    # a challenge is only for a supplier that took part
    outsider = make_bidder("bidder-c", "东方软件有限公司")
    error = refused(
        lambda: services.objection_file(
            actor=outsider.user, notice=award, kind="challenge", stage="result", text="不服。"
        )
    )
    assert error.code is NoticesError.OBJECTION_NOT_ALLOWED
    # the answer lifts the suspension; unsatisfied, the supplier carries it on to the supervisor within
    # 15 working days after the answer period ended (26 May … 15 June, 19 June being 端午)
    trade.clock.at(t("2026-05-20 10:00"))
    services.objection_answer(actor=trade.world.initiator_user, objection=filed, answer="经复核，评分无误。")
    pause_check(tender_project=tender_project, section=section, step=PauseStep.CONTRACT)
    trade.clock.at(t("2026-06-16 00:30"))
    error = refused(
        lambda: services.objection_complain(actor=bidder.user, objection=filed, text="答复不满意")
    )
    assert error.code is NoticesError.OBJECTION_WINDOW
    assert error.detail["latest"] == t("2026-06-16 00:00").isoformat()
    trade.clock.at(t("2026-06-15 16:00"))
    complained = services.objection_complain(
        actor=bidder.user, objection=filed, text="答复不满意，请求处理。"
    )
    assert (complained.complaint_region, complained.complaint_category) == ("210100", "procurement")
    assert Event.objects.get(type="notices.complaint.filed").visibility == "supervisors"


def test_an_inquiry_is_answered_within_three_working_days(bought: tuple[Trade, Notice, Section]) -> None:
    trade, award, _section = bought
    trade.clock.at(t("2026-04-30 11:00"))
    outsider = make_bidder("bidder-d", "南方软件有限公司")
    asked = services.objection_file(
        actor=outsider.user, notice=award, kind="inquiry", stage="any", text="中标金额是否含税？"
    )
    # received on Thursday 30 April: 6, 7, 8 May (1–5 May off)
    assert asked.answer_due_at == t("2026-05-09 00:00")
    assert asked.pause is None


# --- the one pause service -----------------------------------------------------------------------------


@pytest.mark.clause("6.5.9")
def test_a_platform_fault_pauses_and_postpones_with_the_custodians_notice_and_everyone_told(
    trade: Trade, django_capture_on_commit_callbacks: Any
) -> None:
    bid = trade.stage.receive()
    trade.clock.at(t("2026-03-25 08:50"))
    staff = trade.world.staff[0]
    with django_capture_on_commit_callbacks(execute=True):
        pause = services.procedure_pause(
            actor=staff, tender_project=trade.tender_project, basis="platform_fault",
            reason="交易系统数据库故障，无法接收投标文件。", postpone_to=t("2026-03-27 09:30"),
        )  # fmt: skip
    assert BidWindow.objects.get(section=trade.section).deadline == t("2026-03-27 09:30")
    for index in (1, 2, 3):
        assert len(trade.stage.held.held_notices(index)) >= 2  # the first deadline, then the postponement
    # the initiator's and agent's members are told, and the bidder, under the opening's embargo
    told = Message.objects.filter(template="notices.procedure_paused")
    users = {m.recipient for m in told}
    assert {trade.world.initiator_user, trade.world.agent_user, bid.submitted_by} <= users
    to_bidder = told.filter(recipient=bid.submitted_by).first()
    assert to_bidder is not None
    assert to_bidder.embargo_kind == "section.opening"
    # the notice is drafted for the parties to publish
    special = Notice.objects.get(type=NoticeType.SPECIAL)
    assert "2026-03-27 09:30" in special.content["matter"]
    assert special.state == "draft"
    trade.clock.at(t("2026-03-27 09:31"))
    error = refused(lambda: sealing.bid_open_by_custodians(actor=None, bid=bid))
    assert error.code is RegistryError.PAUSED
    services.procedure_resume(actor=trade.world.agent_user, pause=pause, reason="故障已排除。")
    assert Pause.objects.get(pk=pause.pk).state == PauseState.RESUMED


def test_who_may_pause_on_which_basis(trade: Trade) -> None:
    trade.clock.at(t("2026-03-10 10:00"))
    staff, bidder = trade.world.staff[0], trade.stage.bidders[0].user
    error = refused(
        lambda: services.procedure_pause(
            actor=staff, tender_project=trade.tender_project, basis="other", reason="我们想暂停。"
        )
    )
    assert error.code is NoticesError.PAUSE_NOT_ALLOWED
    error = refused(
        lambda: services.procedure_pause(
            actor=bidder, tender_project=trade.tender_project, basis="platform_fault", reason="停"
        )
    )
    assert error.code.status == 404  # a bidder is no one here: the not-found answer
    error = refused(
        lambda: services.procedure_pause(
            actor=trade.world.agent_user,
            tender_project=trade.tender_project,
            basis="supervisor_order",
            reason="x",
        )
    )
    assert error.code is NoticesError.PAUSE_NOT_ALLOWED
    assert not Pause.objects.exists()
    assert not Notice.objects.filter(type=NoticeType.SPECIAL).exists()


def test_a_supervisors_order_lasts_thirty_days_at_most(trade: Trade) -> None:
    from django.contrib.auth import get_user_model

    from ggzy.accounts.models import RoleGrant
    from ggzy.core.roles import Role

    trade.clock.at(t("2026-03-10 10:00"))
    supervisor = get_user_model().objects.create_user(username="supervisor-sy")
    RoleGrant.objects.create(user=supervisor, role=Role.SUPERVISOR, region="2101", granted_at=clock.now())
    error = refused(
        lambda: services.procedure_pause(
            actor=supervisor,
            tender_project=trade.tender_project,
            basis="supervisor_order",
            reason="责令暂停：投诉处理中。",
            until=t("2026-04-10 10:01"),
        )
    )
    assert error.code is RegistryError.PAUSE_TOO_LONG
    pause = services.procedure_pause(
        actor=supervisor, tender_project=trade.tender_project, basis="supervisor_order",
        reason="责令暂停：投诉处理中。", until=t("2026-04-09 10:00"),
    )  # fmt: skip
    assert pause.until == t("2026-04-09 10:00")


def test_termination_refuses_every_step_for_good_and_drafts_the_termination_notice(trade: Trade) -> None:
    trade.clock.at(t("2026-03-10 10:00"))
    services.procedure_terminate(
        actor=trade.world.initiator_user, tender_project=trade.tender_project, reason="项目取消，资金未落实。"
    )
    for step in PauseStep.values:
        error = refused(lambda step=step: pause_check(tender_project=trade.tender_project, step=step))
        assert error.code is RegistryError.TERMINATED
    termination = Notice.objects.get(type=NoticeType.TERMINATION)
    assert termination.corrects == trade.notice
    assert Message.objects.filter(template="notices.procedure_terminated").exists()
    error = refused(
        lambda: services.procedure_terminate(
            actor=trade.world.initiator_user, tender_project=trade.tender_project, reason="again"
        )
    )
    assert error.code is RegistryError.TERMINATED
