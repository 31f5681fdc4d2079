"""The event types `randomness` records. A draw's commitments, reveals and value are public: they say
nothing of who bid or who was drawn, and anyone must be able to recompute the value (docs/randomness.md).
A party that did not reveal and a refused draw are security events for the supervisors, alerted."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN, SECURITY = EventClass.DOMAIN, EventClass.SECURITY


class RandomnessEvents(EventTypes, app="randomness"):
    DRAW_OPENED = EventType(
        "randomness.draw.opened",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "A verifiable random draw was opened: its purpose, what it derives, the moment anyone could profit.",
        title=pgettext_lazy("event", "Random draw opened"),
    )
    COMMITTED = EventType(
        "randomness.commitment.recorded",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "A party's commitment to its secret for a draw (a beacon's signed statement with it), recorded before"
        " the moment anyone could profit.",
        title=pgettext_lazy("event", "Random draw commitment recorded"),
    )
    REVEALED = EventType(
        "randomness.secret.revealed",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "A party revealed its secret for a draw (a beacon's signed reveal over the draw's set of"
        " commitments).",
        title=pgettext_lazy("event", "Random draw secret revealed"),
    )
    REVEAL_MISSING = EventType(
        "randomness.reveal.missing",
        SECURITY,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "A party did not reveal (or its reveal did not verify): the pre-committed fallback takes its"
        " place, no redraw; the supervisors are alerted.",
        title=pgettext_lazy("event", "Random draw party did not reveal"),
    )
    DRAWN = EventType(
        "randomness.draw.drawn",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "A draw's value: the seed from every slot, what it derives, the moment and the co-signed head that"
        " shows every commitment was logged before it.",
        title=pgettext_lazy("event", "Random draw drawn"),
    )
    REFUSED = EventType(
        "randomness.draw.refused",
        SECURITY,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "A draw was refused: its commitments were not in a co-signed head of the witness log before the"
        " moment anyone could profit. It is never drawn; the supervisors are alerted.",
        title=pgettext_lazy("event", "Random draw refused"),
    )
    MOMENT = EventType(
        "randomness.moment.reached",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "The caller marks the moment anyone could profit from a draw, when nothing else it records marks it.",
        title=pgettext_lazy("event", "Random draw moment reached"),
    )
