"""The event types `events` records: Django's sign-in signals, the back office, messages read."""

from __future__ import annotations

from ggzy.events.catalogue import Embargoes, EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

SECURITY, DOMAIN = EventClass.SECURITY, EventClass.DOMAIN
AUDIT = Visibility.AUDIT


class EventsEvents(EventTypes, app="events"):
    LOGIN_SUCCEEDED = EventType(
        "auth.login.succeeded", SECURITY, AUDIT, Scopes.ACCOUNT, "A user signed in (any sign-in path)."
    )
    LOGIN_FAILED = EventType(
        "auth.login.failed",
        SECURITY,
        AUDIT,
        Scopes.ACCOUNT,
        "A sign-in failed; the data names the username tried.",
    )
    LOGOUT = EventType("auth.logout", SECURITY, AUDIT, Scopes.ACCOUNT, "A user signed out.")
    ADMIN_OBJECT_ADDED = EventType(
        "admin.object.added",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "The back office added an object (its values).",
    )
    ADMIN_OBJECT_CHANGED = EventType(
        "admin.object.changed",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "The back office changed an object (each changed field, before and after).",
    )
    ADMIN_OBJECT_DELETED = EventType(
        "admin.object.deleted",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "The back office deleted an object (its values).",
    )
    MESSAGE_READ = EventType(
        "events.message.read",
        DOMAIN,
        AUDIT,
        Scopes.ACCOUNT,
        "The addressee opened a message in the inbox (a receipt).",
        Embargoes.AS_MESSAGE,
    )
