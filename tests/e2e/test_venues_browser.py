"""In a real browser: the agent finds the free rooms for a section's opening and for its evaluation and
requests one of each; the centre's staff confirm both from their queue; the agent moves the opening an hour
later, which waits for confirmation again and shows so in the staff's queue; a supervisor reads the room's
calendar. (The cameras' live view and playback are not built yet: docs/venues.md.)"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from ggzy.core import clock
from ggzy.core.formatting import PLATFORM_ZONE
from ggzy.core.roles import Role
from ggzy.registry.models import Section
from ggzy.venues import services
from ggzy.venues.facilities import RoomType
from ggzy.venues.models import Booking
from ggzy.venues.states import BookingState
from tests import factories
from tests.e2e.conftest import browser_sign_in
from tests.notices.conftest import accepted
from tests.registry.conftest import make_world
from tests.venues.conftest import equipped

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Venue-Test-2026!pw"
LOCAL = "%Y-%m-%dT%H:%M"


def _find_and_request(
    page: Any, base: str, code: str, *, purpose: str, starts: dt.datetime, hours: int, attendees: int,
    room: str,
) -> None:  # fmt: skip
    page.goto(base + "/workspace/venues/")
    page.locator(f"a[href='/workspace/venues/sections/{code}/book/']").click()
    page.locator("#id_purpose").select_option(purpose)
    page.locator("#id_starts_at").fill(starts.strftime(LOCAL))
    page.locator("#id_ends_at").fill((starts + dt.timedelta(hours=hours)).strftime(LOCAL))
    page.locator("#id_attendees").fill(str(attendees))
    page.get_by_role("button", name="查找空闲房间").click()
    page.wait_for_url("**/book/?*")
    row = page.locator("[data-testid=suggested] tr", has_text=room)
    row.get_by_role("button", name="申请此房间").click()
    page.wait_for_url(re.compile(r".*/venues/bookings/[0-9a-f-]{36}/$"))
    assert page.locator("[data-testid=state]").inner_text().startswith("待确认")


@pytest.mark.clause("6.3.3")
def test_an_agent_books_the_staff_confirm_a_change_waits_again(browser: Any, live_server: Any) -> None:
    world = make_world()
    registration = accepted(world)
    section = Section.objects.filter(tender_project__project=registration.project).order_by("code").first()
    assert section is not None
    staff = world.staff[0]
    for code, name, type_, seats, remote in (
        ("K101", "第一开标室", RoomType.OPENING, 60, 0), ("P301", "第一评标室", RoomType.EVALUATION, 12, 4),
    ):  # fmt: skip
        room = services.room_register(
            actor=staff, centre=world.centre, code=code, name=name, type=type_, capacity=seats,
            remote_seats=remote,
        )  # fmt: skip
        equipped(staff, room)
    supervisor = get_user_model().objects.create_user(username="supervisor-venues")
    factories.grant_role(supervisor, Role.SUPERVISOR)
    for user in (world.agent_user, staff, supervisor):
        user.set_password(PASSWORD)
        user.save()
    base = live_server.url
    day = (clock.now() + dt.timedelta(days=5)).astimezone(PLATFORM_ZONE).date()
    opening_at = dt.datetime.combine(day, dt.time(9, 30), tzinfo=PLATFORM_ZONE)

    agent = browser.new_context(locale="zh-CN").new_page()
    browser_sign_in(agent, base, world.agent_user, PASSWORD)
    _find_and_request(
        agent, base, section.code, purpose="opening", starts=opening_at, hours=2, attendees=30, room="K101"
    )
    _find_and_request(
        agent, base, section.code, purpose="evaluation", starts=opening_at.replace(hour=13), hours=4,
        attendees=16, room="P301",
    )  # fmt: skip
    assert Booking.objects.filter(state=BookingState.REQUESTED).count() == 2

    desk = browser.new_context(locale="zh-CN").new_page()
    browser_sign_in(desk, base, staff, PASSWORD)
    desk.goto(base + "/centre/venues/bookings/")
    for _ in range(2):
        desk.locator("[data-testid=waiting] tbody tr").first.get_by_role("button", name="确认").click()
        desk.wait_for_url("**/centre/venues/bookings/")
    assert "没有待确认的预约" in desk.locator("[data-testid=waiting]").inner_text()
    assert Booking.objects.filter(state=BookingState.CONFIRMED).count() == 2

    opening = Booking.objects.get(purpose="opening")
    agent.goto(base + f"/venues/bookings/{opening.uid}/")
    agent.locator("#id_starts_at").fill((opening_at + dt.timedelta(hours=1)).strftime(LOCAL))
    agent.locator("#id_ends_at").fill((opening_at + dt.timedelta(hours=3)).strftime(LOCAL))
    agent.locator("#id_reason").fill("澄清后开标时间推迟一小时")
    agent.get_by_role("button", name="变更预约").click()
    agent.wait_for_url(f"**/venues/bookings/{opening.uid}/")
    assert agent.locator("[data-testid=state]").inner_text().startswith("待确认")
    opening.refresh_from_db()
    assert opening.starts_at == opening_at + dt.timedelta(hours=1)
    desk.goto(base + "/centre/venues/bookings/")
    assert "第一开标室" in desk.locator("[data-testid=waiting]").inner_text()

    reader = browser.new_context(locale="zh-CN").new_page()
    browser_sign_in(reader, base, supervisor, PASSWORD)
    reader.goto(base + "/centre/venues/")
    reader.get_by_role("link", name="K101").click()
    calendar = reader.locator("[data-testid=calendar]").inner_text()
    assert day.isoformat() in calendar
    assert "10:30" in calendar
