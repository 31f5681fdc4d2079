"""The venues app's notification template (`events.templates_registry`)."""

from ggzy.events.templates_registry import MessageTemplate, register

BOOKING = register(
    MessageTemplate(
        "venues.booking",
        frozenset({"section", "room", "purpose", "starts_at", "ends_at", "state"}),
        "To whoever requested a room booking, whoever of the staff decided it and (when it waits for them"
        " or comes the next day) the centre's staff: the booking as it now stands — room, purpose, times,"
        " state.",
    )
)
