from ggzy.events.templates_registry import MessageTemplate, register

ENTRY_EXPIRING = register(
    MessageTemplate(
        "entities.expiring",
        frozenset({"kind", "title", "days", "date"}),
        "Warns an organisation's members that an entry of its library (a qualification, a certificate, a"
        " document) expires soon.",
    )
)
