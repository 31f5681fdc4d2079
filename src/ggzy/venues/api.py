"""The venues API (docs/venues.md): the free rooms for a section, its bookings requested, confirmed or
refused, changed and cancelled — the same services and the same rules as the pages, for an agent's or a
centre's own system. Who may call each operation is the pages' rule: the section's parties book, change
and cancel; the centre's staff confirm and refuse (and change or cancel too); the staff and the supervisors
read every booking of their centres; anyone else is answered 404."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Schema, Status

from ggzy.core.access import actor_of, allow
from ggzy.core.api import PAGED, Router, paged, refuses
from ggzy.core.roles import Role
from ggzy.core.schemas import PageQuery
from ggzy.venues import selectors, services
from ggzy.venues.errors import VenuesError
from ggzy.venues.facilities import Purpose
from ggzy.venues.models import Booking, Room
from ggzy.venues.views import PARTIES, READERS

router = Router(tags=["venues"])

#: The refusals a booking's request or change can answer with 409 (the rest are 404 or 422).
CONFLICTS = (
    VenuesError.ROOM_BUSY,
    VenuesError.ROOM_CLOSED,
    VenuesError.BOOKING_EQUIPMENT,
    VenuesError.BOOKING_STATE,
    VenuesError.BOOKING_PAST,
)


class RoomOut(Schema):
    uid: uuid.UUID
    centre: str
    code: str
    name: str
    type: str
    area: str
    capacity: int
    remote_seats: int
    location: str


def _room_out(room: Room) -> RoomOut:
    return RoomOut(
        uid=room.uid,
        centre=room.centre.code,
        code=room.code,
        name=room.name,
        type=room.type,
        area=room.area,
        capacity=room.capacity,
        remote_seats=room.remote_seats,
        location=room.location,
    )


class BookingOut(Schema):
    uid: uuid.UUID
    room: RoomOut
    section: str
    purpose: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    attendees: int
    state: str
    note: str
    reason: str
    changes: int


def _booking_out(booking: Booking) -> BookingOut:
    return BookingOut(
        uid=booking.uid,
        room=_room_out(booking.room),
        section=booking.section.code,
        purpose=booking.purpose,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        attendees=booking.attendees,
        state=booking.state,
        note=booking.note,
        reason=booking.reason,
        changes=booking.changes,
    )


class FreeQuery(Schema):
    purpose: Purpose
    starts_at: dt.datetime = Field(..., description="with its offset, e.g. 2026-12-10T09:30:00+08:00")
    ends_at: dt.datetime
    attendees: int = Field(..., ge=1, le=10000)


@router.get(
    "/venues/sections/{section_code}/free-rooms",
    response=list[RoomOut],
    summary="The free rooms of the section's centre for a purpose and a time, the best first (6.3.1)",
)
@allow(*PARTIES)
def free_rooms(request: HttpRequest, section_code: str, query: Query[FreeQuery]) -> list[RoomOut]:
    section = selectors.access_party_section(viewer=request.user, code=section_code)
    found = services.suggest(
        centre=section.centre,
        purpose=query.purpose,
        starts_at=query.starts_at,
        ends_at=query.ends_at,
        attendees=query.attendees,
    )
    return [_room_out(r) for r in found]


class BookingIn(Schema):
    room: uuid.UUID = Field(..., description="a room of the section's centre")
    purpose: Purpose
    starts_at: dt.datetime = Field(..., description="with its offset, e.g. 2026-12-10T09:30:00+08:00")
    ends_at: dt.datetime
    attendees: int = Field(..., ge=1, le=10000)
    note: str = Field("", max_length=500)


@router.post(
    "/venues/sections/{section_code}/bookings",
    response={201: BookingOut},
    summary="Request a room for the section (6.3.2): held until the centre's staff confirm or refuse it",
)
@allow(*PARTIES)
@refuses(*CONFLICTS)
def booking_request(request: HttpRequest, section_code: str, payload: BookingIn) -> Status[BookingOut]:
    section = selectors.access_party_section(viewer=request.user, code=section_code)
    made = services.booking_request(
        actor=actor_of(request),
        room=selectors.room_of_centre(centre=section.centre, uid=payload.room),
        section=section,
        purpose=payload.purpose,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        attendees=payload.attendees,
        note=payload.note,
    )
    return Status(201, _booking_out(made))


@router.get(
    "/venues/bookings",
    response=list[BookingOut],
    summary="The bookings I see — of my centres' rooms, of my sections — the soonest first",
    openapi_extra=PAGED,
)
@allow(*READERS, *PARTIES)
def booking_list(request: HttpRequest, response: HttpResponse, page: Query[PageQuery]) -> list[BookingOut]:
    rows = paged(request, response, selectors.bookings_for(request.user).order_by("starts_at", "id"), page)
    return [_booking_out(b) for b in rows]


@router.get("/venues/bookings/{booking_uid}", response=BookingOut, summary="One booking")
@allow(*READERS, *PARTIES)
def booking_read(request: HttpRequest, booking_uid: uuid.UUID) -> BookingOut:
    return _booking_out(selectors.access_booking(viewer=request.user, uid=booking_uid))


@router.post("/venues/bookings/{booking_uid}/confirm", response=BookingOut, summary="Confirm a booking")
@allow(Role.CENTRE_STAFF)
@refuses(*CONFLICTS)
def booking_confirm(request: HttpRequest, booking_uid: uuid.UUID) -> BookingOut:
    found = selectors.access_booking(viewer=request.user, uid=booking_uid)
    return _booking_out(services.booking_confirm(actor=actor_of(request), booking=found))


class BookingReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


@router.post(
    "/venues/bookings/{booking_uid}/refuse", response=BookingOut, summary="Refuse a booking, with the reason"
)
@allow(Role.CENTRE_STAFF)
@refuses(*CONFLICTS)
def booking_refuse(request: HttpRequest, booking_uid: uuid.UUID, payload: BookingReasonIn) -> BookingOut:
    found = selectors.access_booking(viewer=request.user, uid=booking_uid)
    return _booking_out(
        services.booking_refuse(actor=actor_of(request), booking=found, reason=payload.reason)
    )


class ChangeIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)
    room: uuid.UUID | None = Field(None, description="another room of the same centre")
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    attendees: int | None = Field(None, ge=1, le=10000)


@router.post(
    "/venues/bookings/{booking_uid}/change",
    response=BookingOut,
    summary="Move, extend or give another room to a booking (6.3.3): checked again, confirmed again",
)
@allow(Role.CENTRE_STAFF, *PARTIES)
@refuses(*CONFLICTS)
def booking_change(request: HttpRequest, booking_uid: uuid.UUID, payload: ChangeIn) -> BookingOut:
    found = selectors.access_booking(viewer=request.user, uid=booking_uid)
    room = (
        None if payload.room is None else selectors.room_of_centre(centre=found.room.centre, uid=payload.room)
    )
    changed = services.booking_change(
        actor=actor_of(request),
        booking=found,
        reason=payload.reason,
        room=room,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        attendees=payload.attendees,
    )
    return _booking_out(changed)


@router.post(
    "/venues/bookings/{booking_uid}/cancel",
    response=BookingOut,
    summary="Cancel a booking not yet begun, with the reason: the room is free again",
)
@allow(Role.CENTRE_STAFF, *PARTIES)
@refuses(*CONFLICTS)
def booking_cancel(request: HttpRequest, booking_uid: uuid.UUID, payload: BookingReasonIn) -> BookingOut:
    found = selectors.access_booking(viewer=request.user, uid=booking_uid)
    return _booking_out(
        services.booking_cancel(actor=actor_of(request), booking=found, reason=payload.reason)
    )
