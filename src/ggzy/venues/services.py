"""The writes of `venues`: rooms, equipment and its maintenance, inspections (the centre's staff), and
bookings (the section's initiator or agent requests, changes and cancels; the centre's staff confirm or
refuse, and may act for the parties). One transaction each; every refusal writes nothing.

A room never holds two bookings at once: the database refuses it (`models.NO_DOUBLE`: an exclusion
constraint on PostgreSQL, triggers on SQLite). The check before the write only gives the clear refusal
`venue_room_busy`; a request that passes it while another is being written is refused by the database
and answered the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TypeVar

from django.db import IntegrityError, transaction

from ggzy.accounts.models import Centre
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import PLATFORM_ZONE, local_time
from ggzy.core.states import advance, require
from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.models import Event
from ggzy.events.notifications import Recipient, notify
from ggzy.events.services import event_record
from ggzy.registry.models import Section
from ggzy.registry.selectors import centre_staff, is_staff_of
from ggzy.tendering.preparation import party_users
from ggzy.tendering.selectors import acts_for
from ggzy.venues import facilities, video
from ggzy.venues.errors import VenuesError
from ggzy.venues.event_types import VenuesEvents
from ggzy.venues.facilities import CHECKLISTS, NEEDS, Item, Purpose
from ggzy.venues.models import NO_DOUBLE, Booking, Camera, Equipment, Inspection, Maintenance, Room
from ggzy.venues.states import HOLDING, TRANSITIONS, BookingAction, BookingState

#: A booking is made at most this far ahead.
AHEAD = dt.timedelta(days=180)
#: A booking lasts at most this long (an overnight evaluation: a few days).
LONGEST = dt.timedelta(days=7)
BUFFER_MAX = 240
T = TypeVar("T")
CODE_MAX = 20
DEVICE_DIGITS = 20
NAME_MAX = 100
INTERVAL_MAX = 3650


def _staff(actor: Actor, centre: Centre) -> None:
    if not is_staff_of(actor, centre):
        raise DomainError(VenuesError.NOT_STAFF)


def _centre_event(type_: EventType, centre: Centre, actor: Actor | None, data: JSONDict) -> Event:
    return event_record(type=type_, actor=actor, data=data, centre=centre.code, region=centre.region)


def _booking_event(type_: EventType, booking: Booking, actor: Actor | None, data: JSONDict) -> Event:
    section = booking.section
    project = section.tender_project.project
    return event_record(
        type=type_,
        actor=actor,
        data={
            "booking": str(booking.uid),
            "room": booking.room.code,
            "purpose": booking.purpose,
            "starts_at": booking.starts_at,
            "ends_at": booking.ends_at,
            **data,
        },
        project=project.code,
        section=section.code,
        centre=section.centre.code,
        region=section.centre.region,
        category=str(project.category_id),
    )


# ---- rooms, equipment, maintenance, inspections -------------------------------------------------------


@transaction.atomic
def room_register(
    *,
    actor: Actor,
    centre: Centre,
    code: str,
    name: str,
    type: str,  # noqa: A002  (the standard's word)
    capacity: int,
    location: str = "",
    remote_seats: int = 0,
    setup_minutes: int = 30,
    cleanup_minutes: int = 30,
) -> Room:
    """A room of `centre`; its area follows from its type (7.1.2)."""
    _staff(actor, centre)
    code, name = code.strip(), name.strip()
    if (
        not code
        or len(code) > CODE_MAX
        or not name
        or len(name) > NAME_MAX
        or type not in NEEDS
        or not isinstance(capacity, int)
        or capacity < 1
        or not isinstance(remote_seats, int)
        or remote_seats < 0
        or not 0 <= setup_minutes <= BUFFER_MAX
        or not 0 <= cleanup_minutes <= BUFFER_MAX
    ):
        raise DomainError(VenuesError.ROOM_INVALID)
    if Room.objects.filter(centre=centre, code=code).exists():
        raise DomainError(VenuesError.ROOM_TAKEN)
    room = Room.objects.create(
        centre=centre,
        code=code,
        name=name,
        type=type,
        area=NEEDS[type].area,
        location=location.strip()[:100],
        capacity=capacity,
        remote_seats=remote_seats,
        setup_minutes=setup_minutes,
        cleanup_minutes=cleanup_minutes,
        created_at=clock.now(),
        created_by=actor,
    )
    _centre_event(
        VenuesEvents.ROOM_REGISTERED,
        centre,
        actor,
        {"room": code, "type": type, "area": room.area, "capacity": capacity, "remote_seats": remote_seats},
    )
    return room


def _today() -> dt.date:
    return clock.now().astimezone(PLATFORM_ZONE).date()


@transaction.atomic
def equipment_add(
    *,
    actor: Actor,
    room: Room,
    item: str,
    quantity: int = 1,
    model: str = "",
    serial: str = "",
    maintain_every_days: int | None = None,
    maintained_on: dt.date | None = None,
    working: bool = True,
    keeper: Actor | None = None,
) -> Equipment:
    """An inventory line of `room` (7.9.1), with its maintenance plan if it has one."""
    _staff(actor, room.centre)
    if (
        item not in Item.values
        or not isinstance(quantity, int)
        or quantity < 1
        or (maintain_every_days is not None and not 1 <= maintain_every_days <= INTERVAL_MAX)
    ):
        raise DomainError(VenuesError.EQUIPMENT_INVALID)
    if maintained_on is not None and maintained_on > _today():
        raise DomainError(VenuesError.DATE_FUTURE)
    equipment = Equipment.objects.create(
        room=room,
        item=item,
        quantity=quantity,
        model=model.strip()[:100],
        serial=serial.strip()[:60],
        maintain_every_days=maintain_every_days,
        maintained_on=maintained_on,
        working=working,
        keeper=keeper or actor,
        added_at=clock.now(),
    )
    _centre_event(
        VenuesEvents.EQUIPMENT_LISTED,
        room.centre,
        actor,
        {"room": room.code, "equipment": str(equipment.uid), "item": item, "quantity": quantity,
         "working": working, "maintain_every_days": maintain_every_days},
    )  # fmt: skip
    return equipment


@transaction.atomic
def camera_add(*, actor: Actor, room: Room, platform: str, device: str, name: str) -> Camera:
    """A camera of `room` on a configured video platform (7.7.2), by its GB/T 28181 device code."""
    _staff(actor, room.centre)
    device, name = device.strip(), name.strip()
    if (
        platform not in video.configured()
        or len(device) != DEVICE_DIGITS
        or not device.isascii()
        or not device.isdigit()
        or not name
        or len(name) > NAME_MAX
    ):
        raise DomainError(VenuesError.CAMERA_INVALID)
    if Camera.objects.filter(platform=platform, device=device).exists():
        raise DomainError(VenuesError.CAMERA_TAKEN)
    camera = Camera.objects.create(
        room=room, platform=platform, device=device, name=name, added_at=clock.now()
    )
    _centre_event(
        VenuesEvents.CAMERA_LISTED,
        room.centre,
        actor,
        {"room": room.code, "camera": str(camera.uid), "platform": platform, "device": device},
    )
    return camera


@transaction.atomic
def maintenance_record(
    *, actor: Actor, equipment: Equipment, done_on: dt.date, working: bool, found: str = "", fixed: str = ""
) -> Maintenance:
    """A maintenance done (7.9.1, 7.9.2): the item's last maintenance and working state follow it."""
    equipment = Equipment.objects.select_for_update().select_related("room__centre").get(pk=equipment.pk)
    _staff(actor, equipment.room.centre)
    if done_on > _today():
        raise DomainError(VenuesError.DATE_FUTURE)
    done = Maintenance.objects.create(
        equipment=equipment,
        done_on=done_on,
        working=working,
        found=found.strip()[:500],
        fixed=fixed.strip()[:500],
        by=actor,
        recorded_at=clock.now(),
    )
    latest = equipment.maintained_on is None or done_on >= equipment.maintained_on
    changes: dict[str, object] = {"working": working} if latest else {}
    if latest:
        changes["maintained_on"] = done_on
    Equipment.objects.filter(pk=equipment.pk).update(**changes)
    _centre_event(
        VenuesEvents.MAINTAINED,
        equipment.room.centre,
        actor,
        {"room": equipment.room.code, "equipment": str(equipment.uid), "item": equipment.item,
         "done_on": done_on.isoformat(), "working": working, "fixed": bool(done.fixed)},
    )  # fmt: skip
    return done


def overdue(equipment: Equipment, today: dt.date | None = None) -> bool:
    """Whether the item's planned maintenance is overdue (never maintained counts from its listing)."""
    if equipment.maintain_every_days is None:
        return False
    today = today or _today()
    since = equipment.maintained_on or equipment.added_at.astimezone(PLATFORM_ZONE).date()
    return since + dt.timedelta(days=equipment.maintain_every_days) < today


@transaction.atomic
def inspection_record(
    *,
    actor: Actor,
    centre: Centre,
    kind: str,
    checked_on: dt.date,
    results: Mapping[int, bool],
    notes: Mapping[int, str] | None = None,
    fixed: str = "",
    room: Room | None = None,
) -> Inspection:
    """A dated inspection of `kind` (its checklist's points by position: passed or failed, each with an
    optional note); a failed point needs what was fixed (or is being) said."""
    _staff(actor, centre)
    if room is not None and room.centre_id != centre.pk:
        raise DomainError(VenuesError.NOT_FOUND)
    if checked_on > _today():
        raise DomainError(VenuesError.DATE_FUTURE)
    checklist = CHECKLISTS.get(kind)
    notes = notes or {}
    if (
        checklist is None
        or set(results) != set(range(len(checklist)))
        or not all(isinstance(v, bool) for v in results.values())
        or (not all(results.values()) and not fixed.strip())
    ):
        raise DomainError(VenuesError.INSPECTION_INVALID)
    points = [
        {"clause": clause, "point": point, "ok": results[n], "note": str(notes.get(n, "")).strip()[:200]}
        for n, (clause, point) in enumerate(checklist)
    ]
    inspection = Inspection.objects.create(
        centre=centre,
        room=room,
        kind=kind,
        checked_on=checked_on,
        points=points,
        fixed=fixed.strip()[:1000],
        by=actor,
        recorded_at=clock.now(),
    )
    _centre_event(
        VenuesEvents.INSPECTED,
        centre,
        actor,
        {"inspection": str(inspection.uid), "kind": kind, "checked_on": checked_on.isoformat(),
         "room": room.code if room is not None else "", "failed": sum(not p["ok"] for p in points)},
    )  # fmt: skip
    return inspection


# ---- bookings ---------------------------------------------------------------------------------------------


def lacking(room: Room) -> tuple[list[str], list[str]]:
    """The mandatory items `room` lacks in working order, and the forbidden items it has."""
    return facilities.lacking(room.type, Equipment.objects.filter(room=room).values_list("item", "working"))


def _bookable(room: Room, section: Section, purpose: str, attendees: int) -> None:
    if room.centre_id != section.centre_id:
        raise DomainError(VenuesError.BOOKING_CENTRE)
    if not room.in_use:
        raise DomainError(VenuesError.ROOM_CLOSED)
    if purpose not in Purpose.values or not facilities.serves(room.type, room.capacity, purpose):
        raise DomainError(VenuesError.BOOKING_PURPOSE)
    if not isinstance(attendees, int) or attendees < 1 or attendees > room.capacity + room.remote_seats:
        raise DomainError(VenuesError.BOOKING_SIZE)
    missing, forbidden = lacking(room)
    if missing or forbidden:
        raise DomainError(VenuesError.BOOKING_EQUIPMENT, detail={"missing": missing, "forbidden": forbidden})


def _times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    now = clock.now()
    if (
        starts_at.tzinfo is None
        or ends_at.tzinfo is None
        or not now < starts_at < ends_at
        or starts_at > now + AHEAD
        or ends_at - starts_at > LONGEST
    ):
        raise DomainError(VenuesError.BOOKING_TIME)


def _blocked(room: Room, starts_at: dt.datetime, ends_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return (
        starts_at - dt.timedelta(minutes=room.setup_minutes),
        ends_at + dt.timedelta(minutes=room.cleanup_minutes),
    )


def conflicts(
    room: Room, blocked_from: dt.datetime, blocked_until: dt.datetime, *, besides: Booking | None = None
) -> bool:
    """Whether a booking holding `room` overlaps [blocked_from, blocked_until) (one indexed query)."""
    found = Booking.objects.filter(
        room=room, state__in=HOLDING, blocked_from__lt=blocked_until, blocked_until__gt=blocked_from
    )
    if besides is not None:
        found = found.exclude(pk=besides.pk)
    return found.exists()


def _held_once(write: Callable[[], T]) -> T:
    """`write` in a savepoint; the database's no-double refusal (a request that passed the check while
    another was written) answered as `venue_room_busy`, like the check's."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as error:
        if NO_DOUBLE in str(error):
            raise DomainError(VenuesError.ROOM_BUSY) from error
        raise


def _party(actor: Actor, section: Section) -> bool:
    return acts_for(actor, section.tender_project) or is_staff_of(actor, section.centre)


@transaction.atomic
def booking_request(
    *,
    actor: Actor,
    room: Room,
    section: Section,
    purpose: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    attendees: int,
    note: str = "",
) -> Booking:
    """A room for a step of `section` (6.3.2), asked by its initiator or agent (or the centre's staff for
    them); it holds the room at once and waits for the staff's confirmation."""
    if not _party(actor, section):
        raise DomainError(VenuesError.NOT_FOUND)
    _times(starts_at, ends_at)
    _bookable(room, section, purpose, attendees)
    blocked_from, blocked_until = _blocked(room, starts_at, ends_at)
    if conflicts(room, blocked_from, blocked_until):
        raise DomainError(VenuesError.ROOM_BUSY)
    booking = _held_once(
        lambda: Booking.objects.create(
            room=room,
            section=section,
            purpose=purpose,
            attendees=attendees,
            starts_at=starts_at,
            ends_at=ends_at,
            blocked_from=blocked_from,
            blocked_until=blocked_until,
            state=BookingState.REQUESTED,
            note=note.strip()[:500],
            requested_by=actor,
            requested_at=clock.now(),
        )
    )
    event = _booking_event(VenuesEvents.BOOKING_REQUESTED, booking, actor, {"attendees": attendees})
    _tell(booking, event, staff=True, besides=actor)
    return booking


def _locked(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("room__centre", "section__centre", "section__tender_project__project")
        .get(pk=booking.pk)
    )


@transaction.atomic
def booking_confirm(*, actor: Actor, booking: Booking) -> Booking:
    booking = _locked(booking)
    if not _party(actor, booking.section):
        raise DomainError(VenuesError.NOT_FOUND)
    _staff(actor, booking.room.centre)
    advance(booking, TRANSITIONS, BookingAction.CONFIRM, error=VenuesError.BOOKING_STATE,
            decided_by=actor, decided_at=clock.now(), reason="")  # fmt: skip
    event = _booking_event(VenuesEvents.BOOKING_DECIDED, booking, actor, {"decision": "confirmed"})
    _tell(booking, event, staff=False, besides=actor)
    return booking


@transaction.atomic
def booking_refuse(*, actor: Actor, booking: Booking, reason: str) -> Booking:
    booking = _locked(booking)
    if not _party(actor, booking.section):
        raise DomainError(VenuesError.NOT_FOUND)
    _staff(actor, booking.room.centre)
    if not reason.strip():
        raise DomainError(VenuesError.REASON)
    advance(booking, TRANSITIONS, BookingAction.REFUSE, error=VenuesError.BOOKING_STATE,
            decided_by=actor, decided_at=clock.now(), reason=reason.strip()[:500])  # fmt: skip
    event = _booking_event(
        VenuesEvents.BOOKING_DECIDED, booking, actor, {"decision": "refused", "reason": booking.reason}
    )
    _tell(booking, event, staff=False, besides=actor)
    return booking


def _not_begun(booking: Booking) -> None:
    if booking.starts_at <= clock.now():
        raise DomainError(VenuesError.BOOKING_PAST)


@transaction.atomic
def booking_change(
    *,
    actor: Actor,
    booking: Booking,
    reason: str,
    room: Room | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    attendees: int | None = None,
) -> Booking:
    """Move, extend or give another room to a booking not yet begun (6.3.3): the conflicts checked again
    (its own old time does not count), then it waits for the staff's confirmation again; everyone
    concerned is told. An extension of a booking under way is an `ends_at` later than it was."""
    booking = _locked(booking)
    if not _party(actor, booking.section):
        raise DomainError(VenuesError.NOT_FOUND)
    require(booking, TRANSITIONS, BookingAction.CHANGE, error=VenuesError.BOOKING_STATE)
    if not reason.strip():
        raise DomainError(VenuesError.REASON)
    new_room = room or booking.room
    new_starts = starts_at or booking.starts_at
    new_ends = ends_at or booking.ends_at
    new_attendees = attendees if attendees is not None else booking.attendees
    now = clock.now()
    extending = new_room == booking.room and new_starts == booking.starts_at and booking.starts_at <= now
    if extending:  # under way: only its end may move later (6.3.3 延长)
        if (
            not booking.ends_at < new_ends <= booking.starts_at + LONGEST
            or new_attendees != booking.attendees
        ):
            raise DomainError(VenuesError.BOOKING_PAST)
    else:
        _not_begun(booking)
        _times(new_starts, new_ends)
    if (new_room, new_starts, new_ends, new_attendees) == (
        booking.room,
        booking.starts_at,
        booking.ends_at,
        booking.attendees,
    ):
        raise DomainError(VenuesError.BOOKING_TIME)
    _bookable(new_room, booking.section, booking.purpose, new_attendees)
    blocked_from, blocked_until = _blocked(new_room, new_starts, new_ends)
    if conflicts(new_room, blocked_from, blocked_until, besides=booking):
        raise DomainError(VenuesError.ROOM_BUSY)
    before = {"room": booking.room.code, "starts_at": booking.starts_at, "ends_at": booking.ends_at}
    _held_once(
        lambda: advance(
            booking,
            TRANSITIONS,
            BookingAction.CHANGE,
            error=VenuesError.BOOKING_STATE,
            room=new_room,
            starts_at=new_starts,
            ends_at=new_ends,
            attendees=new_attendees,
            blocked_from=blocked_from,
            blocked_until=blocked_until,
            decided_by=None,
            decided_at=None,
            reason=reason.strip()[:500],
            changes=booking.changes + 1,
            reminded_at=None,
        )
    )
    booking.room = new_room
    event = _booking_event(
        VenuesEvents.BOOKING_CHANGED,
        booking,
        actor,
        {"before": before, "reason": booking.reason, "extended": extending},
    )
    _tell(booking, event, staff=True, besides=actor)
    return booking


@transaction.atomic
def booking_cancel(*, actor: Actor, booking: Booking, reason: str) -> Booking:
    """Cancel a booking not yet begun: the room is free again for that time."""
    booking = _locked(booking)
    if not _party(actor, booking.section):
        raise DomainError(VenuesError.NOT_FOUND)
    require(booking, TRANSITIONS, BookingAction.CANCEL, error=VenuesError.BOOKING_STATE)
    _not_begun(booking)
    if not reason.strip():
        raise DomainError(VenuesError.REASON)
    advance(booking, TRANSITIONS, BookingAction.CANCEL, error=VenuesError.BOOKING_STATE,
            reason=reason.strip()[:500])  # fmt: skip
    event = _booking_event(VenuesEvents.BOOKING_CANCELLED, booking, actor, {"reason": booking.reason})
    _tell(booking, event, staff=True, besides=actor)
    return booking


def _tell(booking: Booking, event: Event, *, staff: bool, besides: Actor | None) -> None:
    """Everyone concerned by a booking's change, in the inbox: whoever requested it, the other members of
    the section's initiator and agent (6.3.3: all affected), whoever of the staff decided it, and
    (`staff`) the centre's staff when it waits for them — not the one who acted."""
    people: dict[int, Actor] = {booking.requested_by_id: booking.requested_by}
    people.update({u.pk: u for u in party_users(booking.section)})
    if booking.decided_by is not None:
        people[booking.decided_by.pk] = booking.decided_by
    if staff:
        people.update({u.pk: u for u in centre_staff(centre=booking.room.centre)})
    if besides is not None:
        people.pop(besides.pk, None)
    if not people:
        return
    notify(
        template="venues.booking",
        recipients=[Recipient(user=u) for u in people.values()],
        context={
            "section": booking.section.code,
            "room": f"{booking.room.code} {booking.room.name}",
            "purpose": booking.get_purpose_display(),
            "starts_at": local_time(booking.starts_at),
            "ends_at": local_time(booking.ends_at),
            "state": booking.get_state_display(),
        },
        event=event,
    )


def suggest(
    *, centre: Centre, purpose: str, starts_at: dt.datetime, ends_at: dt.datetime, attendees: int
) -> list[Room]:
    """The free rooms of `centre` that serve `purpose` for `attendees` at that time, with everything the
    standard requires of them in working order, best first (6.3.1): the room type meant for the purpose
    before one that doubles for it, then the smallest that seats everyone (the large rooms stay free for
    the large openings)."""
    order: dict[str, int] = {str(t): n for n, t in enumerate(facilities.SERVES.get(purpose, ()))}
    rooms = [
        room
        for room in Room.objects.filter(centre=centre, in_use=True, type__in=list(order))
        if facilities.serves(room.type, room.capacity, purpose)
        and attendees <= room.capacity + room.remote_seats
    ]
    # the rooms' inventories and the bookings that could hold them, one query each (not one per room)
    listed: dict[int, list[tuple[str, bool]]] = {}
    for room_id, item, working in Equipment.objects.filter(room__in=rooms).values_list(
        "room", "item", "working"
    ):
        listed.setdefault(room_id, []).append((item, working))
    widest = dt.timedelta(minutes=BUFFER_MAX)
    held = list(
        Booking.objects.filter(
            room__in=rooms,
            state__in=HOLDING,
            blocked_from__lt=ends_at + widest,
            blocked_until__gt=starts_at - widest,
        ).values_list("room", "blocked_from", "blocked_until")
    )
    found = []
    for room in rooms:
        blocked_from, blocked_until = _blocked(room, starts_at, ends_at)
        if any(facilities.lacking(room.type, listed.get(room.pk, []))):
            continue
        if any(
            r == room.pk and b_from < blocked_until and b_until > blocked_from for r, b_from, b_until in held
        ):
            continue
        found.append(room)
    return sorted(found, key=lambda r: (order[r.type], r.capacity, r.code))


def booking_remind_due(*, within: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Remind, once, whoever requested each confirmed booking that begins within `within`, and the centre's
    staff (6.5.1: the trading day's arrangements checked before it) — the tick job `venues.remind`; a
    compare-and-set on `reminded_at` makes two passes at once remind once."""
    now = clock.now()
    due = Booking.objects.filter(
        state=BookingState.CONFIRMED, reminded_at__isnull=True, starts_at__gt=now, starts_at__lte=now + within
    ).values_list("pk", flat=True)
    done = 0
    for pk in list(due):
        with transaction.atomic():
            if not Booking.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
                continue  # another pass reminded it
            booking = _locked(Booking(pk=pk))
            event = _booking_event(VenuesEvents.BOOKING_REMINDED, booking, None, {})
            _tell(booking, event, staff=True, besides=None)
            done += 1
    return done
