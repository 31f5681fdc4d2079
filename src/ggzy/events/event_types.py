"""The event types `events` records: Django's sign-in signals, the back office, messages read, deliveries
recovered."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import Embargoes, EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

SECURITY, DOMAIN = EventClass.SECURITY, EventClass.DOMAIN
AUDIT = Visibility.AUDIT


class EventsEvents(EventTypes, app="events"):
    LOGIN_SUCCEEDED = EventType(
        "auth.login.succeeded",
        SECURITY,
        AUDIT,
        Scopes.ACCOUNT,
        "A user signed in (any sign-in path).",
        title=pgettext_lazy("event", "Signed in"),
    )
    LOGIN_FAILED = EventType(
        "auth.login.failed",
        SECURITY,
        AUDIT,
        Scopes.ACCOUNT,
        "A sign-in failed; the data names the username tried.",
        title=pgettext_lazy("event", "Sign-in failed"),
    )
    LOGOUT = EventType(
        "auth.logout",
        SECURITY,
        AUDIT,
        Scopes.ACCOUNT,
        "A user signed out.",
        title=pgettext_lazy("event", "Signed out"),
    )
    ADMIN_OBJECT_ADDED = EventType(
        "admin.object.added",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "The back office added an object (its values).",
        title=pgettext_lazy("event", "Added in the back office"),
    )
    ADMIN_OBJECT_CHANGED = EventType(
        "admin.object.changed",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "The back office changed an object (each changed field, before and after).",
        title=pgettext_lazy("event", "Changed in the back office"),
    )
    ADMIN_OBJECT_DELETED = EventType(
        "admin.object.deleted",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "The back office deleted an object (its values).",
        title=pgettext_lazy("event", "Deleted in the back office"),
    )
    MESSAGE_READ = EventType(
        "events.message.read",
        DOMAIN,
        AUDIT,
        Scopes.ACCOUNT,
        "The addressee opened a message in the inbox (a receipt).",
        Embargoes.AS_MESSAGE,
        title=pgettext_lazy("event", "Message read"),
    )
    DELIVERIES_RECOVERED = EventType(
        "events.deliveries.recovered",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "The tick queued again deliveries a dead worker left running past their lease, or pending "
        "messages no task would send (how many, and which messages).",
        title=pgettext_lazy("event", "Deliveries recovered"),
    )
