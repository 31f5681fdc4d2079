"""The demo's venues (docs/venues.md), made through the services the staff's and the agent's pages call, on
the present clock (after the history: bookings are for days to come):

* **both centres' rooms** — the province's (`staff`) and Shenyang's (`sy-staff`): a large and a small
  opening room, an evaluation room with remote seats, a clarification room, an overnight rest room, the
  supervision and expert draw rooms, the document transfer room and a sample display room, each with every
  item the standard requires of it, most with a maintenance plan;
* **what the pages flag**: in the province's small opening room the camera's maintenance is overdue (last
  done 200 days ago, every 90 days); its auction hall has no audio and video monitoring listed, so it
  cannot be booked (7.3.2);
* **cameras** — with a video platform configured (`make demo`: the demo's `ggzy-video`, `ggzy.demo.video`),
  one for each room that must have audio and video monitoring, linked from the room's and the bookings'
  pages to its live view and its playback;
* **inspections**: a fire-safety check passed last week, and today's security check with a failed point
  and what was fixed (9.1.1);
* **bookings for the demo sections** the demo agent (`agent`) acts for: an opening confirmed by the staff,
  an evaluation after it waiting for confirmation, a clarification moved to the next day (6.3.3), each on
  a working day to come; and a confirmed evaluation from two minutes after the load for eight hours, which
  the bookings page shows under way with its room's live view (10.2).

Idempotent: a second run finds the rooms and adds nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from ggzy.accounts.models import Centre
from ggzy.calendar.calc import SHANGHAI, Calendar
from ggzy.core import clock
from ggzy.core.types import Actor
from ggzy.venues import selectors, services, video
from ggzy.venues.facilities import NEEDS, Item, RoomType
from ggzy.venues.models import Equipment, Room

#: (code, name, type, seats, remote seats, location)
ROOMS = (
    ("K101", "第一开标室", RoomType.OPENING, 80, 0, "一楼东侧"),
    ("K102", "第二开标室", RoomType.OPENING, 16, 0, "一楼西侧"),
    ("P301", "第一评标室", RoomType.EVALUATION, 12, 4, "三楼评标区"),
    ("C302", "澄清室", RoomType.CLARIFICATION, 6, 0, "三楼评标区外"),
    ("G401", "隔夜评标专家休息室一", RoomType.OVERNIGHT, 1, 0, "四楼隔夜评标区"),
    ("J303", "监督室", RoomType.SUPERVISION, 6, 0, "三楼门禁外"),
    ("Z304", "专家抽取室", RoomType.EXPERT_DRAW, 4, 0, "三楼门禁外"),
    ("T305", "资料中转室", RoomType.TRANSFER, 4, 0, "三楼评标区"),
    ("Y105", "样品展示室", RoomType.SAMPLES, 20, 0, "一楼大厅北侧"),
)
STAFF = {"ln": "staff", "sy": "sy-staff"}


def _working_day(calendar: Calendar, days: int) -> dt.date:
    day = clock.local_now().date()
    return calendar.add_working_days(day, days)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def load() -> None:
    """The rooms, equipment, inspections and bookings, once."""
    if Room.objects.exists():
        return
    users = get_user_model().objects
    today = clock.local_now().date()
    for code, username in STAFF.items():
        centre = Centre.objects.filter(code=code).first()
        staff = users.filter(username=username).first()
        if centre is None or staff is None:
            return  # the demo's people are not in
        for number, name, type_, seats, remote, where in ROOMS:
            room = services.room_register(
                actor=staff, centre=centre, code=number, name=name, type=type_, capacity=seats,
                remote_seats=remote, location=where,
            )  # fmt: skip
            for item in NEEDS[type_].must:
                services.equipment_add(
                    actor=staff, room=room, item=item, quantity=seats if item == Item.SEATS else 1,
                    maintain_every_days=90 if item in (Item.CAMERA, Item.COMPUTER, Item.DISPLAY) else None,
                    maintained_on=today - dt.timedelta(days=20),
                )  # fmt: skip
        if code == "ln":
            camera = Equipment.objects.get(room__centre=centre, room__code="K102", item=Item.CAMERA)
            Equipment.objects.filter(pk=camera.pk).update(maintained_on=today - dt.timedelta(days=200))
            hall = services.room_register(
                actor=staff, centre=centre, code="A501", name="拍卖厅", type=RoomType.AUCTION, capacity=120,
                location="五楼",
            )  # fmt: skip
            services.equipment_add(actor=staff, room=hall, item=Item.SEATS, quantity=120)
        _cameras(staff, centre)
        services.inspection_record(
            actor=staff, centre=centre, kind="fire", checked_on=today - dt.timedelta(days=7),
            results={0: True, 1: True, 2: True},
        )  # fmt: skip
        services.inspection_record(
            actor=staff, centre=centre, kind="security", checked_on=today,
            results={0: True, 1: True, 2: False}, notes={2: "三楼评标区外消防通道门未上锁"},
            fixed="已上锁并告知物业每日巡查",
        )  # fmt: skip
    _bookings()


def _cameras(staff: Actor, centre: Centre) -> None:
    """A camera for each room that must have audio and video monitoring, on the demo video platform
    (`ggzy.demo.video` serves them): GB/T 28181 device codes of the centre's region, type 132 (an IP
    camera). Nothing without a video platform configured."""
    platforms = list(video.configured())
    if not platforms:
        return
    monitored = Equipment.objects.filter(room__centre=centre, item=Item.CAMERA).values("room")
    rooms = Room.objects.filter(centre=centre, pk__in=monitored).order_by("code")
    for n, room in enumerate(rooms):
        services.camera_add(
            actor=staff, room=room, platform=platforms[0], device=f"{centre.region}0000132{n + 1:07d}",
            name=f"{room.name} 全景",
        )  # fmt: skip


def _bookings() -> None:
    agent = get_user_model().objects.filter(username="agent").first()
    if agent is None:
        return
    calendar = Calendar("ln")
    sections = [
        s for s in selectors.sections_for_party(agent) if Room.objects.filter(centre=s.centre).exists()
    ]
    if not sections:
        return
    section = sections[0]
    staff = get_user_model().objects.get(username=STAFF.get(section.centre.code, "staff"))
    rooms = {r.code: r for r in Room.objects.filter(centre=section.centre)}
    opening_day = _working_day(calendar, 3)
    opening = services.booking_request(
        actor=agent, room=rooms["K101"], section=section, purpose="opening",
        starts_at=_at(opening_day, 9, 30), ends_at=_at(opening_day, 11, 30), attendees=40,
        note="远程开标，现场仅代理机构与监督人员",
    )  # fmt: skip
    services.booking_confirm(actor=staff, booking=opening)
    services.booking_request(
        actor=agent, room=rooms["P301"], section=section, purpose="evaluation",
        starts_at=_at(opening_day, 13, 30), ends_at=_at(opening_day, 17, 30), attendees=7,
    )  # fmt: skip
    clarification = services.booking_request(
        actor=agent, room=rooms["C302"], section=section, purpose="clarification",
        starts_at=_at(opening_day, 15, 0), ends_at=_at(opening_day, 16, 0), attendees=3,
    )  # fmt: skip
    next_day = _working_day(calendar, 4)
    services.booking_change(
        actor=agent, booking=clarification, reason="评标委员会要求次日上午澄清",
        starts_at=_at(next_day, 9, 0), ends_at=_at(next_day, 10, 0),
    )  # fmt: skip
    # an evaluation under way from two minutes after the load, for eight hours: what the supervisors'
    # online channel (the bookings page's "under way") shows with the room's live view (10.2)
    starts = clock.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=2)
    evaluation = services.booking_request(
        actor=agent, room=rooms["P301"], section=sections[-1], purpose="evaluation",
        starts_at=starts, ends_at=starts + dt.timedelta(hours=8), attendees=9, note="评标委员会今日评标",
    )  # fmt: skip
    services.booking_confirm(actor=staff, booking=evaluation)


def summary() -> str:
    rooms = Room.objects.count()
    if not rooms:
        return "none"
    from ggzy.venues.models import Booking

    return f"{rooms} rooms, {Equipment.objects.count()} equipment items, {Booking.objects.count()} bookings"
