"""The event types `experts` records. Nothing here names an expert: the request and its counts; the calls,
replacements and answers wait for the evaluation (the embargo `experts.evaluation`), and even then carry
positions and counts, never names (the names are secret until the result is final)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import Embargoes, EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN = EventClass.DOMAIN


class ExpertsEvents(EventTypes, app="experts"):
    REQUESTED = EventType(
        "experts.request.made",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A draw of evaluation experts was requested: specialties and counts, the rules it applies (as counts"
        " of organisations and persons to avoid), the evaluation's time.",
        Embargoes.UNTIL_OPENING_IF_WINDOW,
        title=pgettext_lazy("event", "Expert draw requested"),
    )
    FIXED = EventType(
        "experts.eligible.fixed",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "The eligible list of a draw was fixed: its SM3, its size per specialty and the experts excluded by"
        " each rule (counts only) — the moment after which the draw's seed is revealed.",
        Embargoes.UNTIL_OPENING_IF_WINDOW,
        title=pgettext_lazy("event", "Eligible experts fixed"),
    )
    DRAWN = EventType(
        "experts.draw.made",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "The experts of a request were drawn from its seed: how many were called per specialty and role.",
        Embargoes.UNTIL_EVALUATION,
        title=pgettext_lazy("event", "Experts drawn"),
    )
    ANSWERED = EventType(
        "experts.call.answered",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A called expert answered (accepted or declined), or the time to answer passed; a decline calls the"
        " next expert of the same order (its position, never its name).",
        Embargoes.UNTIL_EVALUATION,
        title=pgettext_lazy("event", "Expert call answered"),
    )
