"""The event types `opening` records. The hall is public to the section's parties; a section not opened for
too few bids says only that it was not opened and the method's minimum (never how many bid: that is secret
before an opening, and there is none)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN = EventClass.DOMAIN


class OpeningEvents(EventTypes, app="opening"):
    HALL_PREPARED = EventType(
        "opening.hall.prepared",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "At the deadline enough bids stood: the hall's schedule of steps was fixed from the opening time and"
        " the documents' windows.",
        title=pgettext_lazy("event", "Opening hall prepared"),
    )
    HALL_FAILED = EventType(
        "opening.hall.failed",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "At the deadline fewer bids stood than the method's minimum: the section is not opened (its failed"
        " state with the reason and the rule).",
        title=pgettext_lazy("event", "Section not opened: too few bids"),
    )
    STEP_STARTED = EventType(
        "opening.step.started",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "A step of the opening began: its scheduled and its actual instant (standard 6.7.2).",
        title=pgettext_lazy("event", "Opening step begun"),
    )
    K_COMMITTED = EventType(
        "opening.k.committed",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "The verifiable draw of the section's K was opened before the deadline: its commitments are in the"
        " witness log before any release can be accepted.",
        title=pgettext_lazy("event", "K draw committed"),
    )
    LINE_DECIDED = EventType(
        "opening.line.decided",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "A bidder confirmed its own line of the opening sheet, or objected to it with what is wrong.",
        title=pgettext_lazy("event", "Opening sheet line confirmed or objected to"),
    )
    HALL_PAUSED = EventType(
        "opening.hall.paused",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "A pause of the procedure holds the hall: no step begins, no release is accepted.",
        title=pgettext_lazy("event", "Opening paused"),
    )
    HALL_RESUMED = EventType(
        "opening.hall.resumed",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "The pause ended: the steps not yet ended, the decryption window with them, moved by the time it"
        " held.",
        title=pgettext_lazy("event", "Opening resumed"),
    )
    BID_ATTRIBUTED = EventType(
        "opening.bid.attributed",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.SECTION,
        "A bid that stayed closed: its cause with the evidence, and the agent's decision (撤销: the bidder"
        " caused it, the documents' consequence for its security applies; 撤回: it did not).",
        title=pgettext_lazy("event", "Closed bid attributed"),
    )
    ON_SITE = EventType(
        "opening.hall.on_site",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "The centre's staff set the opening in a room (现场开标): the same hall page on the room's"
        " screen, the releases the bidders present relayed by staff.",
        title=pgettext_lazy("event", "On-site opening set"),
    )
    AVOIDANCE_REQUESTED = EventType(
        "opening.avoidance.requested",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.SECTION,
        "A bidder asked at the opening that a person avoid the section's evaluation (回避), with its reason.",
        title=pgettext_lazy("event", "Avoidance requested at the opening"),
    )
    AVOIDANCE_DECIDED = EventType(
        "opening.avoidance.decided",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.SECTION,
        "The initiator or its agent answered an avoidance request made at the opening; an accepted one is"
        " recorded for the expert draw.",
        title=pgettext_lazy("event", "Avoidance request answered"),
    )
    RECORD_MADE = EventType(
        "opening.record.made",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "The opening record made at the close (its SM3, the centre's seal): in the witness log, with its"
        " proof.",
        title=pgettext_lazy("event", "Opening record made"),
    )
    RECORD_SIGNED = EventType(
        "opening.record.signed",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "The agent signed the opening record (a detached ggzy-docsig-v1 signature, checked).",
        title=pgettext_lazy("event", "Opening record signed by the agent"),
    )
    SECOND_SCHEDULED = EventType(
        "opening.second.scheduled",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "A two-envelope section's second session (二次开标) was scheduled by the initiator or its agent: the"
        " bidders that passed the technical review (only their price envelopes will ever be opened), who"
        " recorded them and when the session opens.",
        title=pgettext_lazy("event", "Second session scheduled"),
    )
    SECOND_STEP_STARTED = EventType(
        "opening.second.step.started",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "A step of the second session began: its scheduled and its actual instant (standard 6.7.2).",
        title=pgettext_lazy("event", "Second session step begun"),
    )
    SECOND_RECORD_MADE = EventType(
        "opening.second.record.made",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "The second session's record made at its close (its SM3, the centre's seal; the first record's SM3"
        " in it): in the witness log, with its proof.",
        title=pgettext_lazy("event", "Second session record made"),
    )
