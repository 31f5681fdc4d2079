from ggzy.events.templates_registry import MessageTemplate, register

CERTIFICATE_EXPIRING = register(
    MessageTemplate(
        "certs.expiring",
        frozenset({"usage", "serial", "days", "date"}),
        "Warns a holder that a bound certificate expires soon.",
    )
)
