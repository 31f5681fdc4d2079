from ggzy.events.templates_registry import MessageTemplate, register

RETURNED = register(
    MessageTemplate(
        "registry.returned",
        frozenset({"project", "name", "number", "items"}),
        "One-time notice: every item to correct or add, at once (6.2.3).",
    )
)
ACCEPTED = register(
    MessageTemplate(
        "registry.accepted",
        frozenset({"project", "name", "responsible", "deputy", "next_steps"}),
        "The registration is accepted: the responsible person, the deputy and what to watch out for next"
        " (6.2.4, 6.2.5).",
    )
)
OVERDUE = register(
    MessageTemplate(
        "registry.overdue",
        frozenset({"project", "name", "due_at"}),
        "Escalation to the head of the desk: a registration passed its 2-working-day limit.",
    )
)
PROMISE_DUE = register(
    MessageTemplate(
        "registry.promise_due",
        frozenset({"project", "item", "due"}),
        "Reminder: an item accepted on a written promise (容缺) is due.",
    )
)
