from ggzy.events.templates_registry import MessageTemplate, register

ANSWERED = register(
    MessageTemplate(
        "service.answered",
        frozenset({"question", "answer", "authority"}),
        "The answer to a consultation question (with the authority to turn to, if outside the remit).",
    )
)
FEEDBACK_ANSWERED = register(
    MessageTemplate(
        "service.feedback_answered",
        frozenset({"content", "answer"}),
        "The answer to a service complaint or suggestion.",
    )
)
QUESTION_OVERDUE = register(
    MessageTemplate(
        "service.question_overdue",
        frozenset({"question", "owner", "due_at"}),
        "Escalation: a question passed its answer limit.",
    )
)
