"""The tendering app's notification templates (texts in templates/notifications/<template>/)."""

from ggzy.events.templates_registry import MessageTemplate, register

CLARIFICATION = register(
    MessageTemplate(
        "tendering.clarification",
        frozenset({"title", "text", "deadline"}),
        "To every holder of the documents: a clarification or amendment, naming no asker; a moved deadline.",
    )
)
