"""The event types `venues` records: the centre's rooms, equipment, maintenance and inspections (seen by the
supervisors of the centre's region), and the bookings of a section's rooms (seen by its parties). A
booking names the room, the time and the purpose, never who bids: nothing in it comes from the bids."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import Embargoes, EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN = EventClass.DOMAIN


class VenuesEvents(EventTypes, app="venues"):
    ROOM_REGISTERED = EventType(
        "venues.room.registered",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A room of the centre was registered or changed: its number, type, area, seats and buffers.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Room registered"),
    )
    EQUIPMENT_LISTED = EventType(
        "venues.equipment.listed",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "An equipment item was added to a room's inventory, or its state or maintenance plan changed.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Equipment listed"),
    )
    CAMERA_LISTED = EventType(
        "venues.camera.listed",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A camera of a room was listed: its video platform and device code, what it is called.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Camera listed"),
    )
    MAINTAINED = EventType(
        "venues.equipment.maintained",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A maintenance of an equipment item was recorded: its day, what was found and fixed, whether it"
        " works.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Maintenance recorded"),
    )
    INSPECTED = EventType(
        "venues.inspection.recorded",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A dated self-inspection or security check was recorded: its kind, points passed and failed, fixes.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Inspection recorded"),
    )
    BOOKING_REQUESTED = EventType(
        "venues.booking.requested",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "A room was requested for a section's opening, evaluation, clarification or other step: the room,"
        " the time, the purpose and the attendees expected.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Room requested"),
    )
    BOOKING_DECIDED = EventType(
        "venues.booking.decided",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "The centre's staff confirmed or refused a room booking (a refusal with its reason).",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Room booking decided"),
    )
    BOOKING_CHANGED = EventType(
        "venues.booking.changed",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "A room booking was moved, extended or given another room (6.3.3): the old and the new room and"
        " times; it waits for the staff's confirmation again.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Room booking changed"),
    )
    BOOKING_CANCELLED = EventType(
        "venues.booking.cancelled",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "A room booking was cancelled, with its reason: the room is free again for that time.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Room booking cancelled"),
    )
    BOOKING_REMINDED = EventType(
        "venues.booking.reminded",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "Whoever requested a confirmed booking and the centre's staff were reminded of it the day before.",
        Embargoes.NONE,
        title=pgettext_lazy("event", "Room booking reminded"),
    )
