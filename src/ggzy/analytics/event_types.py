"""The event types `analytics` records: a month's trading information published (6.10.2)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility


class AnalyticsEvents(EventTypes, app="analytics"):
    DISCLOSURE_PUBLISHED = EventType(
        "analytics.disclosure.published",
        EventClass.DOMAIN,
        Visibility.PUBLIC,
        Scopes.PLATFORM,
        "A month's trading information (announcements, sections and their budgets, results, terminations by"
        " trading category and region) was published, with the SM3 of its CSV file; it never changes.",
        title=pgettext_lazy("event", "Monthly trading information published"),
    )
