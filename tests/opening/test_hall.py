"""The opening hall (issue 32, first part): at the deadline the standing bids are counted against the
method's minimum (fewer: the section is not opened, with its reason); otherwise the steps follow the
clock from the opening time in force, each with its scheduled and actual instant; the bidder list with
each security's status appears at its step; no price is shown before the decryption window closes, and
the opening sheet shows every released bid's price (and which were not released) once it has."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from ggzy.events.models import Event
from ggzy.opening import services
from ggzy.opening.models import Hall, HallStep
from ggzy.opening.states import HallState
from ggzy.sealing import services as sealing
from ggzy.sealing.models import SealedBid
from ggzy.tendering import selectors as tendering_selectors
from ggzy.tendering import services as tendering
from tests.factories import signed_in
from tests.notices.test_objections import DEADLINE, Trade, trade  # noqa: F401  (trade: the fixture)
from tests.sealing.conftest import make_bidder
from tests.securities.conftest import documents_issue

MINUTE = dt.timedelta(minutes=1)
PRICES = [1_188_000_000, 1_166_000_000, 1_199_000_000]


def bids(trade: Trade, n: int) -> list[SealedBid]:  # noqa: F811
    """`n` bids on the trade's section, each of its own bidder (a third bidder made when needed), each
    having obtained the issued documents."""
    stage = trade.stage
    while len(stage.bidders) < n:
        stage.bidders.append(
            make_bidder(f"bidder-{len(stage.bidders)}", f"第{len(stage.bidders)}建设有限公司")
        )
    documents = tendering_selectors.documents_of_section(trade.section)
    assert documents is not None
    made = []
    for i in range(n):
        tendering.documents_obtain(actor=stage.bidders[i].user, documents=documents)
        sheet = {
            "schema": "ggzy-opening-sheet-v1",
            "price": {"kind": "amount", "fen": PRICES[i]},
            "duration_days": 300,
            "quality": "合格",
            "project_manager": {"name": "王工", "certificate": "辽221060800123"},
        }
        made.append(stage.receive(stage.bidders[i], name=f"bid{i}", opening_sheet=sheet))
    return made


def at(trade: Trade, instant: dt.datetime) -> int:  # noqa: F811
    trade.clock.at(instant)
    return services.halls_due()


def refused(call: Any) -> Any:
    from ggzy.core.errors import DomainError

    with pytest.raises(DomainError) as exc:
        call()
    return exc.value


def page(trade: Trade, user: Any, hall: Hall) -> Any:  # noqa: F811
    return signed_in(Client(), user).get(f"/halls/{hall.uid}/")


def test_too_few_bids_at_the_deadline_and_the_section_is_not_opened(trade: Trade) -> None:  # noqa: F811
    documents_issue(trade)
    bids(trade, 2)
    at(trade, DEADLINE - MINUTE)
    hall = Hall.objects.get(section=trade.section)
    assert hall.state == HallState.SCHEDULED
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall.refresh_from_db()
    assert hall.state == HallState.FAILED
    assert hall.bidders_counted == 2
    assert "少于 3" in hall.failed_reason
    assert not HallStep.objects.filter(hall=hall).exists()
    assert Event.objects.filter(type="opening.hall.failed", section_ref=trade.section.code).count() == 1
    shown = page(trade, trade.stage.bidders[0].user, hall)
    assert shown.status_code == 200
    assert "少于 3" in shown.content.decode()
    at(trade, DEADLINE + 90 * MINUTE)  # nothing moves a failed hall
    hall.refresh_from_db()
    assert hall.state == HallState.FAILED


@pytest.mark.clause("8.1.3")
@pytest.mark.clause("6.5.2")
@pytest.mark.clause("6.7.2")
def test_the_steps_follow_the_clock_and_prices_wait_for_the_window(trade: Trade) -> None:  # noqa: F811, PLR0915
    documents_issue(trade)
    standing = bids(trade, 3)
    at(trade, DEADLINE - MINUTE)
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall = Hall.objects.get(section=trade.section)
    assert hall.bidders_counted == 3
    assert hall.opens_at == DEADLINE
    scheduled = dict(HallStep.objects.filter(hall=hall).values_list("code", "scheduled_start"))
    assert scheduled["decryption"] == DEADLINE
    assert scheduled["opening_sheet"] == DEADLINE + hall.window_minutes * MINUTE
    started = dict(HallStep.objects.filter(hall=hall).values_list("code", "started_at"))
    # the tick came 5 s after the opening time: sign-in … decryption began, each at its actual instant
    for code in ("sign_in", "control_price", "random_parameters", "bidder_list", "decryption"):
        assert started[code] == DEADLINE + dt.timedelta(seconds=5), code
    assert started["opening_sheet"] is None
    hall.refresh_from_db()
    assert hall.state == HallState.IN_PROGRESS
    assert hall.bidder_list is not None
    assert {b["organisation"] for b in hall.bidder_list} == {b.organisation.name for b in trade.stage.bidders}
    assert all(b["security"] == "none" for b in hall.bidder_list)  # nobody paid the ¥100,000
    shown = page(trade, trade.stage.bidders[0].user, hall).content.decode()
    assert shown.count("— 未提交</li>") == 3  # in words, not the status's code
    # the schedule is made when the bids are counted at the deadline, which is the opening time here: the
    # sign-in cannot have been due half an hour before, it is a step of no duration at the opening
    assert scheduled["sign_in"] == DEADLINE
    assert HallStep.objects.get(hall=hall, code="sign_in").late_seconds == 5

    trade.clock.at(DEADLINE + 3 * MINUTE)
    for bid in standing[:2]:  # two bidders release in the window; the third does not
        sealing.bid_open(actor=bid.submitted_by, bid=bid, release=trade.stage.release(bid))
    shown = page(trade, trade.stage.bidders[0].user, hall).content.decode()
    assert "11,880,000.00" not in shown  # not even the bidder's own price
    assert "11880000" not in shown
    assert "第2建设有限公司" in shown  # the bidder list is out
    at(trade, DEADLINE + 10 * MINUTE)
    assert HallStep.objects.get(hall=hall, code="opening_sheet").started_at is None

    trade.clock.at(DEADLINE + hall.window_minutes * MINUTE + dt.timedelta(seconds=1))
    late = refused(lambda: sealing.bid_open(actor=standing[2].submitted_by, bid=standing[2],
                                            release=trade.stage.release(standing[2])))  # fmt: skip
    assert late.detail["reason"] == "window_closed"
    at(trade, DEADLINE + hall.window_minutes * MINUTE + dt.timedelta(seconds=2))
    hall.refresh_from_db()
    assert hall.sheet is not None
    lines = {line["organisation"]: line for line in hall.sheet}
    assert all(line["released"] for line in hall.sheet)  # the remedy: the custodians opened the third
    assert lines[standing[2].organisation.name]["opened_by"] == "custodians"
    assert lines[standing[0].organisation.name]["opened_by"] == "release"
    assert lines[standing[0].organisation.name]["sheet"]["price"]["fen"] == PRICES[0]
    note = HallStep.objects.get(hall=hall, code="opening_sheet").note
    assert "已由密钥托管方解密" in note
    shown = page(trade, trade.stage.bidders[2].user, hall).content.decode()
    assert "11,880,000.00" in shown
    assert "11,990,000.00" in shown
    at(trade, DEADLINE + 2 * 60 * MINUTE)
    hall.refresh_from_db()
    assert hall.state == HallState.CLOSED
    assert HallStep.objects.filter(hall=hall, started_at__isnull=True).count() == 0
    steps_begun = Event.objects.filter(type="opening.step.started", section_ref=trade.section.code)
    assert steps_begun.count() == HallStep.objects.filter(hall=hall).count()


def test_without_a_remedy_an_unreleased_bid_stays_closed(trade: Trade) -> None:  # noqa: F811
    documents_issue(trade, release_remedy="none")
    standing = bids(trade, 3)
    at(trade, DEADLINE - MINUTE)
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    trade.clock.at(DEADLINE + MINUTE)
    sealing.bid_open(
        actor=standing[0].submitted_by, bid=standing[0], release=trade.stage.release(standing[0])
    )
    hall = Hall.objects.get(section=trade.section)
    at(trade, DEADLINE + hall.window_minutes * MINUTE + dt.timedelta(seconds=2))
    hall.refresh_from_db()
    assert hall.sheet is not None
    closed = [line for line in hall.sheet if not line["released"]]
    assert len(closed) == 2
    assert {line["not_opened"] for line in closed} == {"none"}
    assert "2 份未能解密" in HallStep.objects.get(hall=hall, code="opening_sheet").note


def test_a_postponed_opening_moves_the_schedule(trade: Trade) -> None:  # noqa: F811
    documents_issue(trade)
    bids(trade, 3)
    later = DEADLINE + dt.timedelta(days=2)
    trade.clock.at(DEADLINE - dt.timedelta(days=1))
    from ggzy.sealing.models import BidWindow

    BidWindow.objects.filter(section=trade.section).update(opening_at=later)  # as a postponement sets it
    at(trade, DEADLINE - MINUTE)
    at(trade, DEADLINE + MINUTE)
    hall = Hall.objects.get(section=trade.section)
    assert hall.opens_at == later
    assert not HallStep.objects.filter(hall=hall, started_at__isnull=False).exists()


def test_only_the_sections_parties_enter_the_hall(trade: Trade, make_user: Any) -> None:  # noqa: F811
    documents_issue(trade)
    bids(trade, 3)
    at(trade, DEADLINE - MINUTE)
    hall = Hall.objects.get(section=trade.section)
    assert page(trade, trade.stage.bidders[0].user, hall).status_code == 200
    assert page(trade, trade.world.agent_user, hall).status_code == 200
    stranger = make_bidder("bidder-x", "无关建设有限公司")
    missing = signed_in(Client(), stranger.user).get("/halls/00000000-0000-4000-8000-000000000000/")
    refused = page(trade, stranger.user, hall)
    assert refused.status_code == missing.status_code == 404
    assert Client().get(f"/halls/{hall.uid}/").status_code in (302, 403)


# --- K: drawn at its step, its commitments logged long before any release -------------------------------


def _sealed_head() -> None:
    """The log's next head, with the co-signature the platform counts (the co-signers' own checks are
    tested in tests/witness and tests/randomness with real processes; this trade's clock is frozen in 2026-03,
    which their clocks would refuse)."""
    from ggzy.core import clock
    from ggzy.witness.models import Cosignature
    from ggzy.witness.services import sth_sign, witness_integrate

    while witness_integrate():
        pass
    head = sth_sign(force=True)
    assert head is not None
    Cosignature.objects.create(
        head=head, cosigner_key="ab" * 32, body="{}", signature="00", received_at=clock.now()
    )


@pytest.mark.slow
@pytest.mark.clause("8.1.3")
def test_k_is_committed_before_the_deadline_and_drawn_at_its_step(
    trade: Trade,  # noqa: F811
    tmp_path: Any,
    settings: Any,
) -> None:
    from tests.outside import beacons_start

    settings.GGZY_WITNESS_TRUST = ""
    beacons = beacons_start(tmp_path / "beacons", settings)
    try:
        documents_issue(trade)
        standing = bids(trade, 3)
        at(trade, DEADLINE - dt.timedelta(hours=1))  # the hall, and its K draw committed
        hall = Hall.objects.get(section=trade.section)
        assert hall.k_draw is not None
        assert Event.objects.filter(type="opening.k.committed", section_ref=trade.section.code).count() == 1
        _sealed_head()  # a co-signed head holds the commitments, before anything is opened
        at(trade, DEADLINE + dt.timedelta(seconds=5))
        hall.refresh_from_db()
        assert hall.k_draw is not None
        hall.k_draw.refresh_from_db()
        assert hall.k_draw.state == "drawn"
        assert hall.k_value == hall.k_draw.result
        assert hall.k_value in ("0.01", "0.02", "0.03")
        note = HallStep.objects.get(hall=hall, code="random_parameters").note
        assert note == ""
        shown = page(trade, trade.stage.bidders[0].user, hall).content.decode()
        assert f"/randomness/{hall.k_draw.uid}/" in shown
        # K was fixed before the first release could be accepted: the decryption step had not begun
        k_moment = Event.objects.get(type="randomness.moment.reached")
        trade.clock.at(DEADLINE + MINUTE)
        sealing.bid_open(
            actor=standing[0].submitted_by, bid=standing[0], release=trade.stage.release(standing[0])
        )
        opened = Event.objects.filter(type="sealing.bid.opened").order_by("id").first()
        assert opened is not None
        assert k_moment.pk < opened.pk
    finally:
        beacons.stop_all()


def test_each_bidder_confirms_or_objects_to_its_own_line_in_the_confirmation_step(trade: Trade) -> None:  # noqa: F811
    from ggzy.opening.errors import OpeningError
    from ggzy.opening.models import LineConfirmation

    documents_issue(trade)
    standing = bids(trade, 3)
    at(trade, DEADLINE - MINUTE)
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall = Hall.objects.get(section=trade.section)
    first, second = trade.stage.bidders[0].user, trade.stage.bidders[1].user
    early = refused(lambda: services.line_decide(actor=first, hall=hall, decision="confirmed"))
    assert early.code == OpeningError.NOT_CONFIRMING  # no line to confirm before the sheet is read
    trade.clock.at(DEADLINE + MINUTE)
    for bid in standing:
        sealing.bid_open(actor=bid.submitted_by, bid=bid, release=trade.stage.release(bid))
    at(trade, DEADLINE + hall.window_minutes * MINUTE + dt.timedelta(seconds=2))
    hall.refresh_from_db()
    shown = page(trade, first, hall).content.decode()
    assert "opening/line" not in shown  # the form posts to …/line/
    assert f"/halls/{hall.uid}/line/" in shown
    answer = signed_in(Client(), first).post(f"/halls/{hall.uid}/line/", {"decision": "confirmed"})
    assert answer.status_code == 302
    blank = refused(lambda: services.line_decide(actor=second, hall=hall, decision="objected", remark=" "))
    assert blank.code == OpeningError.REMARK
    services.line_decide(actor=second, hall=hall, decision="objected", remark="工期应为 280 天，不是 300 天")
    twice = refused(lambda: services.line_decide(actor=second, hall=hall, decision="confirmed"))
    assert twice.code == OpeningError.DECIDED
    stranger = make_bidder("bidder-y", "无关路桥有限公司")
    other = refused(lambda: services.line_decide(actor=stranger.user, hall=hall, decision="confirmed"))
    assert other.code == OpeningError.NO_LINE
    decided = dict(LineConfirmation.objects.filter(hall=hall).values_list("organisation__uscc", "decision"))
    assert decided == {
        trade.stage.bidders[0].organisation.uscc: "confirmed",
        trade.stage.bidders[1].organisation.uscc: "objected",
    }
    assert "工期应为 280 天" in page(trade, trade.world.agent_user, hall).content.decode()
    at(trade, DEADLINE + (hall.window_minutes + 16) * MINUTE)
    late = refused(
        lambda: services.line_decide(actor=trade.stage.bidders[2].user, hall=hall, decision="confirmed")
    )
    assert late.code == OpeningError.NOT_CONFIRMING
    assert Event.objects.filter(type="opening.line.decided").count() == 2


@pytest.mark.clause("6.5.8")
def test_an_objection_at_the_opening_is_raised_and_answered_in_the_hall(trade: Trade) -> None:  # noqa: F811
    from ggzy.notices.models import Objection
    from ggzy.opening.errors import OpeningError

    documents_issue(trade)
    bids(trade, 3)
    at(trade, DEADLINE - MINUTE)
    hall = Hall.objects.get(section=trade.section)
    first = trade.stage.bidders[0]
    early = refused(lambda: services.hall_object(actor=first.user, hall=hall, text="开标时间未按公告执行"))
    assert early.code == OpeningError.STATE  # not before the opening
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall.refresh_from_db()
    posted = signed_in(Client(), first.user).post(
        f"/halls/{hall.uid}/object/", {"text": "解密时限应为 60 分钟"}
    )
    assert posted.status_code == 302
    objection = Objection.objects.get(section=trade.section, stage="opening")
    assert objection.organisation == first.organisation
    # the other bidders see the objection, not who raised it; the agent who answers sees who did
    other = page(trade, trade.stage.bidders[1].user, hall).content.decode()
    assert "解密时限应为 60 分钟" in other
    assert "<strong>一位投标人</strong>" in other
    assert f"<strong>{first.organisation.name}</strong>" not in other
    agent_page = page(trade, trade.world.agent_user, hall).content.decode()
    assert f"<strong>{first.organisation.name}</strong>" in agent_page
    assert f'value="{objection.uid}"' in agent_page
    outsider = make_bidder("bidder-z", "旁观建设有限公司")
    stranger = refused(lambda: services.hall_object(actor=outsider.user, hall=hall, text="我也有异议"))
    assert stranger.code.value == "objection_not_allowed"
    answered = signed_in(Client(), trade.world.agent_user).post(
        f"/halls/{hall.uid}/answer/",
        {"objection": str(objection.uid), "answer": "招标文件第 2.3 条规定为 30 分钟。"},
    )
    assert answered.status_code == 302
    objection.refresh_from_db()
    assert objection.answer == "招标文件第 2.3 条规定为 30 分钟。"
    assert (
        "招标文件第 2.3 条规定为 30 分钟" in page(trade, trade.stage.bidders[2].user, hall).content.decode()
    )


def test_a_bidder_asks_for_an_avoidance_at_the_opening_and_an_accepted_one_is_kept_for_the_draw(
    trade: Trade,  # noqa: F811
) -> None:
    from ggzy.opening.errors import OpeningError
    from ggzy.opening.models import AvoidanceRequest
    from ggzy.opening.selectors import avoidances_for_draw

    documents_issue(trade)
    bids(trade, 3)
    at(trade, DEADLINE - MINUTE)
    hall = Hall.objects.get(section=trade.section)
    first, second = trade.stage.bidders[0], trade.stage.bidders[1]
    reason = "该专家系第二建设有限公司原法定代表人的配偶"
    early = refused(
        lambda: services.avoidance_request(actor=first.user, hall=hall, person="张伟", reason=reason)
    )
    assert early.code == OpeningError.STATE  # only at the opening
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall.refresh_from_db()
    outsider = make_bidder("bidder-y", "旁听建设有限公司")
    events = Event.objects.count()
    for person, why in (("", reason), ("张伟", ""), ("张" * 51, reason)):
        bad = refused(
            lambda p=person, w=why: services.avoidance_request(
                actor=first.user, hall=hall, person=p, reason=w
            )
        )
        assert bad.code == OpeningError.AVOIDANCE_INPUT
    stranger = refused(
        lambda: services.avoidance_request(actor=outsider.user, hall=hall, person="张伟", reason=reason)
    )
    assert stranger.code == OpeningError.NOT_A_BIDDER
    assert Event.objects.count() == events
    assert not AvoidanceRequest.objects.exists()
    posted = signed_in(Client(), first.user).post(
        f"/halls/{hall.uid}/avoidance/", {"person": "张伟", "employer": "辽宁某设计院", "reason": reason}
    )
    assert posted.status_code == 302
    made = AvoidanceRequest.objects.get()
    assert (made.organisation, made.person, made.employer) == (first.organisation, "张伟", "辽宁某设计院")
    twice = refused(
        lambda: services.avoidance_request(actor=first.user, hall=hall, person="张伟", reason=reason)
    )
    assert twice.code == OpeningError.AVOIDANCE_TWICE
    # the requester and the initiator's side see it; another bidder does not learn who asked for whom
    assert "张伟" in page(trade, first.user, hall).content.decode()
    assert "张伟" not in page(trade, second.user, hall).content.decode()
    assert f'value="{made.uid}"' in page(trade, trade.world.agent_user, hall).content.decode()
    # only the initiator's side answers, once, with a decision and an answer
    not_agent = refused(
        lambda: services.avoidance_decide(
            actor=second.user, hall=hall, request_uid=str(made.uid), decision="accepted", answer="同意"
        )
    )
    assert not_agent.code == OpeningError.NOT_AGENT
    agent = trade.world.agent_user
    blank = refused(
        lambda: services.avoidance_decide(
            actor=agent, hall=hall, request_uid=str(made.uid), decision="maybe", answer="同意"
        )
    )
    assert blank.code == OpeningError.AVOIDANCE_DECISION
    assert avoidances_for_draw(trade.section.pk) == []
    answered = signed_in(Client(), agent).post(
        f"/halls/{hall.uid}/avoidance/decide/",
        {"request": str(made.uid), "decision": "accepted", "answer": "同意，抽取时予以回避。"},
    )
    assert answered.status_code == 302
    again = refused(
        lambda: services.avoidance_decide(
            actor=agent, hall=hall, request_uid=str(made.uid), decision="refused", answer="不同意"
        )
    )
    assert again.code == OpeningError.AVOIDANCE_DECIDED
    assert [(a.person, a.employer) for a in avoidances_for_draw(trade.section.pk)] == [
        ("张伟", "辽宁某设计院")
    ]
    recorded = Event.objects.filter(type__startswith="opening.avoidance.").values_list("type", flat=True)
    assert sorted(recorded) == ["opening.avoidance.decided", "opening.avoidance.requested"]
    assert "同意，抽取时予以回避。" in page(trade, first.user, hall).content.decode()


@pytest.mark.clause("6.5.8")
@pytest.mark.clause("6.5.9")
def test_a_pause_holds_the_hall_and_the_window_moves_by_the_time_it_held(trade: Trade) -> None:  # noqa: F811
    from ggzy.notices import services as notices

    documents_issue(trade)
    standing = bids(trade, 3)
    at(trade, DEADLINE - MINUTE)
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall = Hall.objects.get(section=trade.section)
    trade.clock.at(DEADLINE + MINUTE)
    sealing.bid_open(
        actor=standing[0].submitted_by, bid=standing[0], release=trade.stage.release(standing[0])
    )
    trade.clock.at(DEADLINE + 10 * MINUTE)
    staff = trade.world.staff[0]
    pause = notices.procedure_pause(
        actor=staff, tender_project=trade.tender_project, basis="platform_fault", reason="平台解密服务故障",
        sections=[trade.section.code], steps=["opening"],
    )  # fmt: skip
    at(trade, DEADLINE + 11 * MINUTE)
    hall.refresh_from_db()
    assert hall.paused_at == DEADLINE + 11 * MINUTE
    stopped = refused(
        lambda: sealing.bid_open(
            actor=standing[1].submitted_by, bid=standing[1], release=trade.stage.release(standing[1])
        )
    )
    assert stopped.code.value == "procedure_paused"
    w = hall.window_minutes
    at(trade, DEADLINE + (w + 10) * MINUTE)  # past the window's scheduled end: nothing moves while paused
    assert HallStep.objects.get(hall=hall, code="opening_sheet").started_at is None
    assert "暂停" in page(trade, trade.stage.bidders[1].user, hall).content.decode()
    trade.clock.at(DEADLINE + (w + 20) * MINUTE)
    notices.procedure_resume(actor=staff, pause=pause, reason="故障已排除")
    at(trade, DEADLINE + (w + 20) * MINUTE)
    hall.refresh_from_db()
    assert hall.paused_at is None
    held = w + 20 - 11  # from the tick that saw the pause to the one that saw it end
    decryption = HallStep.objects.get(hall=hall, code="decryption")
    assert decryption.scheduled_end == DEADLINE + (w + held) * MINUTE
    trade.clock.at(
        DEADLINE + (w + 25) * MINUTE
    )  # in the moved window, the second bidder's release is accepted
    sealing.bid_open(
        actor=standing[1].submitted_by, bid=standing[1], release=trade.stage.release(standing[1])
    )
    at(trade, DEADLINE + (w + held - 1) * MINUTE)
    assert HallStep.objects.get(hall=hall, code="opening_sheet").started_at is None
    at(trade, DEADLINE + (w + held + 1) * MINUTE)
    sheet_step = HallStep.objects.get(hall=hall, code="opening_sheet")
    assert sheet_step.started_at == DEADLINE + (w + held + 1) * MINUTE
    assert Event.objects.filter(type="opening.hall.paused").count() == 1
    assert Event.objects.filter(type="opening.hall.resumed").count() == 1


@pytest.mark.clause("8.1.3")
def test_a_bid_left_closed_is_attributed_with_its_evidence_and_only_its_bidder_sees_the_decision(
    trade: Trade,  # noqa: F811
) -> None:
    from ggzy.opening.errors import OpeningError
    from ggzy.opening.models import Attribution

    documents_issue(trade, release_remedy="none")
    standing = bids(trade, 3)
    at(trade, DEADLINE - MINUTE)
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall = Hall.objects.get(section=trade.section)
    trade.clock.at(DEADLINE + MINUTE)
    for bid in standing[:2]:
        sealing.bid_open(actor=bid.submitted_by, bid=bid, release=trade.stage.release(bid))
    agent = trade.world.agent_user
    closed = standing[2].organisation
    early = refused(
        lambda: services.bid_attribute(
            actor=agent, hall=hall, uscc=closed.uscc, decision="revoked", reason="未解密"
        )
    )
    assert early.code == OpeningError.NOT_ATTRIBUTABLE  # not before the sheet is read
    at(trade, DEADLINE + hall.window_minutes * MINUTE + dt.timedelta(seconds=2))
    hall.refresh_from_db()
    bidder = trade.stage.bidders[0].user
    not_agent = refused(
        lambda: services.bid_attribute(
            actor=bidder, hall=hall, uscc=closed.uscc, decision="revoked", reason="x"
        )
    )
    assert not_agent.code == OpeningError.NOT_AGENT
    before = signed_in(Client(), agent).get(f"/halls/{hall.uid}/").content.decode()
    assert "招标文件未规定投标人未在时限内解密时的补救办法" in before  # why it stayed closed, in words
    assert "(none)" not in before
    opened = refused(
        lambda: services.bid_attribute(
            actor=agent, hall=hall, uscc=standing[0].organisation.uscc, decision="revoked", reason="x"
        )
    )
    assert opened.code == OpeningError.NOT_ATTRIBUTABLE  # an opened bid is not attributed
    posted = signed_in(Client(), agent).post(
        f"/halls/{hall.uid}/attribute/",
        {
            "uscc": closed.uscc,
            "decision": "revoked",
            "reason": "投标人签名助手日志显示其未在解密时限内操作",
            "evidence": "投标人客户端日志 SM3 4f2a…\n托管方 A 日志第 118 行",
        },
    )
    assert posted.status_code == 302
    made = Attribution.objects.get(hall=hall, organisation=closed)
    assert made.decision == "revoked"
    assert "第三十五条" in made.consequence
    sources = [e["source"] for e in made.evidence]
    assert sources.count("agent") == 2
    assert "platform" in sources  # the bid's own events, as witness-log references
    twice = refused(
        lambda: services.bid_attribute(
            actor=agent, hall=hall, uscc=closed.uscc, decision="withdrawn", reason="y"
        )
    )
    assert twice.code == OpeningError.ATTRIBUTED
    reason = "投标人签名助手日志显示其未在解密时限内操作"
    own = page(trade, trade.stage.bidders[2].user, hall).content.decode()
    assert reason in own
    assert reason not in page(trade, bidder, hall).content.decode()  # another bidder does not see it
    assert Event.objects.get(type="opening.bid.attributed").visibility == "supervisors"


@pytest.mark.clause("8.1.3")
@pytest.mark.clause("6.7.2")
def test_the_opening_record_is_made_at_the_close_and_signed_by_the_agent(trade: Trade) -> None:  # noqa: F811, PLR0915
    import json as json_module

    from ggzy.core import clock as core_clock
    from ggzy.opening.errors import OpeningError
    from ggzy_sm import canonical
    from ggzy_sm.document import sign_document
    from ggzy_sm.sm2 import Sm2PrivateKey
    from ggzy_sm.sm3 import sm3
    from tests.sealing.conftest import certificate

    documents_issue(trade)
    standing = bids(trade, 3)
    at(trade, DEADLINE - MINUTE)
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall = Hall.objects.get(section=trade.section)
    trade.clock.at(DEADLINE + MINUTE)
    for bid in standing:
        sealing.bid_open(actor=bid.submitted_by, bid=bid, release=trade.stage.release(bid))
    at(trade, DEADLINE + hall.window_minutes * MINUTE + dt.timedelta(seconds=2))
    services.line_decide(actor=trade.stage.bidders[0].user, hall=hall, decision="confirmed")
    agent = trade.world.agent_user
    early = refused(lambda: services.record_sign(actor=agent, hall=hall, signature={}))
    assert early.code == OpeningError.NO_RECORD
    at(trade, DEADLINE + 3 * 60 * MINUTE)
    hall.refresh_from_db()
    assert hall.state == HallState.CLOSED
    record = json_module.loads(hall.record)
    assert record["format"] == "ggzy-opening-record-v1"
    assert hall.record.encode() == canonical.dumps(record)
    assert hall.record_sm3 == sm3(hall.record.encode()).hex()
    assert {line["sheet"]["price"]["fen"] for line in record["sheet"]} == set(PRICES)
    assert record["sheet"][0]["answer"] is not None or record["sheet"][1]["answer"] is not None
    assert all(step["started"] for step in record["steps"] if step["step"] != "close")
    made = Event.objects.get(type="opening.record.made", section_ref=trade.section.code)
    assert hall.record_sm3 in made.document  # the record's digest is in the witness log
    download = signed_in(Client(), trade.stage.bidders[1].user).get(f"/halls/{hall.uid}/record.json")
    assert download.content == hall.record.encode()
    # the agent signs the downloaded record with its organisation's certificate (ggzy-bid sign-document)
    key = Sm2PrivateKey.generate()
    agent_org = trade.world.agent
    cert = certificate(agent_org.uscc, key, "signing")
    name, media = "opening-record.json", "application/json"
    signature = sign_document(download.content, key, cert, name=name, media_type=media, at=core_clock.now())
    wrong = sign_document(b"{}", key, cert, name=name, media_type=media, at=core_clock.now())
    changed = refused(lambda: services.record_sign(actor=agent, hall=hall, signature=wrong))
    assert changed.code.value == "document_changed"
    outsider_key = Sm2PrivateKey.generate()
    outsider = sign_document(
        download.content, outsider_key, certificate("91210100MA0X0X0X0X", outsider_key, "signing"),
        name=name, media_type=media, at=core_clock.now(),
    )  # fmt: skip
    not_theirs = refused(lambda: services.record_sign(actor=agent, hall=hall, signature=outsider))
    assert not_theirs.code == OpeningError.NOT_SIGNER
    posted = signed_in(Client(), agent).post(
        f"/halls/{hall.uid}/sign/", {"signature": json_module.dumps(signature)}
    )
    assert posted.status_code == 302
    hall.refresh_from_db()
    assert hall.record_signature == signature
    assert Event.objects.filter(type="opening.record.signed").count() == 1
    again = refused(lambda: services.record_sign(actor=agent, hall=hall, signature=signature))
    assert again.code == OpeningError.SIGNED

    # the hall's parties read the records' events (and so their inclusion proofs) themselves; a project's
    # other `parties` events stay with the centre and the supervisors; a bidder of no bid here reads none
    from ggzy.events.selectors import events_visible_to

    records = {"opening.record.made", "opening.record.signed"}
    for party in (trade.stage.bidders[2].user, agent):
        visible = events_visible_to(party).filter(section_ref=trade.section.code)
        assert records <= set(visible.values_list("type", flat=True)), party
        assert not visible.filter(type="tendering.documents.obtained").exclude(actor=party).exists()
    outsider_user = make_bidder("hall-outsider", "局外建设有限公司").user
    assert not events_visible_to(outsider_user).filter(type__in=records).exists()


@pytest.mark.clause("8.1.3")
def test_a_bidder_releases_its_own_bid_on_the_hall_page_in_the_window_and_nothing_else(
    trade: Trade,  # noqa: F811
) -> None:
    import io
    import json

    from ggzy.events.models import Event as Recorded

    documents_issue(trade)
    standing = bids(trade, 3)
    mine, other = standing[0], standing[1]
    client = signed_in(Client(), mine.submitted_by)
    release = trade.stage.release(mine)

    def upload(body: object, *, as_file: bool = True) -> Any:
        text = json.dumps(body)
        data = {"release_file": io.BytesIO(text.encode())} if as_file else {"release": text}
        return client.post(f"/halls/{hall.uid}/release/", data, follow=True)

    at(trade, DEADLINE - MINUTE)
    hall = Hall.objects.get(section=trade.section)
    before = Recorded.objects.count()
    answer = upload(release)  # before the window: the hall refuses, nothing opens
    assert "解密时限" in answer.content.decode()
    mine.refresh_from_db()
    assert mine.opened_at is None

    at(trade, DEADLINE + dt.timedelta(seconds=5))
    shown = client.get(f"/halls/{hall.uid}/").content.decode()
    assert 'id="release-form"' in shown
    assert "尚未解密" in shown
    # another bidder's release, a release that is not one, a staff opening through the custodians while
    # the window is open: refused, nothing opened
    answer = upload(trade.stage.release(other))
    assert "不是您单位在本标段的投标文件" in answer.content.decode()
    answer = upload({"payload": "nonsense"}, as_file=False)
    assert "不是您单位在本标段的投标文件" in answer.content.decode()
    window_open = refused(lambda: sealing.bid_open_by_custodians(actor=None, bid=other))
    assert window_open.detail["reason"] == "window_open"
    other.refresh_from_db()
    assert other.opened_at is None
    assert not Recorded.objects.filter(pk__gt=0, type="sealing.bid.opened").exists()
    assert Recorded.objects.count() >= before

    answer = upload(release)
    assert answer.status_code == 200
    mine.refresh_from_db()
    assert mine.opened_at is not None
    shown = client.get(f"/halls/{hall.uid}/").content.decode()
    assert "已解密" in shown
    assert "11,880,000.00" not in shown
    assert "11880000" not in shown
    assert 'id="release-form"' not in shown  # nothing of its own left to release
    opened_at = mine.opened_at
    again = upload(release)  # a second release: refused by the opener, the bid as it was
    assert "投标文件已开启" in again.content.decode()
    mine.refresh_from_db()
    assert mine.opened_at == opened_at

    at(trade, DEADLINE + 31 * MINUTE)  # after the window: the page offers nothing, the hall refuses
    late = signed_in(Client(), other.submitted_by).post(
        f"/halls/{hall.uid}/release/",
        {"release": json.dumps(trade.stage.release(other))},
        follow=True,
    )
    assert "解密时限" in late.content.decode()


@pytest.mark.clause("8.1.3")
def test_on_site_the_staff_relay_the_release_a_bidder_presents_and_the_hall_is_the_same(
    trade: Trade,  # noqa: F811
) -> None:
    """An opening in a room (现场开标): set by the centre's staff before it begins; the same steps; staff
    relay on the room's terminal the release a bidder made with its own key (the signature is checked
    whoever carries it); a remote hall refuses a relay by staff."""
    from ggzy.opening.errors import OpeningError

    documents_issue(trade)
    first, second, third = bids(trade, 3)
    at(trade, DEADLINE - MINUTE)
    hall = Hall.objects.get(section=trade.section)
    staff = trade.world.staff[0]
    bidder = trade.stage.bidders[0].user
    assert (
        refused(lambda: services.hall_on_site(actor=bidder, hall=hall, room="开标一室")).code
        == OpeningError.NOT_STAFF
    )
    assert (
        refused(lambda: services.hall_on_site(actor=staff, hall=hall, room=" ")).code
        == OpeningError.ON_SITE_INPUT
    )
    assert Hall.objects.get(pk=hall.pk).on_site_room == ""
    posted = signed_in(Client(), staff).post(f"/halls/{hall.uid}/on-site/", {"room": "开标一室"})
    assert posted.status_code == 302
    hall.refresh_from_db()
    assert hall.on_site_room == "开标一室"
    assert Event.objects.filter(type="opening.hall.on_site", section_ref=trade.section.code).count() == 1
    assert "现场开标：开标一室" in page(trade, bidder, hall).content.decode()
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall.refresh_from_db()
    assert (
        refused(lambda: services.hall_on_site(actor=staff, hall=hall, room="开标二室")).code
        == OpeningError.STATE
    )
    shown = page(trade, staff, hall).content.decode()
    assert 'data-testid="relay"' in shown
    assert 'id="release-form"' in shown
    services.hall_release(
        actor=staff, hall=hall, release=trade.stage.release(second)
    )  # presented in the room
    second.refresh_from_db()
    assert second.opened_at is not None
    services.hall_release(actor=bidder, hall=hall, release=trade.stage.release(first))  # or by itself
    first.refresh_from_db()
    assert first.opened_at is not None
    # the same relay in a remote hall: staff hold no bid of their own there
    Hall.objects.filter(pk=hall.pk).update(on_site_room="")
    hall.refresh_from_db()
    remote = refused(
        lambda: services.hall_release(actor=staff, hall=hall, release=trade.stage.release(third))
    )
    assert remote.code == OpeningError.NOT_YOUR_RELEASE
    third.refresh_from_db()
    assert third.opened_at is None
