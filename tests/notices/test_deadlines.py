"""The bid deadline a notice announces: checked against the rule table when the notice is scheduled, set as
the sections' bid windows when it is published, postponed by a correction (standard 6.4.1; 招标投标法 §24,
招标投标法实施条例 §21). Expected instants are literals from the law and the official 2026 calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ggzy.calendar.errors import CalendarError
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.notices import services
from ggzy.notices.errors import NoticesError
from ggzy.notices.models import Notice, NoticeState
from ggzy.sealing.models import BidWindow
from tests.notices.conftest import Place, tender_content

SH = dt.timezone(dt.timedelta(hours=8))


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Any:
    def set_to(instant: dt.datetime) -> None:
        monkeypatch.setattr(clock, "authority_now", lambda: instant)

    set_to(t("2026-03-02 10:00"))  # a Monday
    return set_to


def tender(place: Place, deadline: str) -> Notice:
    return place.draft(
        content=tender_content(bid_deadline=t(deadline).isoformat(), opening_at=t(deadline).isoformat())
    )


@pytest.mark.clause("6.4.1")
def test_a_tender_notice_leaves_twenty_days_from_its_publication_to_the_deadline(
    place: Place, at: Any
) -> None:
    # published Monday 2 March: the 20 days end on Sunday 22 March, which rolls over to Monday 23 March
    # (民法典 §203); the deadline may come from 23 March 24:00 on
    early = tender(place, "2026-03-23 09:30")
    with pytest.raises(DomainError) as refused:
        services.notice_schedule(actor=place.world.agent_user, notice=early, publish_at=clock.now())
    assert refused.value.code is CalendarError.PERIOD_RULE_BROKEN
    assert refused.value.detail["earliest"] == t("2026-03-24 00:00").isoformat()
    assert "招标投标法 §24" in str(refused.value.message)
    assert Notice.objects.get(pk=early.pk).state == NoticeState.DRAFT
    legal = tender(place, "2026-03-24 09:30")
    services.notice_schedule(actor=place.world.agent_user, notice=legal, publish_at=clock.now())


def test_an_opening_before_the_deadline_is_refused(place: Place, at: Any) -> None:
    notice = place.draft(
        content=tender_content(
            bid_deadline=t("2026-03-30 09:30").isoformat(), opening_at=t("2026-03-30 09:00").isoformat()
        )
    )
    with pytest.raises(DomainError) as refused:
        services.notice_schedule(actor=place.world.agent_user, notice=notice, publish_at=clock.now())
    assert refused.value.code is NoticesError.OPENING_BEFORE_DEADLINE


def test_the_published_notice_sets_the_windows_and_a_correction_postpones_them(place: Place, at: Any) -> None:
    notice = tender(place, "2026-03-25 09:30")
    services.notice_schedule(actor=place.world.agent_user, notice=notice, publish_at=t("2026-03-02 11:00"))
    services.published_catch_up()
    assert not BidWindow.objects.exists()  # nothing before the notice's instant
    at(t("2026-03-02 11:01"))
    services.published_catch_up()
    windows = BidWindow.objects.order_by("section_code")
    assert [w.deadline for w in windows] == [t("2026-03-25 09:30")] * 2
    # a correction on Thursday 12 March leaves 15 whole days only up to 27 March: a deadline from 28 March
    # 00:00 on is legal; an earlier one is refused naming the earliest, a deadline brought forward too
    at(t("2026-03-12 10:00"))

    def correction(new: str) -> Notice:
        return services.notice_draft(
            actor=place.world.agent_user, tender_project=place.tender_project, notice_type="correction",
            title="车站装修施工招标更正公告",
            content={"changes": "资格条件调整为二级及以上，投标截止时间相应顺延。",
                     "new_bid_deadline": t(new).isoformat(), "new_opening_at": t(new).isoformat(),
                     "contacts": "招标人：沈阳地铁集团有限公司，李，13900000001"},
            corrects=notice,
        )  # fmt: skip

    for new, code in (
        ("2026-03-27 09:30", CalendarError.PERIOD_RULE_BROKEN),
        ("2026-03-20 09:30", NoticesError.DEADLINE_EARLIER),
    ):
        draft = correction(new)
        with pytest.raises(DomainError) as refused:
            services.notice_schedule(actor=place.world.agent_user, notice=draft, publish_at=clock.now())
        assert refused.value.code is code
    assert dt.datetime.fromisoformat(refused.value.detail["in_force"]) == t("2026-03-25 09:30")
    draft = correction("2026-03-30 09:30")
    services.notice_schedule(actor=place.world.agent_user, notice=draft, publish_at=clock.now())
    services.published_catch_up()
    assert [w.deadline for w in BidWindow.objects.order_by("section_code")] == [t("2026-03-30 09:30")] * 2
    assert Event.objects.filter(type="sealing.window.set").count() == 4  # set twice, postponed twice


def test_a_postponement_the_tick_could_not_make_in_time_is_recorded(place: Place, at: Any) -> None:
    notice = tender(place, "2026-03-25 09:30")
    services.notice_schedule(actor=place.world.agent_user, notice=notice, publish_at=clock.now())
    services.published_catch_up()
    at(t("2026-03-06 10:00"))
    draft = services.notice_draft(
        actor=place.world.agent_user, tender_project=place.tender_project, notice_type="correction",
        title="更正公告", corrects=notice,
        content={"changes": "投标截止时间顺延。", "new_bid_deadline": t("2026-03-31 09:30").isoformat(),
                 "contacts": "招标人：沈阳地铁集团有限公司，李，13900000001"},
    )  # fmt: skip
    services.notice_schedule(actor=place.world.agent_user, notice=draft, publish_at=clock.now())
    at(t("2026-03-26 10:00"))  # the tick was down until after the old deadline: bids closed then
    services.published_catch_up()
    assert [w.deadline for w in BidWindow.objects.all()] == [t("2026-03-25 09:30")] * 2
    refused = Event.objects.filter(type="notices.window.refused")
    assert (
        sorted(e.data["reason"] for e in refused) == ["bid_window_closed"] * 2
    )  # the opening too had passed
