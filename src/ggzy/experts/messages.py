"""The experts app's notification templates (`events.templates_registry`)."""

from ggzy.events.templates_registry import MessageTemplate, register

CALLED = register(
    MessageTemplate(
        "experts.called",
        frozenset({"evaluation_at", "place", "answer_by"}),
        "To an expert drawn (or called as a replacement), in the inbox and by SMS: only the evaluation's time"
        " and place and the time to answer by — never the project, the section or the parties.",
    )
)

MEMBERS_DUE = register(
    MessageTemplate(
        "experts.members_due",
        frozenset({"section", "seats", "push_at"}),
        "To whoever requested a draw, before the push (standard 6.6.2): the committee's seats the initiator"
        " fills itself that are still empty, and the time by which to enter them.",
    )
)
