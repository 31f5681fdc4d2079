"""Two envelopes (双信封, issue 32): a section whose method allows two envelopes and whose documents ask for
them takes a technical and a price envelope from each bidder (the envelope is in the header the bidder
signs). The hall's first session opens the technical envelopes only — no price appears, a price
envelope's release is refused; after it closed, the initiator's side records which bidders passed the
technical review and when the second session (二次开标) opens; that session opens those bidders' price
envelopes only (their release, then the custodians' remedy), reads their prices and makes its own record.
The other price envelopes are never opened, not even by the remedy."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.opening import services
from ggzy.opening.errors import OpeningError
from ggzy.opening.models import Hall, SecondSession, SecondStep
from ggzy.opening.states import HallState, SecondState
from ggzy.registry import methods
from ggzy.sealing import services as sealing
from ggzy.sealing.models import BidState, BidWindow, Envelope, SealedBid
from ggzy.tendering import selectors as tendering_selectors
from ggzy.tendering import services as tendering
from tests.factories import signed_in
from tests.notices.test_objections import DEADLINE, Trade, trade  # noqa: F401  (trade: the fixture)
from tests.opening.test_hall import PRICES, at, page
from tests.sealing.conftest import make_bidder
from tests.securities.conftest import documents_issue

MINUTE = dt.timedelta(minutes=1)
TECHNICAL = {
    "schema": "ggzy-opening-sheet-v1",
    "duration_days": 300,
    "quality": "合格",
    "project_manager": {"name": "王工", "certificate": "辽221060800123"},
}


def price_sheet(fen: int) -> dict[str, Any]:
    return {"schema": "ggzy-opening-sheet-v1", "price": {"kind": "amount", "fen": fen}}


def refused(call: Any) -> DomainError:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value


def envelopes(trade: Trade, n: int) -> tuple[list[SealedBid], list[SealedBid]]:  # noqa: F811
    """`n` bidders each sending a technical and a price envelope (sealed by the client library, the
    envelope in the signed header), each having obtained the documents: (technical, price)."""
    stage = trade.stage
    while len(stage.bidders) < n:
        stage.bidders.append(
            make_bidder(f"bidder-{len(stage.bidders)}", f"第{len(stage.bidders)}建设有限公司")
        )
    documents = tendering_selectors.documents_of_section(trade.section)
    assert documents is not None
    technical, price = [], []
    for i in range(n):
        tendering.documents_obtain(actor=stage.bidders[i].user, documents=documents)
        technical.append(
            stage.receive(stage.bidders[i], name=f"t{i}", opening_sheet=TECHNICAL, envelope="technical")
        )
        price.append(
            stage.receive(
                stage.bidders[i], name=f"p{i}", opening_sheet=price_sheet(PRICES[i]), envelope="price"
            )
        )
    return technical, price


def first_session(trade: Trade, technical: list[SealedBid], *, release: int) -> Hall:  # noqa: F811
    """The first session through to its close: the first `release` bidders release their technical
    envelopes in the window, the remedy opens the rest."""
    at(trade, DEADLINE - MINUTE)
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall = Hall.objects.get(section=trade.section)
    trade.clock.at(DEADLINE + 3 * MINUTE)
    for bid in technical[:release]:
        sealing.bid_open(actor=bid.submitted_by, bid=bid, release=trade.stage.release(bid))
    at(trade, DEADLINE + hall.window_minutes * MINUTE + dt.timedelta(seconds=2))
    at(trade, DEADLINE + 3 * 60 * MINUTE)
    hall.refresh_from_db()
    assert hall.state == HallState.CLOSED
    return hall


def price_opened(bid: SealedBid) -> bool:
    bid.refresh_from_db()
    return bid.opened_at is not None


# --- receiving: the section's envelopes ------------------------------------------------------------------


def test_a_two_envelope_section_takes_a_technical_and_a_price_envelope_per_bidder(
    trade: Trade,  # noqa: F811
) -> None:
    assert methods.rules_of(trade.section.method).two_envelopes  # engineering: the method allows them
    documents_issue(trade, two_envelopes=True)
    documents = tendering_selectors.documents_of_section(trade.section)
    assert documents is not None
    bidder = trade.stage.bidders[0]
    tendering.documents_obtain(actor=bidder.user, documents=documents)
    whole = refused(lambda: trade.stage.receive(bidder, name="whole", opening_sheet=price_sheet(PRICES[0])))
    assert whole.detail["reason"] == "envelope_needed"
    assert "--envelope" in str(whole.message)
    assert not SealedBid.objects.exists()

    technical = trade.stage.receive(bidder, name="t", opening_sheet=TECHNICAL, envelope="technical")
    price = trade.stage.receive(bidder, name="p", opening_sheet=price_sheet(PRICES[0]), envelope="price")
    assert (technical.envelope, price.envelope) == (Envelope.TECHNICAL, Envelope.PRICE)
    assert technical.header["envelope"] == "technical"
    # replacing the technical envelope leaves the price envelope standing (one standing bid per envelope)
    again = trade.stage.receive(bidder, name="t2", opening_sheet=TECHNICAL, envelope="technical")
    technical.refresh_from_db()
    price.refresh_from_db()
    assert technical.state == BidState.SUPERSEDED
    assert again.replaces == technical
    assert price.state == BidState.RECEIVED
    # and withdrawing the price envelope leaves the technical one
    sealing.bid_withdraw(actor=bidder.user, bid=price)
    again.refresh_from_db()
    assert again.state == BidState.RECEIVED


def test_a_one_envelope_section_takes_no_envelope_and_has_no_second_session(
    trade: Trade,  # noqa: F811
) -> None:
    documents_issue(trade)
    documents = tendering_selectors.documents_of_section(trade.section)
    assert documents is not None
    bidder = trade.stage.bidders[0]
    tendering.documents_obtain(actor=bidder.user, documents=documents)
    technical = refused(
        lambda: trade.stage.receive(bidder, name="t", opening_sheet=TECHNICAL, envelope="technical")
    )
    assert technical.detail["reason"] == "envelope_not_taken"
    assert not SealedBid.objects.exists()
    at(trade, DEADLINE - MINUTE)
    hall = Hall.objects.get(section=trade.section)
    trade.clock.at(DEADLINE + 3 * 60 * MINUTE)
    no = refused(
        lambda: services.second_session_schedule(
            actor=trade.world.agent_user, hall=hall, passing=[bidder.organisation.uscc], opens_at=DEADLINE
        )
    )
    assert no.code is OpeningError.NOT_TWO_ENVELOPES


# --- the first session: technical envelopes only ---------------------------------------------------------


def test_the_first_session_opens_the_technical_envelopes_and_no_price_appears(
    trade: Trade,  # noqa: F811
) -> None:
    documents_issue(trade, two_envelopes=True)
    technical, price = envelopes(trade, 3)
    at(trade, DEADLINE - MINUTE)
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall = Hall.objects.get(section=trade.section)
    assert hall.bidders_counted == 3  # bidders, not files: six envelopes from three bidders
    assert len(hall.bidder_list or []) == 3

    trade.clock.at(DEADLINE + 3 * MINUTE)
    early = refused(
        lambda: sealing.bid_open(
            actor=price[0].submitted_by, bid=price[0], release=trade.stage.release(price[0])
        )
    )
    assert early.detail["reason"] == "price_sealed"
    for bid in technical[:2]:  # the third bidder leaves its technical envelope to the remedy
        sealing.bid_open(actor=bid.submitted_by, bid=bid, release=trade.stage.release(bid))
    # the hall's decryption list counts the technical envelopes only: a bidder that released its own is
    # decrypted (its sealed price envelope waits for the second session), and it has nothing left to release
    states = page(trade, trade.stage.bidders[0].user, hall).content.decode()
    assert states.count("已解密") >= 2
    assert states.count("尚未解密") == 1
    assert 'id="release-form"' not in states
    assert 'id="release-form"' in page(trade, trade.stage.bidders[2].user, hall).content.decode()
    at(trade, DEADLINE + hall.window_minutes * MINUTE + dt.timedelta(seconds=2))
    hall.refresh_from_db()
    assert hall.sheet is not None
    assert len(hall.sheet) == 3  # one line per bidder: its technical envelope
    lines = {line["uscc"]: line for line in hall.sheet}
    assert lines[technical[2].organisation.uscc]["opened_by"] == "custodians"
    assert all(line["released"] and "price" not in line["sheet"] for line in hall.sheet)
    assert all(line["sheet"]["duration_days"] == 300 for line in hall.sheet)
    assert not any(price_opened(bid) for bid in price)  # the remedy left every price envelope sealed
    shown = page(trade, trade.stage.bidders[0].user, hall).content.decode()
    assert "11,880,000.00" not in shown
    assert "11880000" not in shown
    assert "王工" in shown

    at(trade, DEADLINE + 3 * 60 * MINUTE)
    hall.refresh_from_db()
    assert hall.state == HallState.CLOSED
    assert "11880000" not in hall.record
    assert "1188000000" not in hall.record
    # closed, and still no price envelope opens: not by its bidder, not by the custodians
    late = refused(
        lambda: sealing.bid_open(
            actor=price[1].submitted_by, bid=price[1], release=trade.stage.release(price[1])
        )
    )
    assert late.detail["reason"] == "price_sealed"
    remedy = refused(lambda: sealing.bid_open_by_custodians(actor=None, bid=price[1]))
    assert remedy.detail["reason"] == "price_sealed"
    assert not any(price_opened(bid) for bid in price)


# --- recording who passed and when the second session opens ---------------------------------------------


def test_the_passing_list_is_recorded_once_by_the_initiators_side_and_bad_inputs_change_nothing(
    trade: Trade,  # noqa: F811
) -> None:
    documents_issue(trade, two_envelopes=True)
    technical, price = envelopes(trade, 3)
    agent = trade.world.agent_user
    codes = [bid.organisation.uscc for bid in technical]
    at(trade, DEADLINE - MINUTE)
    at(trade, DEADLINE + dt.timedelta(seconds=5))
    hall = Hall.objects.get(section=trade.section)
    in_progress = refused(
        lambda: services.second_session_schedule(
            actor=agent, hall=hall, passing=codes[:1], opens_at=DEADLINE + 5 * 60 * MINUTE
        )
    )
    assert in_progress.code is OpeningError.SECOND_NOT_YET
    hall = first_session(trade, technical, release=3)
    now = DEADLINE + 3 * 60 * MINUTE
    later = now + 60 * MINUTE

    def schedule(actor: Any, passing: list[str], opens_at: dt.datetime | None) -> SecondSession:
        return services.second_session_schedule(actor=actor, hall=hall, passing=passing, opens_at=opens_at)

    bidder = trade.stage.bidders[0].user
    stranger = make_bidder("bidder-x", "无关建设有限公司")
    cases = [
        (lambda: schedule(bidder, codes[:1], later), OpeningError.NOT_AGENT),
        (lambda: schedule(agent, [], later), OpeningError.SECOND_PASSING),
        (lambda: schedule(agent, [" ", ""], later), OpeningError.SECOND_PASSING),
        (lambda: schedule(agent, [codes[0], stranger.organisation.uscc], later), OpeningError.SECOND_PASSING),
        (lambda: schedule(agent, codes[:1], now - MINUTE), OpeningError.SECOND_TIME),
        (lambda: schedule(agent, codes[:1], None), OpeningError.SECOND_TIME),
    ]
    events = Event.objects.count()
    for call, code in cases:
        assert refused(call).code is code
    assert not SecondSession.objects.exists()
    assert Event.objects.count() == events
    assert BidWindow.objects.get(section=trade.section).price_opening_at is None
    assert not SealedBid.objects.filter(price_admitted=True).exists()

    # through the hall's page: a bidder's post changes nothing; the agent's form schedules it
    form = {"passing": [codes[0], codes[1]], "opens_at": "2026-03-25 13:30"}  # Beijing time
    signed_in(Client(), bidder).post(f"/halls/{hall.uid}/second/", form)
    assert not SecondSession.objects.exists()
    shown = page(trade, agent, hall).content.decode()
    assert f'name="passing" value="{codes[2]}"' in shown  # each bidder whose technical envelope opened
    signed_in(Client(), agent).post(f"/halls/{hall.uid}/second/", form)
    session = SecondSession.objects.get(hall=hall)
    assert [p["uscc"] for p in session.passing] == codes[:2]
    assert session.recorded_by == agent
    assert session.recorded_at == now
    assert session.opens_at == DEADLINE + 4 * 60 * MINUTE  # 13:30 in Beijing
    assert session.window_minutes == hall.window_minutes
    assert session.state == SecondState.SCHEDULED
    window = BidWindow.objects.get(section=trade.section)
    assert window.price_opening_at == session.opens_at
    assert window.price_release_until == session.opens_at + hall.window_minutes * MINUTE
    admitted = set(SealedBid.objects.filter(price_admitted=True).values_list("pk", flat=True))
    assert admitted == {price[0].pk, price[1].pk}
    scheduled = Event.objects.get(type="opening.second.scheduled")
    assert json.loads(scheduled.document)["data"]["price_envelopes_admitted"] == 2

    twice = refused(lambda: schedule(agent, codes, later))
    assert twice.code is OpeningError.SECOND_SCHEDULED
    assert SecondSession.objects.count() == 1
    assert SealedBid.objects.filter(price_admitted=True).count() == 2


# --- the second session ----------------------------------------------------------------------------------


def test_the_second_session_opens_only_the_passing_bidders_price_envelopes(  # noqa: PLR0915
    trade: Trade,  # noqa: F811
) -> None:
    documents_issue(trade, two_envelopes=True)
    technical, price = envelopes(trade, 3)
    hall = first_session(trade, technical, release=3)
    first_record, first_sm3 = hall.record, hall.record_sm3
    agent = trade.world.agent_user
    opens = DEADLINE + 5 * 60 * MINUTE
    session = services.second_session_schedule(
        actor=agent,
        hall=hall,
        passing=[price[0].organisation.uscc, price[1].organisation.uscc],  # the third failed the review
        opens_at=opens,
    )

    def release(bid: SealedBid) -> Any:
        return lambda: sealing.bid_open(actor=bid.submitted_by, bid=bid, release=trade.stage.release(bid))

    trade.clock.at(opens - MINUTE)
    assert refused(release(price[0])).detail["reason"] == "price_sealed"  # before its session
    assert refused(release(price[2])).detail["reason"] == "not_passed"

    at(trade, opens + dt.timedelta(seconds=3))
    session.refresh_from_db()
    assert session.state == SecondState.IN_PROGRESS
    started = dict(SecondStep.objects.filter(session=session).values_list("code", "started_at"))
    assert started["price_decryption"] == opens + dt.timedelta(seconds=3)
    assert started["price_sheet"] is None
    trade.clock.at(opens + 2 * MINUTE)
    release(price[0])()  # bidder 0 releases its price; bidder 1 does not
    assert refused(release(price[2])).detail["reason"] == "not_passed"
    shown = page(trade, trade.stage.bidders[0].user, hall).content.decode()
    assert "11,880,000.00" not in shown  # no price before the second window closes, not even one's own

    end = opens + session.window_minutes * MINUTE
    trade.clock.at(end + dt.timedelta(seconds=1))
    assert refused(release(price[1])).detail["reason"] == "window_closed"
    at(trade, end + dt.timedelta(seconds=2))
    session.refresh_from_db()
    assert session.state == SecondState.CLOSED
    lines = {line["uscc"]: line for line in session.sheet or []}
    assert set(lines) == {price[0].organisation.uscc, price[1].organisation.uscc}
    assert lines[price[0].organisation.uscc]["opened_by"] == "release"
    assert lines[price[1].organisation.uscc]["opened_by"] == "custodians"  # the remedy, for the passing
    assert lines[price[1].organisation.uscc]["sheet"]["price"]["fen"] == PRICES[1]
    assert price_opened(price[0])
    assert price_opened(price[1])
    assert not price_opened(price[2])  # failed the review: never opened, not even by the remedy
    assert "已由密钥托管方解密" in SecondStep.objects.get(session=session, code="price_sheet").note

    # its own record, in the witness log by its event; the first record's bytes untouched
    record = json.loads(session.record)
    assert record["format"] == "ggzy-second-opening-record-v1"
    assert record["first_record_sm3"] == first_sm3
    assert [p["uscc"] for p in record["not_passing"]] == [price[2].organisation.uscc]
    assert {line["uscc"] for line in record["sheet"]} == set(lines)
    made = Event.objects.get(type="opening.second.record.made")
    assert json.loads(made.document)["data"]["sm3"] == session.record_sm3
    hall.refresh_from_db()
    assert (hall.record, hall.record_sm3) == (first_record, first_sm3)
    begun = Event.objects.filter(type="opening.second.step.started", section_ref=trade.section.code)
    assert begun.count() == SecondStep.objects.filter(session=session).count() == 3

    shown = page(trade, trade.stage.bidders[2].user, hall).content.decode()
    assert "11,880,000.00" in shown
    assert "11,660,000.00" in shown
    assert "11,990,000.00" not in shown  # the third bidder's price stays sealed
    download = signed_in(Client(), trade.stage.bidders[2].user).get(f"/halls/{hall.uid}/second-record.json")
    assert download.status_code == 200
    assert download.content == session.record.encode("utf-8")

    # forever: later ticks, the custodians and the bidder all find it sealed
    at(trade, end + 5 * 24 * 60 * MINUTE)
    assert refused(lambda: sealing.bid_open_by_custodians(actor=None, bid=price[2])).detail["reason"] == (
        "not_passed"
    )
    assert refused(release(price[2])).detail["reason"] == "not_passed"
    assert not price_opened(price[2])


def test_a_pause_holds_the_second_session_and_its_window_moves_by_the_time_it_held(
    trade: Trade,  # noqa: F811
) -> None:
    from ggzy.notices import services as notices

    documents_issue(trade, two_envelopes=True)
    technical, price = envelopes(trade, 3)
    hall = first_session(trade, technical, release=3)
    opens = DEADLINE + 5 * 60 * MINUTE
    codes = [bid.organisation.uscc for bid in price[:2]]
    session = services.second_session_schedule(
        actor=trade.world.agent_user, hall=hall, passing=codes, opens_at=opens
    )
    at(trade, opens + MINUTE)
    trade.clock.at(opens + 2 * MINUTE)
    staff = trade.world.staff[0]
    pause = notices.procedure_pause(
        actor=staff, tender_project=trade.tender_project, basis="platform_fault", reason="平台解密服务故障",
        sections=[trade.section.code], steps=["opening"],
    )  # fmt: skip
    at(trade, opens + 3 * MINUTE)
    session.refresh_from_db()
    assert session.paused_at == opens + 3 * MINUTE
    w = session.window_minutes
    at(trade, opens + (w + 10) * MINUTE)  # past the window's end: nothing moves while paused
    assert SecondStep.objects.get(session=session, code="price_sheet").started_at is None
    assert not any(price_opened(bid) for bid in price)
    trade.clock.at(opens + (w + 20) * MINUTE)
    notices.procedure_resume(actor=staff, pause=pause, reason="故障已排除")
    at(trade, opens + (w + 20) * MINUTE)
    held = w + 20 - 3
    decryption = SecondStep.objects.get(session=session, code="price_decryption")
    assert decryption.scheduled_end == opens + (w + held) * MINUTE
    assert BidWindow.objects.get(section=trade.section).price_release_until == decryption.scheduled_end
    trade.clock.at(opens + (w + 25) * MINUTE)  # in the moved window, the bidder's own release is accepted
    sealing.bid_open(actor=price[0].submitted_by, bid=price[0], release=trade.stage.release(price[0]))
    at(trade, opens + (w + held + 1) * MINUTE)
    session.refresh_from_db()
    assert session.state == SecondState.CLOSED
    lines = {line["uscc"]: line["opened_by"] for line in session.sheet or []}
    assert lines == {codes[0]: "release", codes[1]: "custodians"}
    paused = Event.objects.filter(type="opening.hall.paused", section_ref=trade.section.code)
    assert [json.loads(e.document)["data"].get("session") for e in paused] == ["second"]


def test_documents_asking_for_two_envelopes_under_a_method_without_them_are_refused(
    trade: Trade,  # noqa: F811
) -> None:
    from ggzy.registry.models import TradingMethod
    from ggzy.tendering.errors import TenderingError
    from ggzy.tendering.models import TenderDocuments

    TradingMethod.objects.filter(pk=trade.section.method_id).update(two_envelopes=False)
    with pytest.raises(DomainError) as refused:
        documents_issue(trade, two_envelopes=True)
    assert refused.value.code is TenderingError.CRITERIA_INVALID
    assert "不采用双信封" in str(refused.value.detail["message"])
    assert not TenderDocuments.objects.filter(tender_project=trade.tender_project).exists()
