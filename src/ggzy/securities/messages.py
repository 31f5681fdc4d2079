"""The securities app's notification templates (`events.templates_registry`)."""

from ggzy.events.templates_registry import MessageTemplate, register

REFUND_OVERDUE = register(
    MessageTemplate(
        "securities.refund_overdue",
        frozenset({"centre", "section", "refund", "principal", "due_by", "state", "basis"}),
        "To the centre's desk head and the supervisors of its region: a bid-security refund was not paid by"
        " the date its regime sets (实施条例 §57 / 政府采购法实施条例 §33).",
    )
)
