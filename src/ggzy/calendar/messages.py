"""The calendar's message templates."""

from ggzy.events.templates_registry import MessageTemplate, register

DEADLINE_MOVED = register(
    MessageTemplate(
        "calendar.deadline_moved",
        frozenset({"what", "old", "new", "year"}),
        "Tells the parties that a provisional deadline moved when the official calendar was loaded.",
    )
)
