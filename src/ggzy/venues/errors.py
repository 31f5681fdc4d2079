from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class VenuesError(ErrorCodeBase):
    NOT_FOUND = ("venue_not_found", 404, _("No such room or booking."))
    NOT_STAFF = (
        "venue_not_staff",
        403,
        _("Only the centre's staff manage its rooms, equipment and inspections."),
    )
    ROOM_INVALID = (
        "venue_room_invalid",
        422,
        _("Give the room a number, a name, a type the standard names and at least one seat; buffers of 0 to"
          " 240 minutes."),
    )  # fmt: skip
    ROOM_TAKEN = ("venue_room_number_taken", 409, _("The centre has a room with this number already."))
    EQUIPMENT_INVALID = (
        "venue_equipment_invalid",
        422,
        _("Name an item the standard lists, a quantity of at least one and a maintenance interval of 1 to"
          " 3,650 days, if any."),
    )  # fmt: skip
    DATE_FUTURE = (
        "venue_date_future",
        422,
        _("A maintenance or inspection is recorded on or after its day, not before."),
    )
    INSPECTION_INVALID = (
        "venue_inspection_invalid",
        422,
        _("Check every point of the inspection's checklist, each as passed or failed, and say what was fixed"
          " for a failed point."),
    )  # fmt: skip
    BOOKING_TIME = (
        "venue_booking_time",
        422,
        _(
            "A booking starts at a time to come, no more than 180 days ahead, and ends after it starts,"
            " within 7 days (Beijing time)."
        ),
    )
    BOOKING_PURPOSE = ("venue_booking_purpose", 422, _("This room does not serve this purpose."))
    BOOKING_SIZE = ("venue_booking_size", 422, _("The room has fewer seats than the attendees."))
    BOOKING_EQUIPMENT = (
        "venue_booking_equipment",
        409,
        _("The room lacks equipment the standard requires of it (or has what it forbids), in working order:"
          " it cannot be booked until it is fixed."),
    )  # fmt: skip
    BOOKING_CENTRE = ("venue_booking_centre", 422, _("Book a room of the centre the section trades at."))
    ROOM_BUSY = (
        "venue_room_busy",
        409,
        _("The room is booked for this time (set-up and clean-up included)."),
    )
    ROOM_CLOSED = ("venue_room_closed", 409, _("The room is not in use."))
    BOOKING_STATE = ("venue_booking_state", 409, _("The booking is not in a state that allows this."))
    BOOKING_PAST = (
        "venue_booking_past",
        409,
        _("The booking has begun: it is no longer changed or cancelled."),
    )
    REASON = ("venue_reason_missing", 422, _("Give the reason."))
    CAMERA_INVALID = (
        "venue_camera_invalid",
        422,
        _("Name a configured video platform, the camera's GB/T 28181 device code (20 digits) and its name."),
    )
    CAMERA_TAKEN = ("venue_camera_taken", 409, _("This camera of this video platform is listed already."))
