"""Rooms, their equipment with its maintenance, the dated self-inspections, and the bookings a room never
holds two of at once.

The no-double rule is the database's: on PostgreSQL an exclusion constraint over the room and the time it
is blocked (`tstzrange(blocked_from, blocked_until)`, the set-up and clean-up buffers included) for the
bookings that hold it; on SQLite triggers that abort an insert or update overlapping a holding booking of
the same room (and every write transaction is `BEGIN IMMEDIATE`, so two requests take turns). The
services check first only to answer with a clear refusal."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import Func, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ggzy.venues.facilities import Area, InspectionKind, Item, Purpose, RoomType
from ggzy.venues.states import HOLDING, BookingState


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


#: The constraint's name; a violation raised by the database is recognised by it (and by the SQLite
#: triggers' message).
NO_DOUBLE = "venues_booking_no_double"


class Room(models.Model):
    """A room of a centre (7.1.2, 7.3, 7.4): its type decides its area and what it must have."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("room number"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    type = models.CharField(_("room type"), max_length=16, choices=RoomType.choices)
    area = models.CharField(_("functional area"), max_length=16)
    location = models.CharField(pgettext_lazy("room", "location"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("seats"))
    remote_seats = models.PositiveIntegerField(_("remote evaluation seats"), default=0)
    setup_minutes = models.PositiveIntegerField(_("set-up buffer (minutes)"), default=30)
    cleanup_minutes = models.PositiveIntegerField(_("clean-up buffer (minutes)"), default=30)
    in_use = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["centre", "code"], name="venues_room_code_per_centre")]
        ordering = ["centre", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def area_label(self) -> str:
        """The functional area's name (7.1.2); the area is kept as the type gave it at registration."""
        return str(Area(self.area).label)


class Equipment(models.Model):
    """One inventory line (7.9.1): an item of a room, how many, whether it works, and its maintenance plan
    (every `maintain_every_days` days, counted from the last maintenance)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="equipment")
    item = models.CharField(pgettext_lazy("equipment", "item"), max_length=24, choices=Item.choices)
    model = models.CharField(_("model"), max_length=100, blank=True)
    serial = models.CharField(pgettext_lazy("equipment", "serial number"), max_length=60, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    working = models.BooleanField(_("in working order"), default=True)
    maintain_every_days = models.PositiveIntegerField(_("maintenance every (days)"), null=True, blank=True)
    maintained_on = models.DateField(_("last maintained on"), null=True, blank=True)
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["room", "item", "id"]

    def __str__(self) -> str:
        return f"{self.room.code} {self.get_item_display()}"


class Camera(models.Model):
    """A camera of a room on the centre's video platform (7.7.2; docs/video-interface.md): the platform's
    code (`GGZY_VIDEO_PLATFORMS`) and the camera's GB/T 28181 device code. The platform keeps the video;
    the pages link to its live view and to its playback of a time range."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="cameras")
    platform = models.CharField(_("video platform"), max_length=32)
    device = models.CharField(_("device code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "device"], name="venues_camera_once")]
        ordering = ["room", "name", "id"]

    def __str__(self) -> str:
        return f"{self.room.code} {self.name}"


class Maintenance(models.Model):
    """A maintenance done on an equipment item (7.9.1, 7.9.2): when, by whom, what was found and fixed."""

    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="maintenance")
    done_on = models.DateField(_("done on"))
    working = models.BooleanField(_("in working order afterwards"))
    found = models.CharField(_("found"), max_length=500, blank=True)
    fixed = models.CharField(_("fixed"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-done_on", "-id"]

    def __str__(self) -> str:
        return f"{self.equipment} {self.done_on}"


class Inspection(models.Model):
    """A dated self-inspection or security check (7.1.4, 7.6–7.9, 9.1.1) of a centre or one of its rooms:
    the checklist's points with their result, what was fixed, by whom."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("inspection"), max_length=16, choices=InspectionKind.choices)
    checked_on = models.DateField(_("checked on"))
    points = models.JSONField(_("points checked"))  # [{"clause", "point", "ok", "note"}]
    fixed = models.CharField(_("fixed"), max_length=1000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-checked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.checked_on}"


class Booking(models.Model):
    """A room booked for a section's opening, evaluation, clarification, overnight evaluation,
    negotiation or bidding (6.3.2), from `starts_at` to `ends_at`; it blocks the room from `blocked_from`
    (the room's set-up buffer before) to `blocked_until` (its clean-up buffer after)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings")
    section = models.ForeignKey("registry.Section", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    attendees = models.PositiveIntegerField(_("attendees"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    blocked_from = models.DateTimeField()
    blocked_until = models.DateTimeField()
    state = models.CharField(_("state"), max_length=16, choices=BookingState.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    changes = models.PositiveIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at"))
                & Q(blocked_from__lte=models.F("starts_at"))
                & Q(blocked_until__gte=models.F("ends_at")),
                name="venues_booking_times_in_order",
            ),
            ExclusionConstraint(
                name=NO_DOUBLE,
                expressions=[
                    ("room", RangeOperators.EQUAL),
                    (TsTzRange("blocked_from", "blocked_until"), RangeOperators.OVERLAPS),
                ],
                condition=Q(state__in=HOLDING),
            ),
        ]
        indexes = [models.Index(fields=["room", "blocked_from"], name="venues_booking_room_time")]

    def __str__(self) -> str:
        return f"{self.room.code} {self.starts_at:%Y-%m-%d %H:%M}"
