"""Preparing the trade (standard 6.5.1): the centre's page lists the sections due in the coming days with
what each still lacks — tender documents, custodians, certificates expiring before the deadline (the
initiator's and agent's people's, never a bidder's), the rooms booked (from venues) — for the centre's
own staff only; and the tick job reminds the initiator's and the agent's members D days before the
opening, once, never for a paused section or a past opening. The page says nothing of who bids, holds
the documents or asks: it is the same with 0 or 2 holders. On the objections' trade: the notice published
on 2 March 2026, both sections' bids closing and opening on 25 March at 09:30."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.test import Client

from ggzy.accounts import credentials, parties
from ggzy.accounts.models import RoleGrant
from ggzy.certs.models import BoundCertificate, CertificateAuthority
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event, Message
from ggzy.notices import services as notices
from ggzy.registry.models import Section
from ggzy.sealing import services as sealing
from ggzy.sealing.services.watching import custodians_watch
from ggzy.tendering import preparation
from ggzy.tendering import services as tendering
from ggzy.tendering.models import PreparationReminder
from ggzy.venues import services as venues
from tests.factories import signed_in
from tests.notices.test_objections import Trade, t
from tests.tendering.test_documents import bidder, issued
from tests.venues.conftest import equipped

PAGE = "/workspace/tendering/preparation/"
LATER = t("2026-04-20 09:30")
PLACE = "沈阳市公共资源交易中心开标一室（远程开标）"


def sections(trade: Trade) -> list[Section]:
    return list(trade.tender_project.sections.order_by("code"))


def postpone_second(trade: Trade) -> Section:
    """The second section's bids close on 20 April: outside the coming 14 days, and D days, of mid-March."""
    second = sections(trade)[1]
    sealing.window_set(actor=trade.world.agent_user, section=second, deadline=LATER)
    return second


def client_for(user: Any) -> Client:
    return signed_in(Client(), user)


def page(user: Any, query: str = "") -> str:
    response = client_for(user).get(PAGE + query)
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def bound(user: Any, not_after: dt.datetime, serial: str) -> BoundCertificate:
    ca = CertificateAuthority.objects.first()
    assert ca is not None
    return BoundCertificate.objects.create(
        user=user, ca=ca, usage="signing", der=b"\x30", serial=serial, holder_id="h", public_key="04",
        not_after=not_after, bound_at=clock.now(),
    )  # fmt: skip


def normalised(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


# --- the page --------------------------------------------------------------------------------------------


@pytest.mark.clause("6.5.1")
def test_the_page_lists_a_section_due_within_14_days_with_what_it_lacks(trade: Trade) -> None:
    first, second = sections(trade)
    postpone_second(trade)
    trade.clock.at(t("2026-03-12 09:55"))
    # two of the three custodians cannot be reached when the watcher asks: 1 of 3, and 2 are needed
    trade.stage.held.down = {2, 3}
    custodians_watch(force=True)
    # the agent's signing certificate expires on 20 March, before the deadline; a bidder's too
    bound(trade.world.agent_user, t("2026-03-20 00:00"), "a9")
    bidder_certificate = BoundCertificate.objects.filter(user=trade.stage.bidders[0].user).first()
    assert bidder_certificate is not None
    BoundCertificate.objects.filter(pk=bidder_certificate.pk).update(not_after=t("2026-03-20 00:00"))
    trade.clock.at(t("2026-03-12 10:00"))
    html = page(trade.world.staff[0])
    assert first.code in html
    assert second.code not in html  # its deadline is 39 days away
    assert "2026-03-25 09:30" in html  # the deadline and the opening, Beijing time
    assert PLACE in html  # from the published tender notice
    for missing in ("招标文件未发出", "见证方（托管方）不足", "证书将在截止前到期"):
        assert missing in html, missing
    assert "可连接 1 / 3 个，需要 2 个" in html  # what the watcher saw
    assert "agent-user" in html  # the agent's person whose certificate expires
    assert "bidder-a" not in html  # never a bidder's certificate
    assert "天成建设有限公司" not in html
    assert "已预约场地： " in html  # none yet (venues provides the rooms)
    # a room booked for the first section's opening shows there, with its state
    room = equipped(
        trade.world.staff[0],
        venues.room_register(actor=trade.world.staff[0], centre=first.centre, code="K101", name="第一开标室",
                             type="opening", capacity=40),
    )  # fmt: skip
    venues.booking_request(
        actor=trade.world.agent_user, room=room, section=first, purpose="opening",
        starts_at=t("2026-03-25 09:30"), ends_at=t("2026-03-25 11:30"), attendees=20,
    )  # fmt: skip
    assert "K101 第一开标室 开标 2026-03-25 09:30–11:30（待确认）" in page(trade.world.staff[0])
    # the documents issued and the custodians back: those items are no longer missing
    issued(trade)
    trade.clock.at(t("2026-03-12 10:00"))
    trade.stage.held.down = set()
    custodians_watch(force=True)
    html = page(trade.world.staff[0])
    assert "招标文件未发出" not in html
    assert "已发出，第 1 版" in html
    assert "见证方（托管方）不足" not in html
    assert "证书将在截止前到期" in html  # the agent's still
    # 60 days ahead: the second section too
    assert second.code in page(trade.world.staff[0], "?days=60")


def test_a_bad_number_of_days_shows_the_default_with_a_message(trade: Trade) -> None:
    trade.clock.at(t("2026-03-12 10:00"))
    for bad in ("abc", "0", "61", "-3"):
        html = page(trade.world.staff[0], f"?days={bad}")
        assert 'data-testid="days-refused"' in html, bad
        assert 'value="14"' in html
    assert 'data-testid="days-refused"' not in page(trade.world.staff[0], "?days=30")


def test_staff_of_another_centre_see_nothing_of_it_and_others_cannot_reach_the_page(trade: Trade) -> None:
    trade.clock.at(t("2026-03-12 10:00"))
    first = sections(trade)[0]
    dalian = parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200")
    stranger = get_user_model().objects.create_user(username="dl-staff")
    RoleGrant.objects.create(user=stranger, role=Role.CENTRE_STAFF, centre=dalian, granted_at=clock.now())
    assert first.code not in page(stranger)  # its own centre: nothing of Shenyang's
    missing = client_for(stranger).get(PAGE + "?centre=sy")
    unknown = client_for(stranger).get(PAGE + "?centre=nowhere")
    assert missing.status_code == unknown.status_code == 404
    assert first.code not in missing.content.decode()
    # a supervisor of Liaoning reads Shenyang's
    supervisor = get_user_model().objects.create_user(username="ln-supervisor")
    RoleGrant.objects.create(user=supervisor, role=Role.SUPERVISOR, region="210000", granted_at=clock.now())
    assert first.code in page(supervisor, "?centre=sy")
    # the public and a bidder: not at all
    anonymous = Client().get(PAGE)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    refused = client_for(trade.stage.bidders[0].user).get(PAGE)
    assert refused.status_code == 403
    assert refused.headers.get("X-Ggzy-Refused") == "access"


def test_the_page_names_no_holder_or_bidder_and_is_the_same_with_two_holders(trade: Trade) -> None:
    documents = issued(trade)
    holders = [bidder("holder-x", "辽宁远航建设有限公司"), bidder("holder-y", "吉林长白建设工程有限公司")]
    bidless = trade.stage.bidders[1]  # a verified bidder that never bids
    trade.clock.at(t("2026-03-12 10:00"))
    staff = trade.world.staff[0]
    before = page(staff)
    for holder in holders:
        tendering.documents_obtain(actor=holder, documents=documents)
    tendering.question_ask(actor=holders[0], documents=documents, text="第 2.1 条资质要求是否含二级？")
    after = page(staff)
    assert sections(trade)[0].code in after
    assert normalised(after) == normalised(before)
    for text in ("holder-x", "holder-y", "辽宁远航建设有限公司", "吉林长白建设工程有限公司",
                 bidless.user.username, bidless.organisation.name, bidless.organisation.uscc,
                 "第 2.1 条"):  # fmt: skip
        assert text not in after, text


# --- the reminders ---------------------------------------------------------------------------------------


def reminders() -> QuerySet[Message]:
    return Message.objects.filter(template="tendering.opening_reminder")


@pytest.mark.clause("6.5.1")
def test_the_parties_are_reminded_three_days_before_the_opening_once(trade: Trade) -> None:
    first = sections(trade)[0]
    postpone_second(trade)
    admin = get_user_model().objects.create_user(username="sysadmin")
    RoleGrant.objects.create(user=admin, role=Role.SYSTEM_ADMIN, granted_at=clock.now())
    credentials.phone_set(actor=admin, user=trade.world.agent_user, phone="13900000002")
    trade.clock.at(t("2026-03-22 09:29"))  # 3 days and a minute before the opening
    assert preparation.remind_parties() == 0
    assert not reminders().exists()
    trade.clock.at(t("2026-03-22 09:31"))
    assert preparation.remind_parties() == 1
    inbox = reminders().filter(channel="inbox")
    assert {m.recipient for m in inbox} == {trade.world.initiator_user, trade.world.agent_user}
    sms = reminders().get(channel="sms")
    assert sms.address.decrypt_for_system() == "13900000002"
    first_message = inbox.first()
    assert first_message is not None
    body = first_message.body
    assert "2026-03-25 09:30" in body
    assert PLACE in body
    assert "招标文件尚未发出" in body
    for bidder_ in trade.stage.bidders:
        assert bidder_.organisation.name not in body
    event = Event.objects.get(type="tendering.preparation.reminded")
    assert (event.visibility, event.section_ref, event.centre) == ("parties", first.code, "sy")
    assert event.data["missing"] == ["documents"]
    for bidder_ in trade.stage.bidders:
        assert bidder_.organisation.uscc not in str(event.data)
    # not twice: the next pass, and the next day
    assert preparation.remind_parties() == 0
    trade.clock.at(t("2026-03-24 09:00"))
    assert preparation.remind_parties() == 0
    assert reminders().count() == 3
    assert PreparationReminder.objects.get().section == first


def test_a_paused_section_is_not_reminded_until_it_resumes_and_a_passed_opening_never(
    trade: Trade,
) -> None:
    postpone_second(trade)
    trade.clock.at(t("2026-03-10 10:00"))
    objection = trade.file()  # pauses the first section's opening until answered
    trade.clock.at(t("2026-03-22 10:00"))
    assert preparation.remind_parties() == 0
    assert not reminders().exists()
    assert not PreparationReminder.objects.exists()
    notices.objection_answer(
        actor=trade.world.agent_user, objection=objection, answer="资格条件符合法律规定，不予修改。"
    )
    trade.clock.at(t("2026-03-22 10:05"))
    assert preparation.remind_parties() == 1
    # the second section's opening comes and goes before a tick runs: nothing is sent for it
    trade.clock.at(t("2026-04-21 10:00"))
    assert preparation.remind_parties() == 0
    assert PreparationReminder.objects.count() == 1


@pytest.mark.parametrize(("days", "refused"), [(0, True), (31, True), (1, False), (30, False), ("3", True)])
def test_the_reminder_days_setting_is_checked(settings: Any, days: object, refused: bool) -> None:
    settings.GGZY_OPENING_REMINDER_DAYS = days
    errors = preparation.reminder_days_check()
    assert bool(errors) is refused
    if refused:
        assert errors[0].id == "ggzy.E401"


def test_the_reminder_days_setting_moves_the_reminder(trade: Trade, settings: Any) -> None:
    postpone_second(trade)
    settings.GGZY_OPENING_REMINDER_DAYS = 7
    trade.clock.at(t("2026-03-18 09:31"))
    assert preparation.remind_parties() == 1
