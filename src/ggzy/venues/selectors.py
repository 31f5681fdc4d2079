"""Reads of `venues`, with visibility applied. Rooms, equipment and inspections: the centre's staff and the
supervisors of its region. A booking: those, and the parties (initiator, agent) of its section.
`access_room` and `access_booking` answer the same not-found for "missing" and "not yours"."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ggzy.accounts.models import Centre
from ggzy.accounts.selectors import staff_centres
from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.errors import DomainError
from ggzy.core.formatting import PLATFORM_ZONE, local_time
from ggzy.core.types import Viewer
from ggzy.events.models import Event
from ggzy.notices.selectors import party_q
from ggzy.registry.models import Section
from ggzy.tendering.preparation import preparation_centres
from ggzy.tendering.selectors import acts_for
from ggzy.venues import services, video
from ggzy.venues.errors import VenuesError
from ggzy.venues.facilities import lacking
from ggzy.venues.models import Booking, Camera, Equipment, Inspection, Room
from ggzy.venues.states import HOLDING, BookingState

LIST_LIMIT = 200


def centres_for(viewer: Viewer) -> list[Centre]:
    """The centres whose rooms `viewer` sees: its staff centres, the centres of the regions it supervises
    (one query: the preparation page's own rule, `tendering.preparation.preparation_centres`)."""
    return preparation_centres(viewer=viewer)


def is_staff(viewer: Viewer, centre: Centre) -> bool:
    return staff_centres(viewer).filter(pk=centre.pk).exists()


def rooms_for(viewer: Viewer) -> QuerySet[Room]:
    return (
        Room.objects.filter(centre__in=centres_for(viewer))
        .select_related("centre")
        .order_by("centre", "code")
    )


def access_room(*, viewer: Viewer, uid: uuid.UUID) -> Room:
    found = rooms_for(viewer).filter(uid=uid).first()
    if found is None:
        raise DomainError(VenuesError.NOT_FOUND)
    return found


def room_of_centre(*, centre: Centre, uid: uuid.UUID | str) -> Room:
    """A room of `centre` named by a booking's request or change (the section's centre, or the booking's):
    a room of another centre, or none, answers 404 like a missing one."""
    found = Room.objects.filter(uid=uid, centre=centre).select_related("centre").first()
    if found is None:
        raise DomainError(VenuesError.NOT_FOUND)
    return found


def access_equipment(*, viewer: Viewer, room: Room, uid: uuid.UUID) -> Equipment:
    """An item of `room` (already accessed), for its staff."""
    found = Equipment.objects.filter(room=room, uid=uid).select_related("room__centre").first()
    if found is None or not is_staff(viewer, room.centre):
        raise DomainError(VenuesError.NOT_FOUND)
    return found


def _bookings() -> QuerySet[Booking]:
    return Booking.objects.select_related(
        "room__centre", "section__centre", "section__tender_project__project", "requested_by", "decided_by"
    )


def bookings_for(viewer: Viewer) -> QuerySet[Booking]:
    """The bookings `viewer` sees: of its centres' rooms (staff, supervisors), of its sections (parties)."""
    if not is_signed_in(viewer):
        return Booking.objects.none()
    return _bookings().filter(
        Q(room__centre__in=centres_for(viewer)) | party_q(viewer, prefix="section__tender_project__project__")
    )


def is_party(viewer: Viewer, booking: Booking) -> bool:
    """Whether `viewer` acts for the booking's section (its initiator or agent) or is its centre's staff:
    who may change or cancel it."""
    return is_staff(viewer, booking.room.centre) or (
        is_signed_in(viewer) and acts_for(viewer, booking.section.tender_project)
    )


def access_booking(*, viewer: Viewer, uid: uuid.UUID) -> Booking:
    found = bookings_for(viewer).filter(uid=uid).first()
    if found is None:
        raise DomainError(VenuesError.NOT_FOUND)
    return found


def sections_for_party(viewer: Viewer) -> list[Section]:
    """The sections whose project `viewer` acts for (to book a room for), by code."""
    if not is_signed_in(viewer):
        return []
    return list(
        Section.objects.filter(party_q(viewer, prefix="tender_project__project__"))
        .select_related("centre")
        .order_by("code")[:LIST_LIMIT]
    )


def access_party_section(*, viewer: Viewer, code: str) -> Section:
    found = (
        Section.objects.filter(party_q(viewer, prefix="tender_project__project__"), code=code)
        .select_related("centre", "tender_project")
        .first()
    )
    if found is None:
        raise DomainError(VenuesError.NOT_FOUND)
    return found


@dataclass(frozen=True)
class RoomRow:
    room: Room
    missing: list[str]
    forbidden: list[str]
    overdue: int


def room_rows(rooms: list[Room]) -> list[RoomRow]:
    """Each room with the mandatory items it lacks, the forbidden ones it has and its overdue maintenance
    (one query for all the rooms' equipment)."""
    by_room: dict[int, list[Equipment]] = {}
    for item in Equipment.objects.filter(room__in=rooms):
        by_room.setdefault(item.room_id, []).append(item)
    rows = []
    for room in rooms:
        items = by_room.get(room.pk, [])
        missing, forbidden = lacking(room.type, [(e.item, e.working) for e in items])
        rows.append(RoomRow(room, missing, forbidden, sum(services.overdue(e) for e in items)))
    return rows


def overdue_equipment(viewer: Viewer) -> list[Equipment]:
    """The equipment of `viewer`'s staff centres whose planned maintenance is overdue (the dashboard)."""
    items = Equipment.objects.filter(
        room__centre__in=staff_centres(viewer), maintain_every_days__isnull=False
    )
    return [e for e in items.select_related("room").order_by("room__code", "item") if services.overdue(e)]


@dataclass(frozen=True)
class LiveRoom:
    """A confirmed booking under way and its room's live views (10.2: the supervisors' online channel)."""

    booking: Booking
    views: list[tuple[Camera, str]]


def under_way(viewer: Viewer) -> list[LiveRoom]:
    """The confirmed bookings of `viewer`'s centres' rooms (staff, supervisors) under way now — openings,
    evaluations, clarifications — each with the live view of every camera of its room (no link where the
    camera's platform is not configured)."""
    now = clock.now()
    found = (
        _bookings()
        .filter(
            room__centre__in=centres_for(viewer),
            state=BookingState.CONFIRMED,
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .prefetch_related("room__cameras")
        .order_by("starts_at", "room__code")[:LIST_LIMIT]
    )
    return [LiveRoom(b, [(c, video.live_url(c)) for c in b.room.cameras.all()]) for b in found]


def waiting(viewer: Viewer) -> QuerySet[Booking]:
    """The requested bookings of the rooms of `viewer`'s centres, soonest first: the staff's confirmation
    queue, which the supervisors read."""
    return (
        _bookings()
        .filter(room__centre__in=centres_for(viewer), state=BookingState.REQUESTED)
        .order_by("starts_at")
    )


def room_bookings(room: Room, since: dt.datetime, days: int = 14) -> QuerySet[Booking]:
    """The bookings holding `room` from `since` for `days` (its calendar)."""
    return _bookings().filter(
        room=room,
        state__in=(BookingState.REQUESTED, BookingState.CONFIRMED),
        blocked_until__gt=since,
        blocked_from__lt=since + dt.timedelta(days=days),
    )


def inspections_for(viewer: Viewer) -> QuerySet[Inspection]:
    return (
        Inspection.objects.filter(centre__in=centres_for(viewer))
        .select_related("centre", "room", "by")
        .order_by("-checked_on", "-pk")[:LIST_LIMIT]
    )


def rooms_for_sections(sections: Sequence[Section]) -> dict[int, list[str]]:
    """The bookings holding a room for each of `sections`, one line each (room, purpose, Beijing time,
    state): what the centre's preparation page shows (`tendering.preparation.ROOM_PROVIDERS`)."""
    found: dict[int, list[str]] = {}
    held = _bookings().filter(section__in=list(sections), state__in=HOLDING).order_by("starts_at")
    for booking in held:
        when = f"{local_time(booking.starts_at)}–{local_time(booking.ends_at)[11:]}"
        found.setdefault(booking.section_id, []).append(
            f"{booking.room.code} {booking.room.name} {booking.get_purpose_display()} {when}"
            f"（{booking.get_state_display()}）"
        )
    return found


#: The hours a room is available on a working day, for its usage (6.3.1): the centre's service hours,
#: 08:30–11:30 and 13:00–17:00 (what every page's footer says).
DAY_HOURS = 7
USAGE_DAYS = 30


def usage(rooms: Sequence[Room], *, days: int = USAGE_DAYS) -> dict[int, tuple[int, float, int]]:
    """Each room's use over the last `days` days to today (Beijing): (confirmed bookings, hours booked,
    percent of its working hours — `DAY_HOURS` a working day of its centre's calendar), the bookings'
    own time without their buffers, clipped to the period (6.3.1: how well the rooms are used)."""
    from ggzy.calendar.calc import Calendar

    today = clock.local_now().date()
    since = dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time(0, 0), tzinfo=PLATFORM_ZONE)
    until = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0, 0), tzinfo=PLATFORM_ZONE)
    hours_by_centre: dict[str, int] = {}
    found: dict[int, tuple[int, float, int]] = {}
    held = Booking.objects.filter(
        room__in=list(rooms), state=BookingState.CONFIRMED, starts_at__lt=until, ends_at__gt=since
    ).values_list("room_id", "starts_at", "ends_at")
    booked: dict[int, tuple[int, float]] = {}
    for room_id, starts, ends in held:
        count, hours = booked.get(room_id, (0, 0.0))
        booked[room_id] = (count + 1, hours + (min(ends, until) - max(starts, since)).total_seconds() / 3600)
    for room in rooms:
        code = room.centre.code
        if code not in hours_by_centre:
            calendar = Calendar(code)
            working = sum(calendar.is_working_day(today - dt.timedelta(days=n)) for n in range(days))
            hours_by_centre[code] = working * DAY_HOURS
        count, hours = booked.get(room.pk, (0, 0.0))
        available = hours_by_centre[code]
        found[room.pk] = (count, round(hours, 1), round(100 * hours / available) if available else 0)
    return found


def opening_recordings(section: Section, start: dt.datetime, end: dt.datetime) -> list[tuple[str, str]]:
    """The playback links of [start, end) for the cameras of the rooms booked for `section`'s opening (held
    bookings): what the opening hall offers its staff and supervisors
    (`opening.selectors.RECORDINGS`)."""
    rooms = Booking.objects.filter(section=section, purpose="opening", state__in=HOLDING).values("room")
    found = []
    for camera in Camera.objects.filter(room__in=rooms).select_related("room").order_by("room__code", "name"):
        link = video.playback_url(camera, start, end)
        if link:
            found.append((f"{camera.room.code} {camera.room.name} · {camera.name}", link))
    return found


#: The recording offered around an event's instant: from this long before it to this long after.
AROUND_EVENT = dt.timedelta(minutes=2)


def event_recordings(viewer: Viewer, events: Sequence[Event]) -> dict[int, list[tuple[str, str]]]:
    """For the staff and supervisors of a centre: each event of a section that happened while a held
    booking of that section was under way in one of the centre's rooms, with the playback of the room's
    cameras around its instant (`events.selectors.RECORDINGS`; 6.8.2, 7.7.2). Two queries for a page."""
    refs = {e.section_ref for e in events if e.section_ref}
    if not refs or not is_signed_in(viewer):
        return {}
    first = min(e.occurred_at for e in events if e.section_ref)
    last = max(e.occurred_at for e in events if e.section_ref)
    bookings = list(
        Booking.objects.filter(
            section__code__in=refs,
            room__centre__in=centres_for(viewer),
            state__in=HOLDING,
            starts_at__lte=last,
            ends_at__gt=first,
        )
        .select_related("room", "section")
        .prefetch_related("room__cameras")
    )
    if not bookings:
        return {}
    by_section: dict[str, list[Booking]] = {}
    for booking in bookings:
        by_section.setdefault(booking.section.code, []).append(booking)
    now = clock.now()
    found: dict[int, list[tuple[str, str]]] = {}
    for event in events:
        at = event.occurred_at
        for booking in (b for b in by_section.get(event.section_ref, ()) if b.starts_at <= at < b.ends_at):
            start, end = at - AROUND_EVENT, min(now, at + AROUND_EVENT)
            for camera in booking.room.cameras.all():
                link = video.playback_url(camera, start, end)
                if link:
                    found.setdefault(event.pk, []).append((f"{booking.room.code} · {camera.name}", link))
    return found
