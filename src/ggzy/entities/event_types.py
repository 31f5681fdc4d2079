"""The event types `entities` records. A library is the organisation's own: its changes are for the
supervisors (a change just before a deadline must not tell anyone who is about to bid); what the public
sees of an organisation is read from the library itself (name, code, qualifications)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN = EventClass.DOMAIN


class EntitiesEvents(EventTypes, app="entities"):
    ITEM_CHANGED = EventType(
        "entities.item.changed",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.ORGANISATION,
        "An organisation's library entry was added, edited, retired or closed (a new revision with its SM3).",
        title=pgettext_lazy("event", "Library entry changed"),
    )
    ITEM_VERIFIED = EventType(
        "entities.item.verified",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.ORGANISATION,
        "A library entry was looked up with the authority's registry; its signed answer is kept.",
        title=pgettext_lazy("event", "Library entry verified"),
    )
    REFERENCES_RESOLVED = EventType(
        "entities.references.resolved",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.SECTION,
        "At the opening, the library entries an opened bid referenced were resolved to their revisions at"
        " the deadline.",
        title=pgettext_lazy("event", "Bid's library references resolved"),
    )
