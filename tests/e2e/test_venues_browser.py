"""In a real browser: the agent finds the free rooms for a section's opening and for its evaluation and
requests one of each; the centre's staff confirm both from their queue; the agent moves the opening an hour
later, which waits for confirmation again and shows so in the staff's queue; a supervisor reads the room's
calendar; and a supervisor plays a room's camera — its live playlist and a segment — through the link the
room's page gives, from the video platform's own process (`ggzy-video`)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
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
from ggzy_video import media
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


def _video_platform(tmp_path: Path, camera: str) -> tuple[subprocess.Popen[str], str]:
    """A `ggzy-video` of its own (key under --iterations 1000), the camera recording for a minute already,
    served on a free port: the process and its URL."""
    env = {**os.environ, "GGZY_VIDEO_PASSPHRASE": "video browser test"}
    folder = tmp_path / "video"
    tool = [sys.executable, "-m", "ggzy_video"]

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*tool, *argv], env=env, capture_output=True, text=True, check=False, timeout=60
        )

    made = run("init", "--dir", str(folder), "--name", "视频平台（测试）", "--iterations", "1000")
    assert made.returncode == 0, made.stderr
    since = (dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    added = run("add", "--dir", str(folder), camera, "全景", "K101", "--since", since)
    assert added.returncode == 0, added.stderr
    process = subprocess.Popen(
        [*tool, "serve", "--dir", str(folder), "--port", "0"],
        env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "serving on " in line, line
    return process, line.split("serving on ", 1)[1].strip()


@pytest.mark.clause("7.7.2")
def test_a_supervisor_plays_the_rooms_camera_through_its_link(
    browser: Any, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    world = make_world()
    staff = world.staff[0]
    opening = services.room_register(
        actor=staff, centre=world.centre, code="K101", name="第一开标室", type=RoomType.OPENING, capacity=60
    )
    room = equipped(staff, opening)
    supervisor = get_user_model().objects.create_user(username="supervisor-video")
    factories.grant_role(supervisor, Role.SUPERVISOR)
    for user in (staff, supervisor):
        user.set_password(PASSWORD)
        user.save()
    camera = "21010000001320000001"
    process, url = _video_platform(tmp_path, camera)
    try:
        settings.GGZY_VIDEO_PLATFORMS = f"sy-video={url}"
        base = live_server.url
        desk = browser.new_context(locale="zh-CN").new_page()
        browser_sign_in(desk, base, staff, PASSWORD)
        desk.goto(base + f"/centre/venues/rooms/{room.uid}/")
        desk.locator("#id_platform").select_option("sy-video")
        desk.locator("#id_device").fill(camera)
        desk.locator("form[action$='/cameras/'] #id_name").fill("全景")
        desk.get_by_role("button", name="登记摄像头").click()
        desk.wait_for_url(f"**/centre/venues/rooms/{room.uid}/")

        reader = browser.new_context(locale="zh-CN").new_page()
        browser_sign_in(reader, base, supervisor, PASSWORD)
        reader.goto(base + f"/centre/venues/rooms/{room.uid}/")
        link = reader.locator("[data-testid=cameras] [data-testid=live]").get_attribute("href") or ""
        assert link == f"{url}/hls/{camera}/live.m3u8"
        playlist = reader.request.get(link)
        assert playlist.status == 200
        assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
        first = next(line for line in playlist.text().splitlines() if line.endswith(".ts"))
        segment = reader.request.get(link.rsplit("/", 1)[0] + "/" + first)
        assert segment.status == 200
        assert media.caption(segment.body())["camera"] == camera
    finally:
        process.terminate()
        process.wait(timeout=10)
