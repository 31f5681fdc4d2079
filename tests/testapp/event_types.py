"""Event types only the tests record (the recorder's own tests, visibility, embargo, the witness log).

They are not the platform's: docs/events.md lists only the catalogues under `ggzy.`."""

from __future__ import annotations

from ggzy.events.catalogue import EmbargoRule, EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN, SECURITY = EventClass.DOMAIN, EventClass.SECURITY
ANY_EMBARGO = EmbargoRule("any (tests)", "any registered kind, or none", inherited=True)


def _test(type_: str, event_class: EventClass, visibility: Visibility) -> EventType:
    return EventType(
        type_, event_class, visibility, Scopes.PLATFORM, "Recorded by tests only.", ANY_EMBARGO, title=type_
    )


class SampleEvents(EventTypes, app="testapp"):
    THING_DONE = _test("test.thing.done", DOMAIN, Visibility.PUBLIC)
    NOTICE_PUBLISHED = _test("testapp.notice.published", DOMAIN, Visibility.PUBLIC)
    REGISTRATION_ACCEPTED = _test("testapp.registration.accepted", DOMAIN, Visibility.PARTIES)
    ALERT_RAISED = _test("testapp.alert.raised", DOMAIN, Visibility.SUPERVISORS)
    BID_SUBMITTED = _test("testapp.bid.submitted", DOMAIN, Visibility.PARTIES)
    BID_PUBLISHED = _test("testapp.bid.published", DOMAIN, Visibility.PUBLIC)
    DOCUMENT_DOWNLOADED = _test("testapp.document.downloaded", DOMAIN, Visibility.PARTIES)
    DRAW_COMPLETED = _test("testapp.draw.completed", DOMAIN, Visibility.SUPERVISORS)
    DRAW_VIEWED = _test("testapp.draw.viewed", SECURITY, Visibility.AUDIT)
