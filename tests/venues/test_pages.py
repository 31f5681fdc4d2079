"""The venues pages: the staff register rooms and list equipment, record maintenance and inspections, confirm
bookings; the agent finds a free room and requests it, changes and cancels it; the supervisors read; someone
else finds nothing. Every refusal is an error on the page and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ggzy.core import clock
from ggzy.core.formatting import PLATFORM_ZONE
from ggzy.core.roles import Role
from ggzy.venues.models import Booking, Camera, Equipment, Inspection, Maintenance, Room
from ggzy.venues.states import BookingState
from tests import factories
from tests.venues.conftest import Venue

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    return factories.signed_in(Client(), user)


def local(instant: dt.datetime) -> str:
    return instant.astimezone(PLATFORM_ZONE).strftime("%Y-%m-%dT%H:%M")


#: The demo-like video platform the camera tests configure, and the opening room's camera on it.
PLATFORM = "sy-video=http://127.0.0.1:18671"
CAMERA = "21010000001320000001"


def with_camera(venue: Venue, settings: Any, room: Any = None, device: str = CAMERA) -> None:
    """The platform configured and a camera listed in `room` (the opening room by default)."""
    from ggzy.venues import services

    settings.GGZY_VIDEO_PLATFORMS = PLATFORM
    services.camera_add(
        actor=venue.staff, room=room or venue.opening, platform="sy-video", device=device, name="全景"
    )


def playback(device: str, start: dt.datetime, end: dt.datetime) -> str:
    """The playback link's path and query as a page prints it (UTC, the colons escaped, `&amp;`)."""

    def at(instant: dt.datetime) -> str:
        return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ").replace(":", "%3A")

    return f"/hls/{device}/playback.m3u8?start={at(start)}&amp;end={at(end)}"


def test_the_staff_register_a_room_list_its_equipment_and_see_what_it_lacks(venue: Venue) -> None:
    staff = client_for(venue.staff)
    page = staff.get("/centre/venues/")
    assert page.status_code == 200
    assert "K101" in page.content.decode()
    assert "近 30 天使用率" in page.content.decode()
    assert "0%（0 次，0.0 小时）" in page.content.decode()
    answer = staff.post(
        "/centre/venues/new/",
        {"code": "C501", "name": "第一澄清室", "type": "clarification", "capacity": 6, "remote_seats": 0,
         "location": "五楼", "setup_minutes": 15, "cleanup_minutes": 15},
    )  # fmt: skip
    room = Room.objects.get(code="C501")
    assert (answer.status_code, answer["Location"]) == (302, f"/centre/venues/rooms/{room.uid}/")
    text = staff.get(answer["Location"]).content.decode()
    assert "变声" in text  # what the standard requires of a clarification room (7.3.5), missing
    assert "缺失或不在正常状态" in text
    # the same number again: refused, nothing written
    again = staff.post("/centre/venues/new/", {"code": "C501", "name": "重复", "type": "clarification",
                                               "capacity": 6, "remote_seats": 0, "setup_minutes": 15,
                                               "cleanup_minutes": 15}, follow=True)  # fmt: skip
    assert "已有该房间号" in again.content.decode()
    assert Room.objects.filter(code="C501").count() == 1
    listed = {"item": "camera", "quantity": 2, "model": "海康 DS-2CD", "maintain_every_days": 30}
    staff.post(f"/centre/venues/rooms/{room.uid}/equipment/", listed)
    assert Equipment.objects.filter(room=room, item="camera", quantity=2).exists()


@pytest.mark.clause("7.9.1")
def test_overdue_maintenance_shows_on_the_bookings_page_until_it_is_recorded(venue: Venue) -> None:
    camera = venue.opening.equipment.get(item="camera")
    Equipment.objects.filter(pk=camera.pk).update(
        maintained_on=clock.local_now().date() - dt.timedelta(days=200)
    )
    staff = client_for(venue.staff)
    page = staff.get("/centre/venues/bookings/").content.decode()
    assert 'data-testid="overdue"' in page
    assert "音视频监控" in page
    future = (clock.local_now().date() + dt.timedelta(days=1)).isoformat()
    refused = staff.post(
        f"/centre/venues/rooms/{venue.opening.uid}/equipment/{camera.uid}/maintain/",
        {"done_on": future, "working": "on", "fixed": "清洁镜头"}, follow=True,
    )  # fmt: skip
    assert "不能预先登记" in refused.content.decode()
    assert not Maintenance.objects.exists()
    staff.post(
        f"/centre/venues/rooms/{venue.opening.uid}/equipment/{camera.uid}/maintain/",
        {"done_on": clock.local_now().date().isoformat(), "working": "on", "fixed": "清洁镜头"},
    )  # fmt: skip
    assert Maintenance.objects.count() == 1
    assert 'data-testid="overdue"' not in staff.get("/centre/venues/bookings/").content.decode()


def test_the_agent_finds_a_free_room_requests_it_and_the_staff_confirm(venue: Venue) -> None:
    agent = client_for(venue.agent)
    section = venue.sections[0]
    assert section.code in agent.get("/workspace/venues/").content.decode()
    starts = (clock.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    ends = starts + dt.timedelta(hours=2)
    query = {"purpose": "opening", "starts_at": local(starts), "ends_at": local(ends), "attendees": 30}
    found = agent.get(f"/workspace/venues/sections/{section.code}/book/", query).content.decode()
    assert found.index("K101") < found.index("K201")  # the smallest room that seats everyone first
    answer = agent.post(
        f"/workspace/venues/sections/{section.code}/book/", {**query, "room": str(venue.opening.uid)}
    )
    booking = Booking.objects.get()
    assert answer["Location"] == f"/venues/bookings/{booking.uid}/"
    assert (booking.starts_at, booking.state) == (starts, BookingState.REQUESTED)
    # the same again: refused on the form, nothing written
    again = agent.post(
        f"/workspace/venues/sections/{section.code}/book/", {**query, "room": str(venue.opening.uid)}
    )
    assert again.status_code == 400
    assert "已被预约" in again.content.decode()
    assert Booking.objects.count() == 1
    # the agent may not confirm its own request
    assert agent.post(f"/venues/bookings/{booking.uid}/confirm/").status_code == 403
    staff = client_for(venue.staff)
    assert booking.room.code in staff.get("/centre/venues/bookings/").content.decode()
    staff.post(f"/venues/bookings/{booking.uid}/confirm/", {"next": "queue"})
    booking.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED
    assert "已确认" in agent.get(f"/venues/bookings/{booking.uid}/").content.decode()


def test_the_agent_moves_and_cancels_a_booking(venue: Venue) -> None:
    booking = venue.book(hours=48)
    blocker = venue.book(venue.large, hours=72)
    agent = client_for(venue.agent)
    url = f"/venues/bookings/{booking.uid}/"
    onto = {"starts_at": local(blocker.starts_at), "ends_at": local(blocker.ends_at), "attendees": 20,
            "room": str(venue.large.uid), "reason": "推迟"}  # fmt: skip
    clash = agent.post(url + "change/", onto)
    assert clash.status_code == 400
    assert "已被预约" in clash.content.decode()
    later = booking.starts_at + dt.timedelta(days=1)
    to = {"starts_at": local(later), "ends_at": local(later + dt.timedelta(hours=2)), "attendees": 25,
          "room": str(venue.opening.uid), "reason": "推迟一天"}  # fmt: skip
    moved = agent.post(url + "change/", to)
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert (booking.starts_at, booking.attendees, booking.changes) == (later, 25, 1)
    agent.post(url + "cancel/", {"reason": "项目暂停"})
    booking.refresh_from_db()
    assert booking.state == BookingState.CANCELLED


def test_supervisors_read_and_others_find_nothing(venue: Venue) -> None:
    booking = venue.book()
    supervisor = get_user_model().objects.create_user(username="supervisor-ln")
    factories.grant_role(supervisor, Role.SUPERVISOR)
    reader = client_for(supervisor)
    assert "K101" in reader.get("/centre/venues/").content.decode()
    assert reader.get(f"/venues/bookings/{booking.uid}/").status_code == 200
    # the confirmation queue is read, not acted on
    queue = reader.get("/centre/venues/bookings/").content.decode().split('data-testid="waiting"')[1]
    assert f"/venues/bookings/{booking.uid}/" in queue.split("</table>")[0]
    assert "/confirm/" not in queue.split("</table>")[0]
    assert reader.post("/centre/venues/new/", {"code": "X1"}).status_code == 403
    stranger = get_user_model().objects.create_user(username="someone")
    factories.grant_role(stranger, Role.AGENT)
    other = client_for(stranger)
    assert other.get(f"/venues/bookings/{booking.uid}/").status_code == 404
    assert other.get(f"/workspace/venues/sections/{venue.sections[0].code}/book/").status_code == 404


def test_an_inspection_with_a_failed_point_says_what_was_fixed(venue: Venue) -> None:
    staff = client_for(venue.staff)
    today = clock.local_now().date().isoformat()
    data = {"kind": "fire", "checked_on": today, "room": "", "fire_0": "on", "fire_2": "on"}
    refused = staff.post("/centre/venues/inspections/", data)
    assert refused.status_code == 400
    assert "整改情况" in refused.content.decode()
    assert not Inspection.objects.exists()
    staff.post("/centre/venues/inspections/", {**data, "fixed": "清理二楼疏散通道杂物"})
    inspection = Inspection.objects.get()
    assert [p["ok"] for p in inspection.points] == [True, False, True]
    assert "清理二楼疏散通道杂物" in staff.get("/centre/venues/inspections/").content.decode()


def test_the_rooms_cameras_link_to_live_view_and_to_the_bookings_playback(
    venue: Venue, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.GGZY_VIDEO_PLATFORMS = "sy-video=http://127.0.0.1:18671"
    staff = client_for(venue.staff)
    room_url = f"/centre/venues/rooms/{venue.opening.uid}/"
    bad = staff.post(
        room_url + "cameras/", {"platform": "sy-video", "device": "2101", "name": "全景"}, follow=True
    )
    assert "20 位" in bad.content.decode()
    assert not Camera.objects.exists()
    staff.post(
        room_url + "cameras/", {"platform": "sy-video", "device": "21010000001320000001", "name": "全景"}
    )
    again = staff.post(
        room_url + "cameras/",
        {"platform": "sy-video", "device": "21010000001320000001", "name": "近景"},
        follow=True,
    )
    assert "已登记" in again.content.decode()
    assert Camera.objects.count() == 1
    live = "http://127.0.0.1:18671/hls/21010000001320000001/live.m3u8"
    assert live in staff.get(room_url).content.decode()
    booking = venue.book(hours=2, length=2)
    page = staff.get(f"/venues/bookings/{booking.uid}/").content.decode()
    assert 'data-testid="playback"' not in page  # not begun: nothing recorded yet
    during = booking.starts_at + dt.timedelta(hours=1)
    monkeypatch.setattr(clock, "now", lambda: during)
    page = staff.get(f"/venues/bookings/{booking.uid}/").content.decode()
    assert live in page  # under way: the live view
    assert playback(CAMERA, booking.starts_at, during) in page  # what is recorded so far
    settings.GGZY_VIDEO_PLATFORMS = ""
    assert "未配置" in staff.get(room_url).content.decode()


@pytest.mark.clause("6.8.2")
def test_the_opening_hall_offers_its_staff_the_playback_of_the_openings_time(
    venue: Venue, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.urls import reverse

    from ggzy.opening.models import Hall
    from ggzy.venues import services

    with_camera(venue, settings)
    booking = services.booking_confirm(actor=venue.staff, booking=venue.book(hours=2, length=2))
    opens_at = booking.starts_at + dt.timedelta(minutes=30)
    hall = Hall.objects.create(
        section=venue.sections[0],
        opens_at=opens_at,
        window_minutes=30,
        min_bidders=3,
        prepared_at=clock.now(),
    )
    url = reverse("opening:hall", args=[hall.uid])
    staff = client_for(venue.staff)
    assert 'data-testid="recordings"' not in staff.get(url).content.decode()  # before it opens: nothing
    during = opens_at + dt.timedelta(minutes=20)
    monkeypatch.setattr(clock, "now", lambda: during)
    page = staff.get(url).content.decode()
    assert playback(CAMERA, opens_at, during) in page
    assert "K101" in page
    # the section's agent reads the hall, not the centre's recordings
    assert 'data-testid="recordings"' not in client_for(venue.agent).get(url).content.decode()


@pytest.mark.clause("10.2")
def test_the_supervisors_see_each_room_under_way_with_its_live_view(
    venue: Venue, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ggzy.venues import services

    with_camera(venue, settings)
    with_camera(venue, settings, venue.evaluation, "21010000001320000002")
    opening = services.booking_confirm(actor=venue.staff, booking=venue.book(hours=2, length=3))
    evaluation = services.booking_confirm(
        actor=venue.staff,
        booking=venue.book(venue.evaluation, purpose="evaluation", attendees=9, hours=3, length=6),
    )
    venue.book(venue.large, hours=2, length=3)  # requested, not confirmed: not shown as under way
    supervisor = get_user_model().objects.create_user(username="supervisor-live")
    factories.grant_role(supervisor, Role.SUPERVISOR)
    reader = client_for(supervisor)

    def live_rows() -> str:
        page = reader.get("/centre/venues/bookings/").content.decode()
        return page.split('data-testid="under-way"')[1].split("</table>")[0]

    assert "当前没有正在进行的预约" in live_rows()  # nothing begun yet
    monkeypatch.setattr(clock, "now", lambda: evaluation.starts_at + dt.timedelta(minutes=30))
    rows = live_rows()
    assert "/hls/21010000001320000001/live.m3u8" in rows
    assert "/hls/21010000001320000002/live.m3u8" in rows
    assert "K201" not in rows
    monkeypatch.setattr(clock, "now", lambda: opening.ends_at + dt.timedelta(minutes=1))
    rows = live_rows()
    assert "/hls/21010000001320000001/" not in rows  # the opening is over
    assert "/hls/21010000001320000002/live.m3u8" in rows
    # the agent of the section reads its bookings, not the centre's live channel
    assert client_for(venue.agent).get("/centre/venues/bookings/").status_code == 403


@pytest.mark.clause("7.7.2")
def test_an_event_of_a_booked_section_points_at_the_recording_of_its_moment(
    venue: Venue, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ggzy.events.models import Event
    from ggzy.events.services import event_record
    from ggzy.venues import services
    from ggzy.venues.event_types import VenuesEvents

    with_camera(venue, settings)
    booking = services.booking_confirm(actor=venue.staff, booking=venue.book(hours=2, length=2))
    section = venue.sections[0]
    during = booking.starts_at + dt.timedelta(minutes=30)

    def happened(at: dt.datetime, code: str) -> Event:
        monkeypatch.setattr(clock, "now", lambda: at)
        return event_record(
            type=VenuesEvents.BOOKING_REMINDED,
            data={"n": at.isoformat()},
            project=section.tender_project.project.code,
            section=code,
            centre=section.centre.code,
            region=section.centre.region,
        )

    inside = happened(during, section.code)
    happened(booking.ends_at + dt.timedelta(hours=1), section.code)  # after the booking: no recording
    happened(during, venue.sections[1].code)  # another section: its booking is not this one
    monkeypatch.setattr(clock, "now", lambda: during + dt.timedelta(hours=3))
    link = playback(CAMERA, during - dt.timedelta(minutes=2), during + dt.timedelta(minutes=2))
    page = client_for(venue.staff).get("/events/").content.decode()
    assert page.count('data-testid="recordings"') == 1
    assert link in page
    assert inside.section_ref == section.code
    supervisor = get_user_model().objects.create_user(username="supervisor-events")
    factories.grant_role(supervisor, Role.SUPERVISOR)
    assert 'data-testid="recordings"' in client_for(supervisor).get("/events/").content.decode()
    # the section's agent sees its events, not the centre's recordings
    assert 'data-testid="recordings"' not in client_for(venue.agent).get("/events/").content.decode()
