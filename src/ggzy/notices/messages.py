"""The notices' notification templates (texts in templates/notifications/<template>/)."""

from ggzy.events.templates_registry import MessageTemplate, register

OBJECTION_FILED = register(
    MessageTemplate(
        "notices.objection_filed",
        frozenset({"kind", "stage", "name", "tender_project", "due"}),
        "To the initiator and its agent: an objection awaits their answer, and by when (6.4.3).",
    )
)
OBJECTION_ANSWERED = register(
    MessageTemplate(
        "notices.objection_answered",
        frozenset({"kind", "name", "answer"}),
        "To the filer: the answer to its objection (6.4.3).",
    )
)
PROCEDURE_PAUSED = register(
    MessageTemplate(
        "notices.procedure_paused",
        frozenset({"name", "tender_project", "basis", "reason", "steps", "deadline"}),
        "To every party: the procedure is paused, on what basis, what it stops, a moved deadline"
        " (6.5.8, 6.5.9).",
    )
)
PROCEDURE_RESUMED = register(
    MessageTemplate(
        "notices.procedure_resumed",
        frozenset({"name", "tender_project", "reason", "deadline"}),
        "To every party: the procedure goes on, with a moved deadline if any (6.5.8, 6.5.9).",
    )
)
PROCEDURE_TERMINATED = register(
    MessageTemplate(
        "notices.procedure_terminated",
        frozenset({"name", "tender_project", "reason"}),
        "To every party: the procedure is terminated; document fees and bid securities are refunded"
        " (实施条例 §31).",
    )
)
