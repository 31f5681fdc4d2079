"""The event types `sealing` records: bid windows, sealed bids and their release, the custodians."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import Embargoes, EventType, EventTypes, Scopes, Title
from ggzy.events.states import EventClass, Visibility

DOMAIN, SECURITY = EventClass.DOMAIN, EventClass.SECURITY
PUBLIC, PARTIES, SUPERVISORS = Visibility.PUBLIC, Visibility.PARTIES, Visibility.SUPERVISORS


def _bid(type_: str, meaning: str, *, title: Title) -> EventType:
    """An event about one bid, for the parties, embargoed until the section's opening."""
    return EventType(type_, DOMAIN, PARTIES, Scopes.BID, meaning, Embargoes.UNTIL_OPENING, title=title)


def _refusal(type_: str, meaning: str, *, title: Title) -> EventType:
    """A refusal, for the supervisors, embargoed until the opening when the section has a window."""
    return EventType(
        type_, SECURITY, SUPERVISORS, Scopes.SECTION, meaning, Embargoes.UNTIL_OPENING_IF_WINDOW, title=title
    )


def _share(type_: str, meaning: str, *, title: Title) -> EventType:
    return EventType(
        type_, SECURITY, SUPERVISORS, Scopes.SECTION, meaning, Embargoes.UNTIL_OPENING, title=title
    )


class SealingEvents(EventTypes, app="sealing"):
    WINDOW_SET = EventType(
        "sealing.window.set",
        DOMAIN,
        PUBLIC,
        Scopes.SECTION,
        "A section's bid deadline and opening time were set or postponed (with the signed notice).",
        title=pgettext_lazy("event", "Bid deadline and opening time set"),
    )
    BID_RECEIVED = _bid(
        "sealing.bid.received",
        "A sealed bid was received and kept.",
        title=pgettext_lazy("event", "Sealed bid received"),
    )
    BID_WITHDRAWN = _bid(
        "sealing.bid.withdrawn",
        "A bidder withdrew its bid before the deadline.",
        title=pgettext_lazy("event", "Bid withdrawn"),
    )
    BID_SUPERSEDED = _bid(
        "sealing.bid.superseded",
        "A bidder's later bid for the section replaced its earlier one before the deadline.",
        title=pgettext_lazy("event", "Bid replaced"),
    )
    BID_OPENED = _bid(
        "sealing.bid.opened",
        "A bid was opened (by the bidder's release or through the custodians).",
        title=pgettext_lazy("event", "Bid opened"),
    )
    BID_SEALED_WRONGLY = _bid(
        "sealing.bid.sealed_wrongly",
        "The custodians' shares do not open the bid: the bidder sealed it wrongly.",
        title=pgettext_lazy("event", "Bid sealed wrongly"),
    )
    BID_REFUSED = _refusal(
        "sealing.bid.refused",
        "A bid file was refused at upload (with the reason).",
        title=pgettext_lazy("event", "Bid file refused"),
    )
    RELEASE_REFUSED = _refusal(
        "sealing.release.refused",
        "A bid's release was refused (with the reason).",
        title=pgettext_lazy("event", "Bid release refused"),
    )
    SHARE_RECEIVED = _share(
        "sealing.share.received",
        "A custodian's key share for a bid arrived.",
        title=pgettext_lazy("event", "Key share received"),
    )
    SHARE_REFUSED = _share(
        "sealing.share.refused",
        "A custodian refused or failed to give its key share.",
        title=pgettext_lazy("event", "Key share refused"),
    )
    NOTICE_UNDELIVERED = EventType(
        "sealing.notice.undelivered",
        SECURITY,
        SUPERVISORS,
        Scopes.SECTION,
        "A signed deadline notice could not be delivered to a custodian (the supervisors are alarmed).",
        title=pgettext_lazy("event", "Deadline notice undelivered"),
    )
    CUSTODIANS_PUBLISHED = EventType(
        "sealing.custodians.published",
        SECURITY,
        PUBLIC,
        Scopes.CENTRE_REGION,
        "A centre's custodian set was published as its members signed it.",
        title=pgettext_lazy("event", "Custodian set published"),
    )
    NOTICE_KEY_TRANSITION_BEGUN = EventType(
        "sealing.notice_key.transition_begun",
        SECURITY,
        SUPERVISORS,
        Scopes.CENTRE_REGION,
        "The old notice key signed its successor; the supervising department is to countersign.",
        title=pgettext_lazy("event", "Notice key transition begun"),
    )
    NOTICE_KEY_TRANSITION = EventType(
        "sealing.notice_key.transition",
        SECURITY,
        PUBLIC,
        Scopes.CENTRE_REGION,
        "A notice-key transition, countersigned by the supervising department, was published.",
        title=pgettext_lazy("event", "Notice key transition published"),
    )
    CUSTODIAN_UNVERIFIED_NOTICES = EventType(
        "sealing.custodian.unverified_notices",
        SECURITY,
        SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A custodian reports notices it could not verify (the supervisors are alarmed).",
        title=pgettext_lazy("event", "Custodian reports unverifiable notices"),
    )
