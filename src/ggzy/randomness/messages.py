"""The randomness app's notification templates (`events.templates_registry`)."""

from ggzy.events.templates_registry import MessageTemplate, register

DRAW_ABORTED = register(
    MessageTemplate(
        "randomness.draw_aborted",
        frozenset({"subject", "parties", "draw", "state"}),
        "To the supervisors of the draw's region: a party of a verifiable random draw did not reveal"
        " (its place was taken by the pre-committed fallback) or the draw was refused (its commitments"
        " were not in the co-signed log before the moment anyone could profit).",
    )
)
