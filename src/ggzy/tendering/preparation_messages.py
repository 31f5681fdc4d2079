"""The notification templates of preparing the trade (standard 6.5.1; texts in
templates/notifications/<template>/). Imported from `TenderingConfig.ready()`."""

from ggzy.events.templates_registry import MessageTemplate, register

OPENING_REMINDER = register(
    MessageTemplate(
        "tendering.opening_reminder",
        frozenset({"tender_project", "section", "opening", "place", "documents", "certificates"}),
        "To the initiator's and the agent's members, D days before a section's opening: its time and place,"
        " and what their side still has to do (documents not issued, their certificates expiring before the"
        " deadline). Names no bidder.",
    )
)
