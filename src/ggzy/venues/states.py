"""The states of a room booking and their transition table (applied by `core.states.advance`).

A booking holds its room from the request on (the agent learns of a conflict at once, and the staff
cannot confirm two bookings of one room for one time): requested and confirmed bookings hold it; a
refused or cancelled one frees it. A change (6.3.3) moves the booking and asks for confirmation again."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BookingState(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("booking", "Requested")
    CONFIRMED = "confirmed", pgettext_lazy("booking", "Confirmed")
    REFUSED = "refused", pgettext_lazy("booking", "Refused")
    CANCELLED = "cancelled", pgettext_lazy("booking", "Cancelled")


class BookingAction(models.TextChoices):
    CONFIRM = "confirm", _("Confirm")
    REFUSE = "refuse", pgettext_lazy("booking", "Refuse")
    CHANGE = "change", pgettext_lazy("booking", "Change")
    CANCEL = "cancel", _("Cancel")


#: The states that hold the room (the database refuses two of them overlapping in one room).
HOLDING = (BookingState.REQUESTED, BookingState.CONFIRMED)

TRANSITIONS: dict[tuple[str, str], str] = {
    (BookingState.REQUESTED, BookingAction.CONFIRM): BookingState.CONFIRMED,
    (BookingState.REQUESTED, BookingAction.REFUSE): BookingState.REFUSED,
    (BookingState.REQUESTED, BookingAction.CHANGE): BookingState.REQUESTED,
    (BookingState.CONFIRMED, BookingAction.CHANGE): BookingState.REQUESTED,
    (BookingState.REQUESTED, BookingAction.CANCEL): BookingState.CANCELLED,
    (BookingState.CONFIRMED, BookingAction.CANCEL): BookingState.CANCELLED,
}
