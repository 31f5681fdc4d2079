from ggzy.events.templates_registry import MessageTemplate, register

CUSTODIAN_ALARM = register(
    MessageTemplate(
        "sealing.custodian_alarm",
        frozenset({"centre", "custodian", "problem", "count"}),
        "To the supervisors: a deadline notice did not reach a key custodian, or a custodian was sent notices"
        " it could not verify (forged or foreign: they delay nothing, but someone is trying).",
    )
)
